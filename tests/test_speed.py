"""Speed by design, not by timing: incremental rebuilds, what start-up loads, one layout per document."""
import json
import subprocess
import sys

from conftest import ROOT, cli


def _state(out):
    """Each output's inode and modification time: a file made again gets a new inode."""
    return {f"{folder}/{p.name}": (p.stat().st_ino, p.stat().st_mtime_ns)
            for folder in ("book", "handouts") for p in (out / folder).iterdir()}


def test_no_change_rebuild_skips_every_output(tiny, tmp_path, capsys):
    out = tmp_path / "out"
    assert cli("build", "--chapters", tiny, "--out", out) == 0
    first = _state(out)
    assert len(first) == 2 + 2  # the EPUB, the PDF book and one handout per spot
    capsys.readouterr()
    assert cli("build", "--chapters", tiny, "--out", out) == 0
    assert "skipped 4 outputs" in capsys.readouterr().out
    assert _state(out) == first
    manifest = json.loads((out / ".current" / ".manifest.json").read_text())  # inside the published set
    assert set(manifest["outputs"]) == set(first)


def test_changed_spot_rebuilds_only_what_depends_on_it(tiny, tmp_path):
    out = tmp_path / "out"
    assert cli("build", "--chapters", tiny, "--out", out) == 0
    first = _state(out)
    knee = tiny / "spots" / "01-knee.md"
    knee.write_text(knee.read_text().replace("summary: ", "summary: Changed. ", 1))
    assert cli("build", "--chapters", tiny, "--out", out) == 0
    second = _state(out)
    changed = {name for name in first if first[name] != second[name]}
    books = {name for name in first if name.startswith("book/")}
    assert len(books) == 2
    assert changed == books | {"handouts/01-knee.pdf"}


def test_practice_change_rebuilds_everything_and_force_too(tiny, tmp_path):
    out = tmp_path / "out"
    assert cli("build", "--chapters", tiny, "--out", out) == 0
    first = _state(out)
    assert cli("build", "--chapters", tiny, "--out", out, "--force") == 0
    forced = _state(out)
    assert all(first[name] != forced[name] for name in first)
    assert cli("build", "--chapters", tiny, "--out", out, "--paper", "letter") == 0
    letter = _state(out)
    assert all(forced[name] != letter[name] for name in forced)


def test_help_and_check_do_not_load_weasyprint(tiny):
    """--help loads the argument parsers only; check does without the EPUB writer."""
    probe = ("import sys, make_book\n"
             "try:\n    make_book.main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "print('LOADED', sorted(m for m in ('weasyprint', 'ebooklib', 'babel.dates', 'pydantic') if m in sys.modules))")
    run = lambda *a: subprocess.run([sys.executable, "-c", probe, *map(str, a)], capture_output=True, text=True,
                                    cwd=ROOT).stdout.splitlines()[-1]
    assert run("--help") == "LOADED []"
    # check lays out every handout (as the build would), so it loads WeasyPrint, but not the EPUB writer
    assert "ebooklib" not in run("check", "--chapters", tiny)


def test_a_45_spot_book_is_laid_out_once_plus_at_most_one_fix_pass(tmp_path, monkeypatch):
    """From 45 spots the map's heading already starts its page: asking it to break before would never take
    effect. Fixes are asked for only where they change something, so the book is laid out once, plus at
    most one pass of page fixes; and the map's heading stays on the page of its figure."""
    import weasyprint

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_build import make_chapters
    from book import build, pdf, render

    book, profile = build.load(build.Job(chapters=make_chapters(tmp_path / "chapters", 45)))
    assert len(book.spots) == 45
    layouts = []
    real = weasyprint.HTML.render
    monkeypatch.setattr(weasyprint.HTML, "render", lambda self, *a, **k: layouts.append(1) or real(self, *a, **k))
    document = pdf.render(render.book_html(book, profile), profile, "book", "6x9", base=book.root)
    assert 1 <= len(layouts) <= 2, f"{len(layouts)} layouts"
    heading = [i for i, page in enumerate(document.pages) if "map-title" in page.anchors]
    assert heading, "the map's heading"
    page = document.pages[heading[0]]._page_box
    assert build._find(page, "overview") is not None, "the map's figure is on its heading's page"
