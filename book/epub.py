"""EPUB 3 output (ebooklib): packages the rendered XHTML parts; renders nothing itself."""
from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import zipfile
from pathlib import Path
from typing import Optional

from ebooklib import epub

from .model import Book
from .practice import STYLES, Profile, labels
from .render import Target, base_context, book_parts, doc_name, environment

A11Y = [
    ("schema:accessMode", "textual"),
    ("schema:accessMode", "visual"),
    ("schema:accessModeSufficient", "textual"),
    ("schema:accessibilityFeature", "alternativeText"),
    ("schema:accessibilityFeature", "structuralNavigation"),
    ("schema:accessibilityFeature", "tableOfContents"),
    ("schema:accessibilityFeature", "readingOrder"),
    ("schema:accessibilityFeature", "displayTransformability"),
    ("schema:accessibilityHazard", "none"),
]
SUMMARY = (
    "Text with headings, a table of contents and footnotes. Every body map has a text description of where "
    "the trigger point is and where its pain is felt; no information is conveyed by colour alone."
)
CONFORMS = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"


def build_date(meta_date: str) -> dt.datetime:
    """The build's timestamp: SOURCE_DATE_EPOCH when set, else the book's date, for reproducible files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return dt.datetime.fromisoformat(meta_date).replace(tzinfo=dt.timezone.utc)


def cover_png(book: Book, profile: Profile) -> bytes:
    """A plain typographic cover (1600 x 2400 PNG) in the practice's colours."""
    from PIL import Image, ImageColor, ImageDraw, ImageFont

    def font(family: str, size: int, bold: bool = False):
        style = ":style=Bold" if bold else ""
        path = subprocess.run(["fc-match", "-f", "%{file}", f"{family}{style}"], capture_output=True, text=True).stdout
        return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)

    W, H = 1600, 2400
    primary = ImageColor.getrgb(profile.practice.colors.primary)
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    d.rectangle([0, 0, W, 1300], fill=primary)
    fam = profile.practice.fonts.headings[0]

    def wrap(text: str, f, width: int) -> list[str]:
        lines, line = [], ""
        for word in text.split():
            trial = f"{line} {word}".strip()
            if d.textlength(trial, font=f) > width and line:
                lines.append(line)
                line = word
            else:
                line = trial
        return lines + [line]

    y = 380
    big = font(fam, 150, True)
    for line in wrap(book.meta.title, big, W - 240):
        d.text((120, y), line, font=big, fill="white")
        y += 175
    if book.meta.subtitle:
        sub = font(fam, 70)
        y += 60
        for line in wrap(book.meta.subtitle, sub, W - 240):
            d.text((120, y), line, font=sub, fill="white")
            y += 90
    d.text((120, 1420), book.meta.author, font=font(fam, 80), fill=primary)
    if profile.logo_path or profile.practice.contact.website or profile.practice.contact.phone:
        d.text((120, 2200), profile.practice.name, font=font(fam, 64, True), fill=primary)
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


def make(book: Book, profile: Profile, path: Path) -> None:
    """Write the EPUB atomically, with fixed dates and zip entry times."""
    meta = book.meta
    target = Target("epub")
    parts = book_parts(book, profile, target)
    when = build_date(meta.date)

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
    for prop, value in A11Y:
        eb.add_metadata(None, "meta", value, {"property": prop})
    eb.add_metadata(None, "meta", SUMMARY, {"property": "schema:accessibilitySummary"})
    eb.add_metadata(None, "meta", CONFORMS, {"property": "dcterms:conformsTo"})

    css_text = (STYLES / "epub.css").read_text(encoding="utf-8")
    css_text = profile.css().split("@page")[0] + css_text
    css = epub.EpubItem(uid="style", file_name="style/book.css", media_type="text/css", content=css_text.encode())
    eb.add_item(css)

    eb.set_cover("images/cover.png", cover_png(book, profile), create_page=False)
    cover = epub.EpubHtml(uid="cover-page", title=labels(meta.language)["cover"], file_name="cover.xhtml", lang=meta.language)
    cover.content = (
        f'<section epub:type="cover" class="cover-page"><img src="images/cover.png" '
        f'alt="{_attr(meta.title)}{": " + _attr(meta.subtitle) if meta.subtitle else ""}. {_attr(meta.author)}." /></section>'
    )
    cover.add_item(css)
    eb.add_item(cover)

    ctx = base_context(book, profile, target, for_book=True)
    title_page = epub.EpubHtml(uid="titlepage", title=meta.title, file_name="titlepage.xhtml", lang=meta.language)
    title_page.content = environment(profile.folder).get_template("epub_titlepage.html").render(**ctx)
    title_page.add_item(css)
    eb.add_item(title_page)

    docs = []
    for part in parts:
        item = epub.EpubHtml(uid=part["slug"], title=part["title"], file_name=doc_name(part["slug"]), lang=meta.language)
        item.content = part["html"]
        item.add_item(css)
        eb.add_item(item)
        docs.append(item)
    for name, data in sorted(target.images.items()):
        media = "image/svg+xml" if name.endswith(".svg") else "image/png"
        eb.add_item(epub.EpubItem(uid=name.replace("/", "-").replace(".", "-"), file_name=name, media_type=media, content=data))

    eb.toc = [epub.Link(doc_name(p["slug"]), (f"{p['spot'].number}. " if "spot" in p else "") + p["title"], p["slug"]) for p in parts]
    eb.add_item(epub.EpubNcx())
    nav = epub.EpubNav()
    nav.add_item(css)
    eb.add_item(nav)
    eb.spine = [cover, title_page, "nav", *docs]
    eb.guide = []

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        epub.write_epub(str(tmp), eb, {"mtime": when, "epub3_landmark": True, "play_order": {"enabled": False}})
        _normalise_zip(tmp, when)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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
