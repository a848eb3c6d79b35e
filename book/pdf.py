"""PDF output (WeasyPrint): the book and the handouts.

One FontConfiguration per process and one image cache per document (shared by the
layout passes of that document, gone with it, so a batch of packets keeps flat memory:
figures are unique data URIs that are never reused across documents); resources are loaded
only from the project's styles/ and chapters/ and the chosen practice folder.
"""
from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

import pydyf
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from . import typography
from .output import atomic, build_time
from .errors import Problem, SourceError, display
from .practice import PROJECT, STYLES, Profile
from .sources import confine

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
            target = Path(unquote(urlsplit(url).path))
            real, wrong = confine(target, None)  # a FIFO or device would hang or feed the layout for ever
            if real is None and "not a regular file" in (wrong or ""):
                raise FatalURLFetchingError(f"refused to load {url}: {wrong}")
            path = real or target.resolve()
            if any(path.is_relative_to(root) for root in self.allowed):
                return super().fetch(url, headers)
        raise FatalURLFetchingError(f"refused to load {url}: only files in styles/, chapters/ and the practice folder may be used")


def _cache_page_references() -> None:
    """Make pydyf's ``PDF.page_references`` cost O(1) per call instead of O(pages).

    WeasyPrint's tagger reads it for every tagged box, and pydyf rebuilds the whole tuple on each read,
    so writing a tagged book grew with pages x boxes. The cached tuple is kept with the length of the page
    list it was made from and remade when a page is added. Guarded: the cache is installed only if it
    gives what pydyf's own property gives, so a pydyf that changes the property is left alone.
    """
    original = getattr(pydyf.PDF, "page_references", None)
    if not isinstance(original, property) or getattr(original.fget, "_cached", False):
        return

    def page_references(self):
        kids = self.pages["Kids"]
        cached = self.__dict__.get("_page_references")
        if cached is None or cached[0] != len(kids):
            cached = self.__dict__["_page_references"] = (len(kids), original.fget(self))
        return cached[1]

    page_references._cached = True
    pydyf.PDF.page_references = property(page_references)
    probe, same = pydyf.PDF(), True
    for _ in range(2):  # read, add a page, read again: the cache must follow
        probe.add_page(pydyf.Dictionary({"Type": "/Page"}))
        same = same and probe.page_references == original.fget(probe)
    if not same:
        pydyf.PDF.page_references = original


_cache_page_references()


@functools.lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    return FontConfiguration()


@functools.lru_cache(maxsize=None)
def _stylesheet(path: Path) -> weasyprint.CSS:
    return weasyprint.CSS(filename=str(path), font_config=font_config())


def stylesheets(profile: Profile, kind: str, paper: Optional[str]) -> list[weasyprint.CSS]:
    """Base CSS, the output's CSS, the practice's values, then its extra.css."""
    sheets = [_stylesheet(STYLES / "base.css"), _stylesheet(STYLES / f"{kind}.css"),
              weasyprint.CSS(string=profile.css(paper, kind), font_config=font_config())]
    if profile.extra_css:  # read and checked when the profile loaded; its url()s go through the lock
        sheets.append(weasyprint.CSS(string=profile.extra_css, base_url=str(profile.folder) + "/",
                                     font_config=font_config(), url_fetcher=fetcher(profile)))
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
        images: dict = {}  # this document's images, reused by its extra layout passes
        document = source.render(stylesheets=sheets, font_config=font_config(), cache=images)
        if kind == "book":
            document = fix_pages(document, lambda: source.render(stylesheets=sheets, font_config=font_config(),
                                                                 cache=images))
        return document
    except FatalURLFetchingError as e:
        origin = profile.folder / ("extra.css" if profile.extra_css else "practice.yaml")
        raise SourceError([Problem(display(origin), "url", str(e))]) from None


BOOK_PASSES = 3
MIN_LINES = 6  # no page of the book (but the cover, title and copyright pages) holds fewer lines
# Blocks that must not end a page: headings, a spot's number line, a finder term.
_KEEP_WITH_NEXT = {"h1", "h2", "h3", "h4", "h5", "h6", "dt"}


def fix_pages(document, render_again):
    """Lay the book out again while ``page_fixes`` finds something to fix, at most BOOK_PASSES times.

    Each fix is applied once: one that did not take effect is not asked for again (it would only
    cost another layout), and what is left is reported once.
    """
    applied: set = set()
    for passes in range(BOOK_PASSES + 1):
        found = page_fixes(document)
        fixes = [(e, d, k) for e, d, k in found if (e, k) not in applied]
        if not fixes or passes == BOOK_PASSES:
            break
        log.debug("book: another layout pass for %s", ", ".join(f"{e.get('id') or e.tag} ({d})" for e, d, _ in fixes))
        for element, declaration, key in fixes:
            applied.add((element, key))
            element.set("style", f"{element.get('style') or ''};{declaration}".lstrip(";"))
        document = render_again()
    if found:
        where = ", ".join(sorted({e.get("id") or e.tag for e, _, _ in found}))
        log.warning("book: pages still break badly near %s (a footnote away from its call, a heading "
                    "at a page foot, a stray short line or a page of fewer than %d lines)", where, MIN_LINES)
    return document


def _boxes(box):
    yield box
    for child in getattr(box, "children", None) or []:
        yield from _boxes(child)


def _text_blocks(page, parts: Optional[dict] = None):
    """(block, its holder box) for each block of a page's main flow that holds lines of text (or is an
    image), in order; not the notes, not the margins. The holder is the outermost list item or
    definition the block is part of (a finder entry with its links), else its parent box. PARTS, when
    given, gets each block's element mapped to the book part (section.part) it belongs to, or None
    (cover, title, copyright, contents)."""
    from weasyprint.formatting_structure import boxes

    def walk(box, parent, item, part):
        if box.element_tag == "section" and "part" in (box.element.get("class") or "").split():
            part = box.element
        lines = isinstance(box, boxes.BlockContainerBox) and box.children and isinstance(box.children[0], boxes.LineBox)
        if lines or isinstance(box, boxes.BlockReplacedBox):
            if box.element is not None and not (box.element_tag or "").startswith("::"):
                if parts is not None:
                    parts[box.element] = part
                yield box, item or parent
            return
        if item is None and box.element_tag in ("dd", "li"):
            item = box
        for child in getattr(box, "children", None) or []:
            yield from walk(child, box, item, part)

    yield from walk(page._page_box.children[0], None, None, None)


def _lines(block) -> int:
    """Lines of text in a block (not the empty ones, e.g. between a finder entry's links); an image
    counts as a full page's worth."""
    from weasyprint.formatting_structure import boxes

    if isinstance(block, boxes.BlockReplacedBox):
        return MIN_LINES
    return sum(isinstance(child, boxes.LineBox) and child.height > 0 for child in block.children)


def _keeps_with_next(block) -> bool:
    element = block.element
    return element.tag in _KEEP_WITH_NEXT or "spot-number" in (element.get("class") or "").split()


def _break_before(blocks: list, index: int) -> Optional[tuple]:
    """A page break before block INDEX of a page, moved up past the headings just before it; None when
    that block is the page's first already (a break there would change nothing)."""
    def holder(i):  # the list item or definition a block is part of (a finder entry's links), if any
        parent = blocks[i][1]
        return parent.element if parent is not None and parent.element_tag in ("dd", "li") else None

    while index > 0 and holder(index) is not None and holder(index - 1) is holder(index):
        index -= 1  # the whole item moves: it is not split
    while index > 0 and _keeps_with_next(blocks[index - 1][0]):
        index -= 1
    if index == 0:
        return None
    block, parent = blocks[index]
    element = holder(index) if holder(index) is not None else block.element
    if parent is not None and parent.element is not None and "spot-head" in (parent.element.get("class") or "").split():
        element = parent.element
    return element, "break-before: page", "break"


def _has_stray_line(block) -> bool:
    """A prose line much shorter than the full line after it (see ``page_fixes``)."""
    if block.element.tag not in ("p", "li") or any(child.tag == "br" for child in block.element):
        return False
    widths = [sum(c.margin_width() for c in line.children if c.is_in_normal_flow()) for line in block.children]
    return any(w < 0.35 * block.width and after > 0.8 * block.width for w, after in zip(widths, widths[1:]))


def _carry_over(previous: list, continued: bool, page: list) -> Optional[tuple]:
    """A fix that carries enough lines from the page before onto a page of too few lines.

    When the short page begins with the end of a paragraph from the page before, more of that
    paragraph comes over (its ``widows``); else the page before breaks earlier, before the last blocks
    that hold enough lines."""
    have = sum(_lines(b) for b, _ in page)
    need = MIN_LINES - have
    if continued and previous:
        block = previous[-1][0]
        on_page, before = _lines(page[0][0]), _lines(block)
        if before - need >= 2:  # the paragraph keeps two lines on the page before
            return block.element, f"widows: {on_page + need}", "carry"
    moved = 0
    for index in range(len(previous) - 1, 0, -1):
        moved += _lines(previous[index][0])
        if moved >= need:
            return _break_before(previous, index)
    return None


def page_fixes(document) -> list:
    """What WeasyPrint's pagination got wrong, as (element, CSS declaration, kind of fix) for another pass.

    - A footnote printed on a later page than its call: WeasyPrint moves a page's notes on to fit one
      more line of the page's last paragraph (for its orphans and widows). That paragraph then starts
      on the next page (or, when it started on an earlier page, may leave a single line behind).
    - A heading (or a spot's number line, or a finder term) as the last text of a page, though
      ``break-after: avoid`` asks otherwise: it starts the next page.
    - A line of a paragraph holding a single word (or half a hyphenated one) before a full line:
      WeasyPrint breaks there when the rest of the paragraph would fit but for the space before an
      inline element (a link, a citation). A hair more word spacing in that paragraph moves the breaks.
    - A page of a part with fewer than MIN_LINES lines (a chapter's last page, most often): lines
      from the page before are carried over (``_carry_over``).
    Only fixes that change something are listed: no break before a block that starts its page.
    """
    from weasyprint.formatting_structure import boxes

    fixes, seen, part, page_of = [], set(), {}, {}
    notes: dict = {}
    calls: dict = {}
    pages = []  # per page: its text blocks [(box, parent box)], whether the last one began on an earlier page,
    continued = []  # and whether the first one did
    for number, page in enumerate(document.pages):
        blocks = list(_text_blocks(page, part))
        pages.append((blocks, bool(blocks) and blocks[-1][0].element in seen))
        continued.append(bool(blocks) and blocks[0][0].element in seen)
        for b, _ in blocks:
            page_of.setdefault(b.element, number)
        seen.update(b.element for b, _ in blocks)
        fixes += [(block.element, "word-spacing: 0.02em", "spacing") for block, _ in blocks if _has_stray_line(block)]
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
            fixes.append((blocks[-1][0].element, "widows: 1", "note") if started_before
                         else _break_before(blocks, len(blocks) - 1))
    for blocks, started_before in pages[:-1]:
        if blocks and not started_before and _keeps_with_next(blocks[-1][0]):
            fixes.append(_break_before(blocks, len(blocks) - 1))
    # Lines are carried onto a short page only when nothing else changes it or the page before in this
    # pass: two fixes on the same pages move the same lines twice.
    touched = {page_of[fix[0]] for fix in fixes if fix is not None and fix[0] in page_of}
    for number in range(1, len(pages)):
        blocks, previous = pages[number][0], pages[number - 1][0]
        if number in touched or number - 1 in touched:
            continue
        if not blocks or part[blocks[0][0].element] is None or sum(_lines(b) for b, _ in blocks) >= MIN_LINES:
            continue
        if previous and part[previous[-1][0].element] is part[blocks[0][0].element]:
            fixes.append(_carry_over(previous, continued[number], blocks))
    unique = {}
    for fix in fixes:
        if fix is not None:
            unique.setdefault((fix[0], fix[2]), fix)
    return list(unique.values())


_VERBATIM = re.compile(r"(<(pre|textarea|style|script)\b.*?</\2>)", re.S | re.I)
_BEFORE_CITATION = re.compile(r'\s+(<span class="citation">)')
_BEFORE_NOTE = re.compile(r'\s*(<span class="footnote">)')
_SHORT_XREF = re.compile(r'(<a class="xref[^"]*" [^>]*>)([^<]{1,16})(</a>)')
_TAG_OR_BRACKET = re.compile(r'<(/?)([a-zA-Z][\w-]*)[^>]*>|[()\[\]]')
_BLOCK_START = frozenset({"p", "li", "dd", "dt", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "blockquote"})


def _mark_bracketed(html: str) -> str:
    """Give a cross-reference inside brackets the class "bracketed", so that it reads "(spot 8 on page 27)"
    rather than "(spot 8 (page 27))"."""
    out, pos, depth = [], 0, 0
    for m in _TAG_OR_BRACKET.finditer(html):
        token = m.group(0)
        if m.group(2):
            if m.group(2).lower() in _BLOCK_START and not m.group(1):
                depth = 0
            elif depth > 0 and token.startswith('<a class="xref"'):
                out += [html[pos:m.start()], token.replace('class="xref"', 'class="xref bracketed"', 1)]
                pos = m.end()
        else:
            depth = max(0, depth + (1 if token in "([" else -1))
    out.append(html[pos:])
    return "".join(out)


def typeset(html: str) -> str:
    """Print-only fixes to the book's HTML before layout; the text itself is unchanged.

    - Line breaks in the source become spaces: WeasyPrint lays out a footnote's body
      without collapsing white space, so a newline there would end the note's line early.
    - A citation ("[4]") is tied to the word before it by a no-break space, so it never
      starts a line.
    - A footnote call is tied to the word before it by a word joiner (U+2060), so the
      word and its call move to the next line together.
    - A short cross-reference ("spot 12") is not split between two lines.
    - A cross-reference inside brackets is marked, so that its page number adds no second bracket.
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
            piece = _SHORT_XREF.sub(lambda m: m[1] + m[2].replace(" ", "\u00a0") + m[3], _mark_bracketed(piece))
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
