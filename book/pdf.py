"""PDF output (WeasyPrint): the book and the handouts.

One FontConfiguration and one image cache per process; resources are loaded
only from the project's styles/ and chapters/ and the chosen practice folder.
"""
from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from .errors import Problem, SourceError
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


def fetcher(profile: Profile) -> LockedFetcher:
    return LockedFetcher([STYLES, PROJECT / "chapters", profile.folder])


def render(html: str, profile: Profile, kind: str, paper: Optional[str] = None, base: Optional[Path] = None):
    """Lay out an HTML document; returns WeasyPrint's Document."""
    if kind == "book":
        html = typeset(html)
    try:
        doc = weasyprint.HTML(string=html, base_url=str(base or profile.folder) + "/", url_fetcher=fetcher(profile))
        return doc.render(stylesheets=stylesheets(profile, kind, paper), font_config=font_config(), cache=_image_cache)
    except FatalURLFetchingError as e:
        raise SourceError([Problem(str(profile.folder / "extra.css") if profile.extra_css else str(profile.folder),
                                   "url", str(e))]) from None


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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    stamp = build_stamp(document.metadata.created)
    if stamp:
        document.metadata.created = document.metadata.modified = stamp
    try:
        options = {"pdf_variant": variant, "pdf_tags": True, "custom_metadata": True}
        if identifier:
            options["pdf_identifier"] = identifier.encode()
        document.write_pdf(tmp, **options)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def build_stamp(document_date: Optional[str]) -> Optional[str]:
    """The PDF's creation and modification date, as a W3C date-time: SOURCE_DATE_EPOCH if set,
    else the document's date at midnight UTC, else None (no date at all)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    elif document_date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", document_date):
        when = dt.datetime.fromisoformat(document_date).replace(tzinfo=dt.timezone.utc)
    else:
        return document_date
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
