"""EPUB 3 output (ebooklib): packages the rendered XHTML parts; renders nothing itself."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Optional

from ebooklib import epub
from lxml import etree
from lxml.builder import ElementMaker

from . import pagination, typography
from .model import Book
from .output import atomic, build_time
from .practice import STYLES, Profile
from .render import Target, base_context, book_parts, cover_html, doc_name, environment

XHTML = "http://www.w3.org/1999/xhtml"
OPS = "http://www.idpf.org/2007/ops"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

ACCESS_MODES = [("schema:accessMode", "textual"), ("schema:accessMode", "visual"),
                ("schema:accessModeSufficient", "textual"), ("schema:accessModeSufficient", "textual,visual")]
FEATURES = ["alternativeText", "structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
PAGE_FEATURES = ["pageNavigation", "pageBreakMarkers"]  # only when the print edition's page numbers are in
# The accessibility summary is a label (a11y_summary, a11y_pages): it speaks the book's language.
CONFORMS = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
PAPER_NAMES = {"a4": "A4", "letter": "US Letter", "6x9": "6 x 9 in", "a5": "A5"}
# Ids of the PDF's opening pages and the EPUB title-page blocks that hold the same text.
FRONT_IDS = {"cover": "titlepage", "presented-by": "presented-by", "copyright": "copyright"}


def cover_png(book: Book, profile: Profile, width: int = 1600) -> bytes:
    """The cover as a PNG (1600 x 2400 for a 6 x 9 in page): the PDF edition's cover, laid out by
    WeasyPrint and rasterised, so that both editions show the same title and map of the spots."""
    import pypdfium2
    from . import pdf

    document = pdf.render(cover_html(book, profile), profile, "book", "6x9", base=book.root)
    data = document.write_pdf()
    page = pypdfium2.PdfDocument(data)[0]
    image = page.render(scale=width / page.get_width()).to_pil().convert("RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def print_source(book: Book, paper: Optional[str]) -> str:
    """The print edition the page numbers come from, for dc:source and pageBreakSource."""
    return f"{book.meta.title} (PDF, {PAPER_NAMES.get(paper, paper)})" if paper else f"{book.meta.title} (PDF)"


def make(book: Book, profile: Profile, path: Path, page_map: Optional[pagination.PageMap] = None,
         paper: Optional[str] = None) -> None:
    """Write the EPUB atomically, with fixed dates and zip entry times.

    PAGE_MAP (element id -> page of the PDF edition, from ``pagination.page_map``) adds the print page
    numbers: a page-break marker before the first block of each page and a page list in the navigation.
    PAPER names the PDF's paper size in the page source.
    """
    meta = book.meta
    t = profile.labels
    target = Target("epub")
    parts = book_parts(book, profile, target)
    when = build_time(meta.date)

    eb = epub.EpubBook()
    eb.set_identifier(meta.identifier)
    eb.set_title(meta.title)
    eb.set_language(meta.language)
    eb.add_author(meta.author)
    eb.add_metadata("DC", "date", meta.date)
    eb.add_metadata("DC", "description", meta.description)
    eb.add_metadata("DC", "rights", meta.rights)
    if meta.publisher:
        eb.add_metadata("DC", "publisher", meta.publisher)
    for subject in meta.subject:
        eb.add_metadata("DC", "subject", subject)

    css_text = (STYLES / "epub.css").read_text(encoding="utf-8")
    css_text = profile.css().split("@page")[0] + css_text
    css = epub.EpubItem(uid="style", file_name="style/book.css", media_type="text/css", content=css_text.encode())
    eb.add_item(css)

    eb.set_cover("images/cover.png", cover_png(book, profile), create_page=False)
    cover = epub.EpubHtml(uid="cover-page", title=t["cover"], file_name="cover.xhtml", lang=meta.language)
    cover.content = (
        f'<section epub:type="cover" class="cover-page"><img role="doc-cover" src="images/cover.png" '
        f'alt="{_attr(meta.title)}{": " + _attr(meta.subtitle) if meta.subtitle else ""}. {_attr(meta.author)}." /></section>'
    )
    cover.add_item(css)
    eb.add_item(cover)

    ctx = base_context(book, profile, target, for_book=True)
    title_page = epub.EpubHtml(uid="titlepage", title=meta.title, file_name="titlepage.xhtml", lang=meta.language)
    title_html = environment().get_template("epub_titlepage.html").render(**ctx)
    title_html = typography.html(title_html, meta.language)

    # Print page numbers: markers in reading order, each page once, rising through the book.
    pages = {FRONT_IDS.get(k, k): v for k, v in (page_map or {}).items()}
    page_list: list[tuple[int, str]] = []
    title_html, marked = pagination.mark_pages(title_html, pages)
    page_list += [(n, title_page.file_name) for n in marked]
    bodies = []
    for part in parts:
        body, marked = pagination.mark_pages(typography.html(part["html"], meta.language), pages,
                                             page_list[-1][0] if page_list else 0)
        page_list += [(n, doc_name(part["slug"])) for n in marked]
        bodies.append(body)

    title_page.content = title_html
    title_page.add_item(css)
    eb.add_item(title_page)

    docs = []
    for part, body in zip(parts, bodies):
        item = epub.EpubHtml(uid=part["slug"], title=part["title"], file_name=doc_name(part["slug"]), lang=meta.language)
        item.content = body
        item.add_item(css)
        eb.add_item(item)
        docs.append(item)
    for name, data in sorted(target.images.items()):
        media = "image/svg+xml" if name.endswith(".svg") else "image/png"
        eb.add_item(epub.EpubItem(uid=name.replace("/", "-").replace(".", "-"), file_name=name, media_type=media, content=data))

    features = FEATURES + (PAGE_FEATURES if page_list else [])
    for prop, value in [*ACCESS_MODES, *(("schema:accessibilityFeature", f) for f in features),
                        ("schema:accessibilityHazard", "none")]:
        eb.add_metadata(None, "meta", value, {"property": prop})
    eb.add_metadata(None, "meta", t["a11y_summary"] + (" " + t["a11y_pages"] if page_list else ""),
                    {"property": "schema:accessibilitySummary"})
    eb.add_metadata(None, "meta", CONFORMS, {"property": "dcterms:conformsTo"})
    if page_list:
        source = print_source(book, paper)
        eb.add_metadata("DC", "source", source)
        eb.add_metadata(None, "meta", source, {"property": "pageBreakSource"})

    toc = [(doc_name(p["slug"]), toc_label(p)) for p in parts]
    eb.toc = [epub.Link(href, label, p["slug"]) for (href, label), p in zip(toc, parts)]  # for the EPUB 2 NCX
    eb.add_item(epub.EpubNcx())
    nav = epub.EpubNav(uid="nav", file_name="nav.xhtml", title=t["contents"])
    nav.add_item(css)
    eb.add_item(nav)
    eb.spine = [cover, title_page, "nav", *docs]
    eb.guide = []

    first_body = next((p for p in parts if p["role"] == "bodymatter"), parts[0] if parts else None)
    landmarks = [("cover", cover.file_name, t["cover"]), ("titlepage", title_page.file_name, meta.title),
                 ("toc", f"{nav.file_name}#toc", t["contents"])]
    if first_body:
        landmarks.append(("bodymatter", doc_name(first_body["slug"]), toc_label(first_body)))
    landmarks += [(p["kind"], doc_name(p["slug"]), p["title"]) for p in parts
                  if p["kind"] in ("bibliography", "index", "glossary")]
    nav_doc = nav_document(meta.language, t["contents"], "style/book.css", toc, landmarks,
                           [(str(n), f"{doc}#page-{n}") for n, doc in page_list])

    with atomic(path) as tmp:
        writer = _Writer(str(tmp), eb, {"mtime": when, "epub3_pages": False, "play_order": {"enabled": False}},
                         language=meta.language, nav=nav_doc)
        writer.process()
        writer.write()
        _normalise_zip(tmp, when)


def toc_label(part: dict) -> str:
    return (f"{part['spot'].number}. " if "spot" in part else "") + part["title"]


def nav_document(language: str, title: str, css: str, toc: list[tuple[str, str]],
                 landmarks: list[tuple[str, str, str]], pages: list[tuple[str, str]]) -> bytes:
    """The EPUB 3 navigation document: the table of contents, landmarks and the print page list."""
    E = ElementMaker(namespace=XHTML, nsmap={None: XHTML, "epub": OPS})
    typ = f"{{{OPS}}}type"

    def items(entries):
        return E.ol(*[E.li(E.a(label, href=href)) for href, label in entries])

    body = E.body(
        E.nav(E.h1(title, id="toc-title"), items(toc), {typ: "toc", "id": "toc", "role": "doc-toc",
                                                          "aria-labelledby": "toc-title"}),
        E.nav(E.ol(*[E.li(E.a(label, {typ: kind, "href": href})) for kind, href, label in landmarks]),
              {typ: "landmarks", "id": "landmarks", "hidden": "hidden"}),
    )
    if pages:
        body.append(E.nav(items((href, label) for label, href in pages),
                          {typ: "page-list", "id": "page-list", "role": "doc-pagelist", "hidden": "hidden"}))
    root = E.html(E.head(E.title(title), E.link(href=css, rel="stylesheet", type="text/css")), body,
                  {"lang": language, XML_LANG: language})
    return etree.tostring(root, encoding="utf-8", xml_declaration=True, doctype="<!DOCTYPE html>", pretty_print=True)


class _Writer(epub.EpubWriter):
    """ebooklib's writer with the package's language set and our own navigation document."""

    def __init__(self, name: str, book: epub.EpubBook, options: dict, *, language: str, nav: bytes):
        super().__init__(name, book, options)
        self.language, self.nav = language, nav

    def _write_opf_file(self, root):
        root.set(XML_LANG, self.language)
        super()._write_opf_file(root)

    def _get_nav(self, item):
        return self.nav


def _attr(text: Optional[str]) -> str:
    import html

    return html.escape(text or "", quote=True)


def _normalise_zip(path: Path, when: dt.datetime) -> None:
    """Rewrite the zip with mimetype first and uncompressed, fixed entry times, fixed order."""
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(path) as src:
        entries = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    order = sorted(entries, key=lambda e: (e[0] != "mimetype", e[0] != "META-INF/container.xml", e[0]))
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in order:
            info = zipfile.ZipInfo(name, date_time=max(stamp, (1980, 1, 1, 0, 0, 0)))
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, data)
