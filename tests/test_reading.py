"""The real book as a reader gets it: a page made for reading, no runt pages, cross-references in one
bracket, live PubMed links, a cover with the map, a copyright page without ids; the EPUB fits a phone.

The PDF and the EPUB are built once from chapters/ (no handouts) and read back with pdfplumber, pypdf
and lxml; the EPUB is opened in headless Chromium at phone width when Chromium and Playwright are there.
"""
import io
import re
import shutil
import statistics
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from lxml import etree
from PIL import Image
from pypdf import PdfReader

from conftest import ROOT

MM = 72 / 25.4
NS = {"x": "http://www.w3.org/1999/xhtml"}
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """The real book's PDF (the default practice's trim) and EPUB, and what they were made from."""
    from book import build, epub, pagination, pdf, practice, render

    out = tmp_path_factory.mktemp("reading")
    job = build.Job(chapters=ROOT / "chapters")
    book, profile = build.load(job)
    trim = build.book_paper_of(job, profile)
    html = render.book_html(book, profile)
    document = pdf.render(html, profile, "book", trim, base=book.root)
    pdf.write(document, out / "book.pdf")
    epub.make(book, profile, out / "book.epub", page_map=pagination.page_map(document, html), paper=trim)
    return {"pdf": out / "book.pdf", "epub": out / "book.epub", "book": book, "trim": practice.TRIMS[trim],
            "out": out}


def text_lines(page, trim):
    """Lines of text inside the page's text block: not the running head, not the page number."""
    _, top, _, bottom, _, _ = trim
    return [line for line in page.extract_text_lines()
            if line["top"] >= top * MM - 2 and line["bottom"] <= page.height - bottom * MM + 2]


def reading_pages(path):
    """(page number, pdfplumber page) of every page from the table of contents on: not the cover,
    the 'presented by' page or the copyright page."""
    pdf = pdfplumber.open(path)
    first = next(i for i, page in enumerate(pdf.pages) if (page.extract_text() or "").startswith("Contents"))
    return pdf, [(i + 1, page) for i, page in enumerate(pdf.pages) if i >= first]


def test_no_page_holds_fewer_than_six_lines(real):
    pdf, pages = reading_pages(real["pdf"])
    with pdf:
        short = [(n, len(text_lines(page, real["trim"]))) for n, page in pages]
    assert len(short) > 20
    assert [(n, k) for n, k in short if k < 6] == []


def test_body_text_runs_55_to_80_characters_a_line(real):
    _, _, outer, _, inner, size = real["trim"]
    pdf, pages = reading_pages(real["pdf"])
    with pdf:
        widths = []
        for _, page in pages:
            measure = page.width - (outer + inner) * MM
            for line in text_lines(page, real["trim"]):
                body = [c for c in line["chars"] if abs(c["size"] - size) < 0.3]
                # full lines of body text: not the last line of a paragraph, not a heading or a note
                if len(body) > 0.9 * len(line["chars"]) and line["x1"] - line["x0"] > 0.85 * measure:
                    widths.append(len(line["text"]))
    assert len(widths) > 300
    assert 55 <= statistics.mean(widths) <= 80, statistics.mean(widths)
    assert size <= 11.5 and size >= 10.5


def test_page_references_add_no_second_bracket(real):
    reader = PdfReader(real["pdf"])
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]  # no-break spaces, line ends
    text = " ".join(pages)
    assert "(p." not in text
    nested = []
    for page in pages:
        depth = 0
        for m in re.finditer(r"[()]|page \d+", page):
            token = m.group(0)
            if token == "(":
                depth += 1
            elif token == ")":
                depth = max(0, depth - 1)
            elif depth > 1:
                nested.append(page[max(0, m.start() - 60):m.end()])
    assert nested == []
    assert re.search(r"\(spot \d+ on page \d+\)", text), "no cross-reference inside brackets found"
    assert re.search(r"spot \d+ \(page \d+\)", text), "no cross-reference outside brackets found"


def test_pubmed_numbers_are_links(real):
    reader = PdfReader(real["pdf"])
    uris = {a.get_object()["/A"].get("/URI") for page in reader.pages for a in page.get("/Annots") or []
            if a.get_object().get("/A")}
    pubmed = {str(u) for u in uris if u and "pubmed.ncbi.nlm.nih.gov" in str(u)}
    expected = {f"https://pubmed.ncbi.nlm.nih.gov/{r.pubmed}/" for r in real["book"].references.values() if r.pubmed}
    assert expected and expected <= pubmed


def test_page_numbers_sit_at_the_outer_foot(real):
    pdf, pages = reading_pages(real["pdf"])
    with pdf:
        checked = 0
        for number, page in pages:
            foot = [w for w in page.extract_words() if w["top"] > page.height - 20 * MM and w["text"] == str(number)]
            if not foot:
                continue
            checked += 1
            word = foot[0]
            if number % 2:  # right-hand page: the outer edge is on the right
                assert word["x0"] > page.width / 2, number
            else:
                assert word["x1"] < page.width / 2, number
    assert checked > 20


def test_copyright_page_gives_edition_and_date_not_an_id(real):
    from babel.dates import format_date
    import datetime as dt

    meta = real["book"].meta
    with pdfplumber.open(real["pdf"]) as pdf:
        front = [pdf.pages[i].extract_text() or "" for i in range(3)]
        cover = front[0]
    page = next(t for t in front if meta.rights in t.replace("\n", " "))
    assert meta.edition in page
    assert format_date(dt.date.fromisoformat(meta.date), format="long", locale=meta.language) in page
    assert "urn:" not in "".join(front) and meta.identifier not in "".join(front)
    assert meta.title in cover and "Front" in cover and "Back" in cover  # the map of the spots is on the cover


def test_spot_captions_do_not_repeat_the_chapter_title(real):
    with zipfile.ZipFile(real["epub"]) as z:
        for spot in real["book"].spots:
            doc = etree.fromstring(z.read(f"EPUB/spot-{spot.number:02d}.xhtml"))
            caption = "".join(doc.find(".//x:figure/x:figcaption", NS).itertext())
            assert caption and spot.title not in caption and spot.plain_name not in caption


def test_epub_map_key_is_a_list_glossary_a_definition_list_finder_says_go_to(real):
    with zipfile.ZipFile(real["epub"]) as z:
        map_doc = etree.fromstring(z.read("EPUB/map.xhtml"))
        glossary = etree.fromstring(z.read("EPUB/glossary.xhtml"))
        finder = "".join(etree.fromstring(z.read("EPUB/finder.xhtml")).itertext())
        cover = Image.open(io.BytesIO(z.read("EPUB/images/cover.png")))
    assert len(map_doc.findall(".//x:ol[@class='map-key']/x:li", NS)) == len(real["book"].spots)
    source = (ROOT / "chapters" / "back" / "glossary.md").read_text(encoding="utf-8")
    terms = re.findall(r"^- \*\*(.+?)\*\*:", source, re.M)
    plain = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})  # smart quotes
    assert [("".join(dt.itertext())).translate(plain) for dt in glossary.findall(".//x:dl/x:dt", NS)] == terms
    assert glossary.find(".//x:ul", NS) is None
    assert "go to" in finder and "turn to" not in finder
    assert cover.size == (1600, 2400)


def test_epub_images_fit_a_phone_screen(real):
    """Each spot chapter and the map at 360 px: nothing wider than the screen."""
    if not Path(CHROMIUM).is_file():
        pytest.skip("no Chromium at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    unpacked = real["out"] / "unpacked"
    with zipfile.ZipFile(real["epub"]) as z:
        z.extractall(unpacked)
    docs = ["map.xhtml", "cover.xhtml"] + [f"spot-{s.number:02d}.xhtml" for s in real["book"].spots]
    args = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run", "--disable-sync"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        try:
            page = browser.new_page(viewport={"width": 360, "height": 720})
            for name in docs:
                page.goto((unpacked / "EPUB" / name).as_uri())
                width = page.evaluate("document.documentElement.scrollWidth")
                images = page.evaluate("[...document.images].map(i => [i.complete && i.naturalWidth > 0, "
                                       "i.getBoundingClientRect().width, i.getBoundingClientRect().right])")
                assert width <= 360, (name, width)
                assert images and all(ok and right <= 360 for ok, _, right in images), (name, images)
                # and the figure is not a speck: at least half the screen wide
                assert max(w for _, w, _ in images) >= 180, (name, images)
        finally:
            browser.close()


@pytest.mark.parametrize("trim, size", [("a5", [420, 595]), ("a4", [595, 842])])
def test_book_paper_is_an_option_and_handouts_keep_the_practice_paper(tiny, tmp_path, trim, size):
    from conftest import cli

    out = tmp_path / "out"
    assert cli("build", "--chapters", tiny, "--book-paper", trim, "--out", out) == 0
    book = PdfReader(next((out / "book").glob("*.pdf")))
    assert [round(float(v)) for v in book.pages[0].mediabox[2:]] == size
    handout = PdfReader(next((out / "handouts").glob("*.pdf")))
    assert round(float(handout.pages[0].mediabox.width)) == 595  # the default practice's A4


def test_a_fix_that_does_not_take_effect_is_not_repeated(monkeypatch, caplog):
    """The layout is redone once for a fix; when the same problem is found again, the fix is not
    asked for a second time (no more layouts) and the problem is reported once."""
    import xml.etree.ElementTree as ET

    from book import pdf

    heading = ET.Element("h1", id="map-title")
    monkeypatch.setattr(pdf, "page_fixes", lambda document: [(heading, "break-before: page", "break")])
    layouts = []
    with caplog.at_level("WARNING", logger="book"):
        pdf.fix_pages("first layout", lambda: layouts.append(1) or f"layout {len(layouts) + 1}")
    assert len(layouts) == 1
    assert heading.get("style") == "break-before: page"
    assert [r.getMessage() for r in caplog.records if "map-title" in r.getMessage()] != []
