"""What a practice folder, a chapter folder, a logo or a CSV may reach or break.

Every bad input is built in tmp_path and must give exit 2 with the file and the field named on one
line, no traceback, the earlier outputs in OUT unchanged and nothing left behind.
"""
import hashlib
import os
import re
import shutil
import stat
import struct
import zlib
from pathlib import Path

import pytest

from conftest import ROOT, cli
from book import batch, render, sources
from book.errors import SourceError

SAMPLES = ROOT / "styles" / "practices"


# --------------------------------------------------------------------------- helpers


def snapshot(out: Path) -> dict:
    """Everything in OUT, hidden entries and link targets included: path -> sha256, or '-> target'."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(out):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(out).as_posix()
            if path.is_symlink():
                found[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def out(tmp_path):
    """An output folder holding earlier outputs, which a refused build must leave exactly as they are."""
    folder = tmp_path / "out"
    (folder / "book").mkdir(parents=True)
    (folder / "handouts").mkdir()
    (folder / "book" / "tiny-test-book.pdf").write_bytes(b"%PDF earlier book")
    (folder / "handouts" / "01-knee.pdf").write_bytes(b"%PDF earlier handout")
    return folder


@pytest.fixture
def profile(tmp_path):
    """A copy of the sports clinic's profile (it has a logo and extra.css) outside the project."""
    dest = tmp_path / "my-clinic"
    shutil.copytree(SAMPLES / "stride-sports", dest)
    return dest


def refused(capsys, out: Path, *args, expect: list[str]) -> str:
    """Run the command line; assert exit 2, each of EXPECT in the messages, one line each, no
    traceback, OUT unchanged and no staging left. Returns the messages."""
    before = snapshot(out)
    status = cli(*args)
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    for text in expect:
        assert re.search(text, err), (text, err)
    for line in err.splitlines():
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]", line), line
        assert len(line) < 700, line
    assert snapshot(out) == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    return err


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def build(tiny, out, *extra):
    return ("build", "--chapters", tiny, "--out", out, *extra)


# --------------------------------------------------------------------------- templates in a practice


def test_templates_in_a_practice_are_refused_and_never_run(profile, tiny, out, tmp_path, capsys):
    mark = tmp_path / "ran"
    (profile / "templates").mkdir()
    (profile / "templates" / "handout.html").write_text(
        "{{ cycler.__init__.__globals__.os.system('touch %s') }}" % mark)
    refused(capsys, out, "check", "--chapters", tiny, "--practice", profile,
            expect=[r"my-clinic/templates: a practice may not hold templates"])
    refused(capsys, out, *build(tiny, out, "--practice", profile), expect=["my-clinic/templates"])
    assert not mark.exists()


def test_the_jinja_environment_is_the_projects_only():
    env = render.environment()
    assert env.autoescape is True
    files, desk = env.loader.loaders  # the handout and book templates, and the desk's pages as "desk/NAME"
    assert [Path(p).relative_to(ROOT).as_posix() for p in files.searchpath] == ["handouts", "book/templates"]
    assert [Path(p).relative_to(ROOT).as_posix() for p in desk.mapping["desk"].searchpath] == ["book/desk/templates"]
    with pytest.raises(TypeError):
        render.environment(SAMPLES / "default")


# --------------------------------------------------------------------------- paths out of the chapters folder


@pytest.mark.parametrize("field,make", [
    ("front_matter", lambda tiny, outside: str(outside)),
    ("front_matter", lambda tiny, outside: "../outside.md"),
    ("back_matter", lambda tiny, outside: "front/../../outside.md"),
    ("spots", lambda tiny, outside: "../outside.md"),
])
def test_book_yaml_names_outside_the_chapters_folder_are_refused(tiny, out, tmp_path, capsys, field, make):
    outside = tmp_path / "outside.md"
    outside.write_text("---\ntitle: SECRET OUTSIDE TEXT\n---\nSecret.\n")
    name = make(tiny, outside)
    edit(tiny / "book.yaml", f"{field}: [" if field != "spots" else "back_matter: [",
         f"{field}: ['{name}', " if field != "spots" else f"spots: ['{name}']\nback_matter: [")
    err = refused(capsys, out, *build(tiny, out),
                  expect=[rf"chapters/book\.yaml: {field}: '{re.escape(name)}' is outside the chapters folder"])
    assert "SECRET" not in err


def test_symlinked_chapter_to_a_file_elsewhere_is_refused(tiny, out, tmp_path, capsys):
    outside = tmp_path / "elsewhere.md"
    shutil.copy(tiny / "spots" / "02-back.md", outside)
    (tiny / "spots" / "02-back.md").unlink()
    (tiny / "spots" / "02-back.md").symlink_to(outside)
    refused(capsys, out, *build(tiny, out), expect=[r"spots/02-back\.md: is outside the chapters folder"])
    # a link that stays inside the folder is fine
    (tiny / "spots" / "02-back.md").unlink()
    shutil.copy(outside, tiny / "front" / "back-copy.md")
    (tiny / "spots" / "02-back.md").symlink_to(tiny / "front" / "back-copy.md")
    assert cli("check", "--chapters", tiny) == 0


def test_symlinked_book_yaml_is_refused(tiny, out, tmp_path, capsys):
    outside = tmp_path / "book.yaml"
    shutil.copy(tiny / "book.yaml", outside)
    (tiny / "book.yaml").unlink()
    (tiny / "book.yaml").symlink_to(outside)
    refused(capsys, out, *build(tiny, out), expect=[r"chapters/book\.yaml: is outside the chapters folder"])


def test_fifo_in_the_chapters_folder_is_never_opened(tiny, out, capsys):
    os.mkfifo(tiny / "spots" / "03-pipe.md")
    os.mkfifo(tiny / "front" / "pipe.md")
    edit(tiny / "book.yaml", "front_matter: [", "front_matter: [front/pipe.md, ")
    refused(capsys, out, *build(tiny, out),
            expect=[r"spots/03-pipe\.md: is a FIFO, not a regular file",
                    r"book\.yaml: front_matter: 'front/pipe\.md' is a FIFO, not a regular file"])


def test_device_file_in_the_chapters_folder_is_never_opened(tiny, out, capsys):
    try:
        os.mknod(tiny / "spots" / "03-zero.md", stat.S_IFCHR | 0o600, os.makedev(1, 5))
    except (PermissionError, OSError) as e:
        pytest.skip(f"cannot make a device file here: {e}")
    refused(capsys, out, *build(tiny, out), expect=[r"spots/03-zero\.md: is a device, not a regular file"])


def test_symlinked_extra_css_outside_the_profile_is_refused(profile, tiny, out, tmp_path, capsys):
    outside = tmp_path / "outside.css"
    outside.write_text("body { color: red; }\n")
    (profile / "extra.css").unlink()
    (profile / "extra.css").symlink_to(outside)
    refused(capsys, out, *build(tiny, out, "--practice", profile),
            expect=[r"my-clinic/extra\.css: is outside the profile folder"])


def test_symlinked_logo_outside_the_profile_is_refused(profile, tiny, out, tmp_path, capsys):
    outside = tmp_path / "logo.svg"
    shutil.copy(profile / "logo.svg", outside)
    (profile / "logo.svg").unlink()
    (profile / "logo.svg").symlink_to(outside)
    refused(capsys, out, *build(tiny, out, "--practice", profile),
            expect=[r"my-clinic/practice\.yaml: logo: 'logo\.svg' is outside the profile folder"])


def test_fifo_loaded_from_extra_css_is_never_opened(profile, tiny, out, capsys):
    os.mkfifo(profile / "pipe.css")
    (profile / "extra.css").write_text('@import "pipe.css";\n')
    refused(capsys, out, "handout", "1", "--chapters", tiny, "--practice", profile, "-o", out / "x.pdf",
            expect=[r"my-clinic/extra\.css: url: refused to load file://.*/pipe\.css: is a FIFO"])


def test_extra_css_is_read_through_the_lock(profile, tmp_path):
    """The profile's CSS reaches WeasyPrint as text: its url()s go through the locked fetcher."""
    from book import practice

    (profile / "extra.css").write_text("h2 { color: #123456; }\n")
    loaded = practice.load(str(profile))
    assert loaded.extra_css == "h2 { color: #123456; }\n"


# --------------------------------------------------------------------------- the logo

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">{}</svg>'
BAD_SVGS = {
    "script": (SVG.format("<script>alert(1)</script>"), "<script> is refused"),
    "onclick": (SVG.format('<rect width="5" height="5" onclick="alert(1)"/>'), "event attribute onclick"),
    "onload": (SVG.replace("<svg ", '<svg onload="alert(1)" ').format(""), "event attribute onload"),
    "javascript link": (SVG.format('<a href="javascript:alert(1)"><rect width="5" height="5"/></a>'),
                        "link 'javascript:alert\\(1\\)' on <a> is refused"),
    "external image": (SVG.format('<image xlink:href="file:///etc/passwd" width="5" height="5"/>'),
                       "link 'file:///etc/passwd' on <image> is refused"),
    "external use": (SVG.format('<use href="other.svg#x"/>'), "link 'other.svg#x' on <use>"),
    "css url": (SVG.format('<rect width="5" height="5" style="fill: url(http://example.com/x)"/>'), "style .* is refused"),
    "style import": (SVG.format('<style>@import "http://example.com/x.css";</style>'), "<style> that loads other files"),
    "foreignObject": (SVG.format('<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>'),
                      "<foreignObject> is refused"),
    "doctype": ('<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                + SVG.format("<text>&x;</text>"), "DOCTYPE is refused"),
    "stylesheet pi": ('<?xml-stylesheet href="http://example.com/x.css"?>' + SVG.format(""), "processing instruction"),
    "not xml": ("<svg><rect></svg>", "not a readable SVG file"),
    "no size": ('<svg xmlns="http://www.w3.org/2000/svg" width="0" height="0"><rect width="5" height="5"/></svg>',
                "has no size WeasyPrint can draw"),
    "bad size": ('<svg xmlns="http://www.w3.org/2000/svg" width="abc"/>', "has no size WeasyPrint can draw"),
    "not svg": ('<html xmlns="http://www.w3.org/1999/xhtml"/>', "not an SVG file"),
}


@pytest.mark.parametrize("case", sorted(BAD_SVGS))
def test_unsafe_svg_logo_is_refused(profile, tiny, out, capsys, case):
    text, message = BAD_SVGS[case]
    (profile / "logo.svg").write_text(text)
    refused(capsys, out, *build(tiny, out, "--practice", profile),
            expect=[rf"my-clinic/practice\.yaml: logo: 'logo\.svg': .*{message}"])


def png(width: int, height: int, rows: bytes | None = None, crc_ok: bool = True) -> bytes:
    """A PNG made by hand (8-bit greyscale): any size in the header, pixels only when ROWS is given."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) ^ (0 if crc_ok else 1)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    if rows is None:
        rows = b"".join(b"\0" + b"\xff" * width for _ in range(min(height, 4)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("data,message", [
    (png(20000, 20000), "is far too large an image|is 20000 x 20000 pixels; at most 4096 x 4096"),
    (png(5000, 10), "is 5000 x 10 pixels; at most 4096 x 4096"),
    (png(4, 4, crc_ok=False), "not a readable PNG file"),
    (png(40, 40)[:60], "not a readable PNG file"),  # the file cut short
    (b"GIF89a" + b"\0" * 40, "not a readable PNG file"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a readable PNG file"),
])
def test_bad_png_logo_is_refused(profile, tiny, out, capsys, data, message):
    (profile / "logo.png").write_bytes(data)
    edit(profile / "practice.yaml", "logo: logo.svg", "logo: logo.png")
    refused(capsys, out, *build(tiny, out, "--practice", profile),
            expect=[rf"my-clinic/practice\.yaml: logo: 'logo\.png': ({message})"])


def test_good_png_logo_ships_as_checked(profile, tmp_path):
    from PIL import Image
    import io
    import zipfile

    buf = io.BytesIO()
    Image.new("RGB", (120, 40), "#0b6e4f").save(buf, "PNG")
    (profile / "logo.png").write_bytes(buf.getvalue())
    edit(profile / "practice.yaml", "logo: logo.svg", "logo: logo.png")
    out = tmp_path / "built"
    tiny = tmp_path / "ch"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", tiny)
    assert cli("build", "--chapters", tiny, "--practice", profile, "--out", out) == 0
    with zipfile.ZipFile(out / "book" / "tiny-test-book.epub") as z:
        assert z.read("EPUB/images/logo.png") == buf.getvalue()
    import pikepdf

    with pikepdf.open(out / "handouts" / "01-knee.pdf") as pdf:
        sizes = {(int(x.Width), int(x.Height)) for page in pdf.pages for x in page.get_images().values()}
    assert (120, 40) in sizes, "the logo is drawn on the handout"


@pytest.mark.parametrize("value,message", [
    ('"logo\\0.svg"', r"logo: control character U\+0000 is not allowed"),
    ("x" * 5000 + ".svg", "logo: String should have at most 200 characters, got 'xxx"),
    ("../../../../etc/passwd.svg", "logo: '../../../../etc/passwd.svg' (is outside the profile folder|file not found)"),
    ("logo.gif", "logo: 'logo.gif' file not found"),
])
def test_bad_logo_names_are_refused(profile, tiny, out, capsys, value, message):
    edit(profile / "practice.yaml", "logo: logo.svg", f"logo: {value}")
    refused(capsys, out, *build(tiny, out, "--practice", profile), expect=[rf"my-clinic/practice\.yaml: {message}"])


# --------------------------------------------------------------------------- YAML bombs and mistakes


def alias_bomb(depth: int = 9, width: int = 9) -> str:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, depth):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + f"\ntitle: *l{depth - 1}\n"


def test_alias_bomb_is_refused_at_once(tiny, out, capsys):
    bomb = alias_bomb()
    assert len(bomb.encode()) < 1100
    (tiny / "book.yaml").write_text(bomb + (tiny / "book.yaml").read_text().replace("title: Tiny Test Book\n", ""))
    refused(capsys, out, *build(tiny, out), expect=[r"chapters/book\.yaml: line \d: invalid YAML: too many values"])


def test_alias_bomb_in_a_typed_field_of_front_matter(tiny, out, capsys):
    edit(tiny / "spots" / "01-knee.md", "---\nnumber: 1\n", "---\n" + alias_bomb().replace("title:", "bomb:") + "number: 1\n")
    refused(capsys, out, *build(tiny, out), expect=[r"spots/01-knee\.md: line \d+: invalid YAML: too many values"])


def test_recursive_alias_and_deep_nesting(tiny, out, capsys):
    edit(tiny / "spots" / "01-knee.md", "pain_areas: [thigh, knee]", "pain_areas: &a [thigh, *a]")
    edit(tiny / "spots" / "02-back.md", "pain_areas: [low back, buttock]", "pain_areas: " + "[" * 2000 + "]" * 2000)
    refused(capsys, out, *build(tiny, out),
            expect=[r"01-knee\.md: line 7: invalid YAML: alias \*a is used inside its own anchor",
                    r"02-back\.md: line 7: invalid YAML: nested too deeply"])


def test_duplicate_keys_are_refused_naming_key_and_line(tiny, out, capsys):
    edit(tiny / "spots" / "01-knee.md", "slug: knee\n", "slug: knee\nnumber: 7\n")
    edit(tiny / "book.yaml", "language: en\n", "language: en\nauthor: Someone Else\n")
    refused(capsys, out, *build(tiny, out),
            expect=[r"01-knee\.md: line 4: invalid YAML: duplicate key 'number' \(first on line 2\)",
                    r"book\.yaml: line 4: invalid YAML: duplicate key 'author' \(first on line 2\)"])


def test_invalid_date_in_book_yaml(tiny, out, capsys):
    edit(tiny / "book.yaml", 'date: "2026-01-02"', "date: 2026-13-45")
    refused(capsys, out, *build(tiny, out), expect=[r"chapters/book\.yaml: date: must be a real date as YYYY-MM-DD, got '2026-13-45'"])


def test_unquoted_date_still_loads(tiny):
    edit(tiny / "book.yaml", 'date: "2026-01-02"', "date: 2026-01-02")
    assert sources.load(tiny).meta.date == "2026-01-02"


@pytest.mark.parametrize("where,old,new,message", [
    ("spots/01-knee.md", "title: The outer thigh", 'title: "The outer\\athigh"', r"01-knee\.md: title: control character U\+0007"),
    ("spots/01-knee.md", "Sit with your leg straight.", '"Sit\\x1b[31m"', r"01-knee\.md: location\.find\.0: control character U\+001B"),
    ("book.yaml", "title: Tiny Test Book", 'title: "Tiny\\u0085Book"', r"book\.yaml: title: control character U\+0085"),
    ("spots/02-back.md", "Prose about the back.", "Prose \x0b about the back.", r"02-back\.md: line \d+: control character U\+000B"),
])
def test_control_characters_in_text_are_refused(tiny, out, capsys, where, old, new, message):
    edit(tiny / where, old, new)
    refused(capsys, out, *build(tiny, out), expect=[message])


def test_messages_escape_control_characters_and_cap_echoed_values(tiny, out, capsys):
    edit(tiny / "spots" / "01-knee.md", "number: 1", 'number: "one\\ntwo\\u2028three' + "x" * 300 + '"')
    err = refused(capsys, out, *build(tiny, out), expect=[r"01-knee\.md: number: .*got 'one\\ntwo\\u2028threexxx"])
    line = next(line for line in err.splitlines() if ": number:" in line)
    assert "\u2026" in line and "x" * 100 not in line


# --------------------------------------------------------------------------- command-line values


@pytest.mark.parametrize("value", ["99999999999999999999", "253402300800", "\u00b2", "-5", "1e9"])
def test_bad_source_date_epoch(tiny, out, capsys, monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    refused(capsys, out, *build(tiny, out), expect=[r"SOURCE_DATE_EPOCH: must be whole seconds since 1970"])


def test_dates_before_1900_are_refused(tiny, out, capsys):
    refused(capsys, out, "handout", "1", "--chapters", tiny, "--date", "0001-01-01", "-o", out / "x.pdf",
            expect=[r"--date: must be 1900 or later, got '0001-01-01'"])


def test_control_characters_in_client_name(tiny, out, capsys):
    refused(capsys, out, "handout", "1", "--chapters", tiny, "--client", "Ana\x1b[2J", "-o", out / "x.pdf",
            expect=[r"command line: --client: control character U\+001B is not allowed, got 'Ana\\x1b\[2J'"])


def test_practice_name_too_long_for_the_header(profile, tiny, out, capsys):
    edit(profile / "practice.yaml", "name: Stride Sports Clinic", "name: " + "Stride Sports Clinic " * 4)
    refused(capsys, out, *build(tiny, out, "--practice", profile),
            expect=[r"my-clinic/practice\.yaml: name: String should have at most 60 characters"])


# --------------------------------------------------------------------------- Markdown


def test_reference_style_image_names_the_chapter(tiny, out, capsys):
    edit(tiny / "spots" / "02-back.md", "Prose about the back.", "Prose ![photo][p] about the back.\n\n[p]: /etc/x.png\n")
    refused(capsys, out, *build(tiny, out), expect=[r"spots/02-back\.md: image /etc/x\.png: images are not supported"])


def test_footnote_called_from_a_footnote_is_refused(tiny, out, capsys):
    edit(tiny / "spots" / "01-knee.md", "[^1]: Footnote text for the PDF foot.",
         "[^1]: Footnote text, see also[^2].\n\n[^2]: Lost text.")
    refused(capsys, out, *build(tiny, out),
            expect=[r"01-knee\.md: footnote \[\^2\]: is called from inside footnote \[\^1\]"])


def test_footnote_holding_a_list_is_refused(tiny, out, capsys):
    edit(tiny / "spots" / "01-knee.md", "[^1]: Footnote text for the PDF foot.",
         "[^1]: Footnote text:\n\n    - first\n    - second\n")
    refused(capsys, out, *build(tiny, out), expect=[r"01-knee\.md: footnote \[\^1\]: may hold only paragraphs"])


# --------------------------------------------------------------------------- the batch CSV


def test_csv_duplicate_column_is_refused(tiny, out, tmp_path, capsys):
    csv = tmp_path / "clients.csv"
    csv.write_text("name,spots,name\nAna,1,Bo\n")
    refused(capsys, out, "handout", "--batch", csv, "--chapters", tiny, "-o", out / "batch",
            expect=[r"clients\.csv:1: header: column\(s\) given more than once: name"])


def test_csv_cell_too_long_is_refused(tiny, out, tmp_path, capsys):
    csv = tmp_path / "clients.csv"
    csv.write_text("name,spots,notes\nAna,1,\"" + "x" * 140_000 + "\"\n")
    refused(capsys, out, "handout", "--batch", csv, "--chapters", tiny, "-o", out / "batch",
            expect=[r"clients\.csv:2: \(row\): cannot be read as CSV: field larger than field limit"])


def test_csv_not_utf8_says_how_to_save(tiny, out, tmp_path, capsys):
    csv = tmp_path / "clients.csv"
    csv.write_bytes("name,spots\nJosé,1\n".encode("cp1252"))
    refused(capsys, out, "handout", "--batch", csv, "--chapters", tiny, "-o", out / "batch",
            expect=[r"clients\.csv: is not UTF-8 text .*save it as \"CSV UTF-8\""])
    csv.write_bytes("name,spots\nJosé,1\n".encode("utf-16"))
    refused(capsys, out, "handout", "--batch", csv, "--chapters", tiny, "-o", out / "batch",
            expect=[r"clients\.csv: is UTF-16 text, not UTF-8"])


def test_csv_line_breaks_inside_a_quoted_cell_are_kept(tmp_path):
    csv = tmp_path / "clients.csv"
    csv.write_bytes('name,spots,notes\nAna,1,"Before runs.\nAfter runs.\u2028Rest."\nBo,2,x\n'.encode())
    rows = batch.read_rows(csv)
    assert [line for line, _ in rows] == [2, 4]
    assert rows[0][1]["notes"] == "Before runs.\nAfter runs.\u2028Rest."
    assert rows[1][1]["name"] == "Bo"


@pytest.mark.parametrize("encoding,text", [
    ("utf-8-sig", "name,spots,notes\nAyşe Yılmaz,1 2,Gentle.\n"),
    ("utf-8", "name;spots;notes;hold\nAyşe Yılmaz;1,2;Gentle, slow.;60\n"),
    ("utf-8", "name\tspots\nAyşe Yılmaz\t1 2\n"),
])
def test_csv_semicolons_tabs_and_bom_work(tiny, tmp_path, capsys, encoding, text):
    from pypdf import PdfReader

    csv = tmp_path / "clients.csv"
    csv.write_bytes(text.encode(encoding))
    dest = tmp_path / "batch"
    assert cli("handout", "--batch", csv, "--chapters", tiny, "-o", dest) == 0, capsys.readouterr().err
    assert [p.name for p in dest.iterdir()] == ["ayse-yilmaz.pdf"]
    reader = PdfReader(dest / "ayse-yilmaz.pdf")
    assert len(reader.pages) == 3 and "Ayşe Yılmaz" in reader.pages[0].extract_text()  # the cover and two spots


# --------------------------------------------------------------------------- the loader under fuzzing


def test_loader_fuzz_raises_only_source_errors_on_one_line(tmp_path):
    from hypothesis import HealthCheck, given, settings, strategies as st

    base = tmp_path / "chapters"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", base)
    spot = base / "spots" / "01-knee.md"
    body = "\nSome prose.\n"
    keys = ["number", "slug", "title", "location", "view", "marker", "press", "hold_seconds", "steps",
            "referral", "essential", "<<", "? [a]", "!!int", "!!binary", "!!python/object"]
    scalar = st.one_of(st.sampled_from(["1", "-1", "2026-13-45", "~", "yes", "0x1F", ".nan", "1e999", "'q'",
                                        '"\\x07"', '"\\0"', "|", ">", "[]", "{}", "'", '"', "`", "%", "@"]),
                       st.text(max_size=12))
    piece = st.one_of(scalar, st.sampled_from(keys).map(lambda k: k + ":"), st.sampled_from(
        ["&a", "&b", "*a", "*b", "[", "]", "{", "}", ",", "- ", "\n", "\n  ", "\n    ", ": ", "? ", "#", "---"]))
    document = st.lists(piece, max_size=40).map(" ".join)

    @settings(max_examples=1000, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(document)
    def check(text):
        spot.write_text("---\n" + text + "\n---" + body, encoding="utf-8", errors="surrogatepass")
        problems: list = []
        try:
            sources.load_spot(spot, problems)
        except SourceError as e:
            problems += e.problems
        for problem in problems:
            line = str(problem)
            assert "\n" not in line and "\r" not in line and len(line) < 700, line

    check()

    bombs = "a: &a [" + ",".join(["x"] * 9) + "]\n" + "".join(
        f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdefgh", "bcdefghi"))
    import yaml

    with pytest.raises(yaml.YAMLError, match="too many values"):
        sources.parse_yaml(bombs)
