"""PDF output (WeasyPrint): the book and the handouts.

One FontConfiguration and one image cache per process; resources are loaded
only from the project's styles/ and chapters/ and the chosen practice folder.
"""
from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from . import typography
from .output import atomic, build_time
from .errors import Problem, SourceError, display
from .practice import PROJECT, STYLES, Profile

log = logging.getLogger("book")


class LockedFetcher(URLFetcher):
    """Serves data: URIs and files under the allowed folders; refuses everything else."""

    def __init__(self, allowed: list[Path]):
        super().__init__()
        self.allowed = [p.resolve() for p in allowed]

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = Path(unquote(urlsplit(url).path)).resolve()
            if any(path.is_relative_to(root) for root in self.allowed):
                return super().fetch(url, headers)
        raise FatalURLFetchingError(f"refused to load {url}: only files in styles/, chapters/ and the practice folder may be used")


@functools.lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    return FontConfiguration()


_image_cache: dict = {}


@functools.lru_cache(maxsize=None)
def _stylesheet(path: Path) -> weasyprint.CSS:
    return weasyprint.CSS(filename=str(path), font_config=font_config())


def stylesheets(profile: Profile, kind: str, paper: Optional[str]) -> list[weasyprint.CSS]:
    """Base CSS, the output's CSS, the practice's values, then its extra.css."""
    sheets = [_stylesheet(STYLES / "base.css"), _stylesheet(STYLES / f"{kind}.css"),
              weasyprint.CSS(string=profile.css(paper), font_config=font_config())]
    if profile.extra_css:
        sheets.append(weasyprint.CSS(filename=str(profile.extra_css), font_config=font_config(),
                                     url_fetcher=fetcher(profile)))
    return sheets


def fetcher(profile: Profile, chapters: Optional[Path] = None) -> LockedFetcher:
    """Files under styles/, the chapters folder (the project's or --chapters) and the practice folder."""
    return LockedFetcher([STYLES, chapters or PROJECT / "chapters", profile.folder])


def render(html: str, profile: Profile, kind: str, paper: Optional[str] = None, base: Optional[Path] = None):
    """Lay out an HTML document; returns WeasyPrint's Document.

    The book gets a few more passes when its pages need it (see ``page_fixes``).
    """
    if kind == "book":
        html = typeset(html)
    html = typography.html(html, profile.practice.language)
    try:
        source = weasyprint.HTML(string=html, base_url=str(base or profile.folder) + "/",
                                 url_fetcher=fetcher(profile, base if kind == "book" else None))
        sheets = stylesheets(profile, kind, paper)
        document = source.render(stylesheets=sheets, font_config=font_config(), cache=_image_cache)
        for _ in range(BOOK_PASSES if kind == "book" else 0):
            fixes = page_fixes(document)
            if not fixes:
                break
            for element, declaration in fixes:
                element.set("style", f"{element.get('style') or ''};{declaration}".lstrip(";"))
            document = source.render(stylesheets=sheets, font_config=font_config(), cache=_image_cache)
        else:
            if kind == "book" and (left := page_fixes(document)):
                where = ", ".join(sorted({e.get("id") or e.tag for e, _ in left}))
                log.warning("book: pages still break badly near %s (a footnote away from its call, a heading "
                            "at a page foot, or a stray short line)", where)
        return document
    except FatalURLFetchingError as e:
        origin = profile.extra_css or profile.folder / "practice.yaml"
        raise SourceError([Problem(display(origin), "url", str(e))]) from None


BOOK_PASSES = 3
# Blocks that must not end a page: headings, a spot's number line, a finder term.
_KEEP_WITH_NEXT = {"h1", "h2", "h3", "h4", "h5", "h6", "dt"}


def _boxes(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


def _text_blocks(page):
    """(block, its parent box) for each block of a page's main flow that holds lines of text (or is an
    image), in order; not the notes, not the margins."""
    from weasyprint.formatting_structure import boxes

    def walk(box, parent):
        lines = isinstance(box, boxes.BlockContainerBox) and box.children and isinstance(box.children[0], boxes.LineBox)
        if lines or isinstance(box, boxes.BlockReplacedBox):
            if box.element is not None and not (box.element_tag or "").startswith("::"):
                yield box, parent
            return
        for child in getattr(box, "children", None) or []:
            yield from walk(child, box)

    yield from walk(page._page_box.children[0], None)


def _keeps_with_next(block) -> bool:
    element = block.element
    return element.tag in _KEEP_WITH_NEXT or "spot-number" in (element.get("class") or "").split()


def _break_before(blocks: list, index: int) -> tuple:
    """A page break before block INDEX of a page, moved up past the headings just before it."""
    while index > 0 and _keeps_with_next(blocks[index - 1][0]):
        index -= 1
    block, parent = blocks[index]
    element = block.element
    if parent is not None and parent.element is not None and "spot-head" in (parent.element.get("class") or "").split():
        element = parent.element
    return element, "break-before: page"


def _has_stray_line(block) -> bool:
    """A prose line much shorter than the full line after it (see ``page_fixes``)."""
    if block.element.tag not in ("p", "li") or any(child.tag == "br" for child in block.element):
        return False
    widths = [sum(c.margin_width() for c in line.children if c.is_in_normal_flow()) for line in block.children]
    return any(w < 0.35 * block.width and after > 0.8 * block.width for w, after in zip(widths, widths[1:]))


def _more_word_spacing(element) -> str:
    tries = (element.get("style") or "").count("word-spacing")
    return f"word-spacing: {0.02 * (tries + 1):.2f}em"


def page_fixes(document) -> list:
    """What WeasyPrint's pagination got wrong, as (element, CSS declaration) pairs for another pass.

    - A footnote printed on a later page than its call: WeasyPrint moves a page's notes on to fit one
      more line of the page's last paragraph (for its orphans and widows). That paragraph then starts
      on the next page (or, when it started on an earlier page, may leave a single line behind).
    - A heading (or a spot's number line, or a finder term) as the last text of a page, though
      ``break-after: avoid`` asks otherwise: it starts the next page.
    - A line of a paragraph holding a single word (or half a hyphenated one) before a full line:
      WeasyPrint breaks there when the rest of the paragraph would fit but for the space before an
      inline element (a link, a citation). A hair more word spacing in that paragraph moves the breaks.
    """
    from weasyprint.formatting_structure import boxes

    fixes, seen = [], set()
    notes: dict = {}
    calls: dict = {}
    pages = []  # per page: its text blocks [(box, parent box)] and whether the last one began on an earlier page
    for number, page in enumerate(document.pages):
        blocks = list(_text_blocks(page))
        pages.append((blocks, bool(blocks) and blocks[-1][0].element in seen))
        seen.update(b.element for b, _ in blocks)
        fixes += [(block.element, _more_word_spacing(block.element)) for block, _ in blocks if _has_stray_line(block)]
        for box in _boxes(page._page_box):
            tag = getattr(box, "element_tag", "") or ""
            if tag.endswith("::footnote-call") and isinstance(box, boxes.InlineBox):
                calls.setdefault(box.element, number)
            elif isinstance(box, boxes.FootnoteAreaBox):
                for note in box.children:
                    notes.setdefault(note.element, number)
    for element, number in calls.items():
        blocks, started_before = pages[number]
        if notes.get(element) != number and blocks:
            fixes.append((blocks[-1][0].element, "widows: 1") if started_before else _break_before(blocks, len(blocks) - 1))
    for blocks, started_before in pages[:-1]:
        if blocks and not started_before and _keeps_with_next(blocks[-1][0]):
            fixes.append(_break_before(blocks, len(blocks) - 1))
    unique = {}
    for element, declaration in fixes:
        unique.setdefault(element, declaration)
    return list(unique.items())


_VERBATIM = re.compile(r"(<(pre|textarea|style|script)\b.*?</\2>)", re.S | re.I)
_BEFORE_CITATION = re.compile(r'\s+(<span class="citation">)')
_BEFORE_NOTE = re.compile(r'\s*(<span class="footnote">)')
_SHORT_XREF = re.compile(r'(<a class="xref" [^>]*>)([^<]{1,16})(</a>)')


def typeset(html: str) -> str:
    """Print-only fixes to the book's HTML before layout; the text itself is unchanged.

    - Line breaks in the source become spaces: WeasyPrint lays out a footnote's body
      without collapsing white space, so a newline there would end the note's line early.
    - A citation ("[4]") is tied to the word before it by a no-break space, so it never
      starts a line.
    - A footnote call is tied to the word before it by a word joiner (U+2060), so the
      word and its call move to the next line together.
    - A short cross-reference ("spot 12") is not split between two lines.
    """
    pieces = _VERBATIM.split(html)
    out = []
    for i, piece in enumerate(pieces):
        kind = i % 3
        if kind == 1:  # a verbatim element: keep as it is
            out.append(piece)
        elif kind == 0:
            piece = piece.replace("\r\n", " ").replace("\n", " ")
            piece = _BEFORE_CITATION.sub("\u00a0\\1", piece)
            piece = _BEFORE_NOTE.sub("\u2060\\1", piece)
            piece = _SHORT_XREF.sub(lambda m: m[1] + m[2].replace(" ", "\u00a0") + m[3], piece)
            out.append(piece)
    return "".join(out)


VARIANTS = ("pdf/ua-1", "pdf/a-3b")  # tagged and accessible (default); archival, for printers and repositories


def write(document, path: Path, *, variant: Optional[str] = "pdf/ua-1", identifier: Optional[str] = None) -> None:
    """Write a rendered document atomically (temporary file, then rename).

    The PDF is always tagged. Its dates come from SOURCE_DATE_EPOCH when set, else from
    the document's own date (``dcterms.created``), never from the clock, so that the
    same sources give the same bytes.
    """
    if variant is not None and variant not in VARIANTS:
        raise ValueError(f"unknown PDF variant {variant!r} (known: {', '.join(VARIANTS)})")
    when = build_time(document.metadata.created)
    if when:
        document.metadata.created = document.metadata.modified = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    options = {"pdf_variant": variant, "pdf_tags": True, "custom_metadata": True}
    if identifier:
        options["pdf_identifier"] = identifier.encode()
    with atomic(path) as tmp:
        document.write_pdf(tmp, **options)
