"""Print page numbers in the ebook: block ids shared by both formats, the PDF's page map, page-break markers.

Both formats are rendered from the same parts, so a block with a given id is the same block in the PDF
and in the EPUB. The PDF is laid out first; ``page_map`` records the page on which each id starts, and
``mark_pages`` puts an EPUB page-break marker before the first block that starts on each page.
"""
from __future__ import annotations

import re
from typing import Iterable

# Blocks that get an id when they have none, so that a page can be found by the block that opens it.
BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figure", "dl", "dt", "dd", "blockquote",
                    "pre", "table"})
# Elements whose content model takes no span before them (a list item, a term): the marker goes inside.
INSIDE = frozenset({"li", "dt", "dd", "tr", "td", "th", "figcaption"})
# A start tag, end tag or comment; the attributes are kept as written.
_TAG = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][\w:-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*(/?)>", re.S)
_ID = re.compile(r"""\sid\s*=\s*["']([^"']+)["']""")
_CLASS = re.compile(r"""\sclass\s*=\s*["']([^"']*)["']""")

PageMap = dict[str, int]  # element id -> number of the PDF page on which the element starts (1-based)


def _tags(html: str) -> Iterable[re.Match]:
    """Every start or end tag; groups: "/" of an end tag, name, attributes, "/" of a self-closing tag."""
    for m in _TAG.finditer(html):
        if m.group(0).startswith("<!--"):
            continue
        yield m


def _is_note(tag: str, attrs: str) -> bool:
    """Notes differ between the formats (a floated span in the PDF, an aside in the EPUB): never numbered."""
    if tag == "aside":
        return True
    cls = _CLASS.search(attrs)
    return tag == "span" and bool(cls) and "footnote" in cls.group(1).split()


def add_ids(html: str, prefix: str) -> str:
    """Give every block outside notes that has no id the id PREFIX-bN (N counts such blocks from 1)."""
    out, pos, n = [], 0, 0
    stack: list[tuple[str, bool]] = []  # open elements that may hold a note: (tag, is a note)
    for m in _tags(html):
        end, tag, attrs, selfclose = m.group(1) == "/", m.group(2).lower(), m.group(3), m.group(4) == "/"
        in_note = any(note for _, note in stack)
        if end:
            if tag in ("aside", "span") and stack and stack[-1][0] == tag:
                stack.pop()
            continue
        if tag in ("aside", "span") and not selfclose:
            stack.append((tag, _is_note(tag, attrs)))
        if tag in BLOCKS and not in_note and not _ID.search(attrs):
            n += 1
            out.append(html[pos:m.start(3)])
            out.append(f' id="{prefix}-b{n}"')
            pos = m.start(3)
    out.append(html[pos:])
    return "".join(out)


def ids_in_order(html: str) -> list[str]:
    """Every id in an HTML text, in document order."""
    return [m.group(1) for m in (_ID.search(t.group(3)) for t in _tags(html) if t.group(1) != "/") if m]


def page_map(document, html: str) -> PageMap:
    """For each id of HTML, the number of the page of DOCUMENT (WeasyPrint's layout of HTML) where it starts.

    WeasyPrint lists an element's id on every page it runs across; the first of them is where it starts.
    """
    first: PageMap = {}
    for number, page in enumerate(document.pages, 1):
        for anchor in page.anchors:
            first.setdefault(anchor, number)
    return {i: first[i] for i in ids_in_order(html) if i in first}


def marker(page: int) -> str:
    return (f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{page}" aria-label="{page}" '
            f'title="{page}"></span>')


def mark_pages(html: str, pages: PageMap, after: int = 0) -> tuple[str, list[int]]:
    """Insert a page-break marker before the first element of HTML that starts on each page after AFTER.

    Pages must rise through the text (they do when HTML is in the PDF's order); returns the new text
    and the pages marked, in order.
    """
    out, pos, marked, last = [], 0, [], after
    for m in _tags(html):
        if m.group(1) == "/":
            continue
        found = _ID.search(m.group(3))
        page = pages.get(found.group(1)) if found else None
        if page is None or page <= last:
            continue
        at = m.end() if m.group(2).lower() in INSIDE and m.group(4) != "/" else m.start()
        out += [html[pos:at], marker(page)]
        pos, last = at, page
        marked.append(page)
    out.append(html[pos:])
    return "".join(out), marked
