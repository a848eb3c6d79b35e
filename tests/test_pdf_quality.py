"""The PDF book as a printer and a screen reader get it: outline, metadata, tags, fonts, PDF/A,
footnotes on their call's page, no heading stranded at a page foot, page references.

Books are built with the command line from the tiny fixture (and a longer variant of it that puts
footnotes and headings at many places on the page) and read back with pypdf, pikepdf and pdfplumber.
"""
import random
import re

import pdfplumber
import pikepdf
import pytest
from pypdf import PdfReader

from conftest import FIXTURES, cli

PDF = "book/tiny-test-book.pdf"
EPOCH = 1767225600  # 2026-01-01T00:00:00Z
LEADER = re.compile(r"^(?:(\d+) )?(.+?)[\s.]*\s(\d+)$")  # "[spot number] title . . . . page"


def copy_tiny(dest, subject=True):
    import shutil

    shutil.copytree(FIXTURES / "tiny", dest)
    if subject:
        with open(dest / "book.yaml", "a", encoding="utf-8") as f:
            f.write("subject: [Massage, Self-care, Trigger points]\n")
    return dest


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """The tiny book built twice: the default (PDF/UA-1) and PDF/A-3b."""
    root = tmp_path_factory.mktemp("quality")
    chapters = copy_tiny(root / "chapters")
    out = {}
    for variant in ("pdf/ua-1", "pdf/a-3b"):
        dest = root / variant.replace("/", "-")
        assert cli("build", "--chapters", chapters, "--out", dest, "--pdf-variant", variant) == 0
        out[variant] = dest / PDF
    return out


@pytest.fixture(scope="module")
def long_book(tmp_path_factory):
    """The tiny book with a long introduction: paragraphs of every length, each ending with a footnote
    call, and headings in between, so that calls and headings fall at every height of a page."""
    root = tmp_path_factory.mktemp("long")
    chapters = copy_tiny(root / "chapters")
    rng = random.Random(7)
    words = ("the muscle knot presses deep into the tender spot while breathing slowly and steadily "
             "before moving the ball a little further along the characteristically uncomfortable band").split()
    body = []
    for n in range(1, 61):
        if n % 4 == 1:
            body.append(f"## Head h{n:02d}z\n")
        if n % 9 == 0:
            body.append(f"### Sub s{n:02d}z\n")
        length = rng.randint(8, 110)
        text = " ".join(rng.choice(words) for _ in range(length)).capitalize()
        body.append(f"{text} k{n:02d}z.[^n{n}]\n\n[^n{n}]: Note n{n:02d}z for this paragraph.\n")
    (chapters / "front" / "intro.md").write_text(
        "---\ntitle: Introduction\nkind: introduction\n---\n" + "\n".join(body), encoding="utf-8")
    assert cli("build", "--chapters", chapters, "--out", root / "out") == 0
    return root / "out" / PDF


def page_texts(path):
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def flat_outline(reader, items=None, level=1):
    """[(level, title, page number)] of the whole outline, in order."""
    out = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            out += flat_outline(reader, item, level + 1)
        else:
            out.append((level, item.title, reader.get_destination_page_number(item) + 1))
    return out


def toc_lines(texts):
    """[(title, page)] from the table of contents page."""
    page = next(t for t in texts if t.startswith("Contents"))
    lines = []
    for line in page.splitlines()[1:]:
        m = LEADER.match(line.strip())
        if m:
            lines.append((m.group(2).strip(), int(m.group(3))))
    return lines


def test_outline_mirrors_the_table_of_contents(books):
    reader = PdfReader(books["pdf/ua-1"])
    texts = page_texts(books["pdf/ua-1"])
    outline = flat_outline(reader)
    toc = toc_lines(texts)
    assert [t for t, _ in toc] == ["Introduction", "Map of the spots", "The outer thigh", "The low back corner",
                                   "Where does it hurt?", "References"]
    assert outline[0][:2] == (1, "Contents") and texts[outline[0][2] - 1].startswith("Contents")
    # One bookmark per line of the contents, same title, same order, same page.
    assert [(title, page) for _, title, page in outline[1:]] == toc
    assert all(level == 1 for level, _, _ in outline)
    for title, page in toc:
        assert title in texts[page - 1], f"{title!r} does not start on page {page}"
        before = texts[page - 2]
        assert before.startswith("Contents") or title not in before, f"{title!r} already on page {page - 1}"


def test_metadata(books):
    reader = PdfReader(books["pdf/ua-1"])
    info = reader.metadata
    assert info.title == "Tiny Test Book"
    assert info.author == "Test Author"
    assert info.subject == "A two-spot book for tests."
    assert info["/Keywords"] == "Massage, Self-care, Trigger points"
    with pikepdf.open(books["pdf/ua-1"]) as pdf:
        assert str(pdf.Root.Lang) == "en"
        xmp = pdf.open_metadata()
        assert xmp.get("dc:title") == "Tiny Test Book"
        assert xmp.get("pdfuaid:part") == "1"


def test_structure_tree_has_headings_and_paragraphs(books):
    with pikepdf.open(books["pdf/ua-1"]) as pdf:
        assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
        kinds = set()

        def walk(node):
            if isinstance(node, pikepdf.Array):
                for child in node:
                    walk(child)
            elif isinstance(node, pikepdf.Dictionary):
                if "/S" in node:
                    kinds.add(str(node.S))
                if "/K" in node:
                    walk(node.K)

        walk(pdf.Root.StructTreeRoot.K)
        assert {"/P", "/H1", "/H2", "/Figure", "/L"} <= kinds, kinds


def fonts(resources, seen=None):
    """Every font used on a page, in its resources and in the resources of its forms, recursively."""
    seen = set() if seen is None else seen
    found = []
    for font in (resources.get("/Font") or {}).values():
        found.append(font)
    for xobject in (resources.get("/XObject") or {}).values():
        key = xobject.objgen
        if key in seen or "/Resources" not in xobject:
            continue
        seen.add(key)
        found += fonts(xobject.Resources, seen)
    return found


@pytest.mark.parametrize("variant", ["pdf/ua-1", "pdf/a-3b"])
def test_every_font_is_embedded(books, variant):
    with pikepdf.open(books[variant]) as pdf:
        used = []
        for page in pdf.pages:
            for font in fonts(page.Resources):
                desc = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont
                used.append(str(font.BaseFont))
        assert used


def test_pdf_a3b_variant_declares_pdf_a(books):
    with pikepdf.open(books["pdf/a-3b"]) as pdf:
        xmp = pdf.open_metadata()
        assert xmp.get("pdfaid:part") == "3"
        assert xmp.get("pdfaid:conformance") == "B"
        assert "/OutputIntents" in pdf.Root
        assert "/StructTreeRoot" in pdf.Root, "the archival variant is tagged too"
        assert str(pdf.Root.Lang) == "en"
    with pikepdf.open(books["pdf/ua-1"]) as pdf:
        assert pdf.open_metadata().get("pdfaid:part") is None


def test_unknown_pdf_variant_is_a_usage_error(tmp_path, capsys):
    chapters = copy_tiny(tmp_path / "chapters")
    assert cli("build", "--chapters", chapters, "--out", tmp_path / "out", "--pdf-variant", "pdf/x-4") == 2
    assert "pdf/a-3b" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_dates_come_from_the_book_or_source_date_epoch(tmp_path, monkeypatch):
    chapters = copy_tiny(tmp_path / "chapters")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert cli("build", "--chapters", chapters, "--out", tmp_path / "a") == 0
    info = PdfReader(tmp_path / "a" / PDF).metadata
    assert info["/CreationDate"].startswith("D:20260102") and info["/ModDate"].startswith("D:20260102")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert cli("build", "--chapters", chapters, "--out", tmp_path / "b", "--pdf-variant", "pdf/a-3b") == 0
    info = PdfReader(tmp_path / "b" / PDF).metadata
    assert info["/CreationDate"].startswith("D:20260101000000") and info["/ModDate"].startswith("D:20260101000000")
    with pikepdf.open(tmp_path / "b" / PDF) as pdf:
        assert pdf.open_metadata().get("xmp:CreateDate", "").startswith("2026-01-01T00:00:00")


def test_footnotes_are_on_their_calls_page(books, long_book):
    texts = page_texts(books["pdf/ua-1"])
    for call, note in (("Tiny introduction with a note.", "The note’s text."), ("A footnote here.", "Footnote text")):
        assert [i for i, t in enumerate(texts) if call in t] == [i for i, t in enumerate(texts) if note in t]
    texts = page_texts(long_book)
    for n in range(1, 61):
        calls = [i for i, t in enumerate(texts) if f"k{n:02d}z" in t]
        notes = [i for i, t in enumerate(texts) if f"n{n:02d}z" in t]
        assert len(calls) == 1 and notes == calls, f"footnote {n}: call on page {calls}, note on page {notes}"


def body_lines(page):
    """The lines of a page's main text, top to bottom: [(top, text, is a heading)], without the running
    head and the footnotes (set smaller than the text) and the page number (in the foot margin). The map's
    key counts, though set small. Headings are the lines set in bold and larger than the text."""
    words = page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False)
    lines: dict = {}
    for w in words:
        if w["size"] < 8.4 or w["top"] > page.height - 20 * 72 / 25.4:
            continue
        lines.setdefault(round(w["top"]), []).append(w)
    return [(top, " ".join(w["text"] for w in ws), all(w["size"] > 10.6 and "Bold" in w["fontname"] for w in ws))
            for top, ws in sorted(lines.items())]


def test_no_heading_ends_a_page(books, long_book):
    checked = 0
    for path in (books["pdf/ua-1"], long_book):
        with pdfplumber.open(path) as pdf:
            pages = [body_lines(page) for page in pdf.pages]
        for number, lines in enumerate(pages[:-1], 1):
            if not lines or not pages[number]:
                continue
            top, text, heading = lines[-1]
            checked += 1
            assert not heading, f"page {number} of {path.name} ends with the heading {text!r}"
    assert checked > 10


def test_long_text_is_hyphenated_in_the_books_language(long_book):
    lines = [line for t in page_texts(long_book) for line in t.splitlines()]
    assert any(line.endswith("\u2010") for line in lines), "no line ends with a hyphen"


def test_cross_references_and_finder_give_page_numbers(books):
    texts = page_texts(books["pdf/ua-1"])
    spot = {title: page for title, page in toc_lines(texts)}
    assert f"See spot 2 (page {spot['The low back corner']})" in texts[spot["Introduction"] - 1]
    assert f"Compare spot 1 (page {spot['The outer thigh']})" in texts[spot["The low back corner"] - 1]
    finder = texts[spot["Where does it hurt?"] - 1]
    entries = [m.groups() for m in re.finditer(r"Spot (\d), .*?[ .]+(\d+)$", finder, re.M)]
    assert entries and all(int(page) == spot[{"1": "The outer thigh", "2": "The low back corner"}[n]]
                           for n, page in entries)
