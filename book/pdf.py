"""PDF output (WeasyPrint): the book and the handouts.

One FontConfiguration and one image cache per process; resources are loaded
only from the project's styles/ and chapters/ and the chosen practice folder.
"""
from __future__ import annotations

import functools
import logging
import os
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
    try:
        doc = weasyprint.HTML(string=html, base_url=str(base or profile.folder) + "/", url_fetcher=fetcher(profile))
        return doc.render(stylesheets=stylesheets(profile, kind, paper), font_config=font_config(), cache=_image_cache)
    except FatalURLFetchingError as e:
        raise SourceError([Problem(str(profile.folder / "extra.css") if profile.extra_css else str(profile.folder),
                                   "url", str(e))]) from None


def write(document, path: Path, *, variant: Optional[str] = "pdf/ua-1", identifier: Optional[str] = None) -> None:
    """Write a rendered document atomically (temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        options = {"pdf_variant": variant, "pdf_tags": True, "custom_metadata": True}
        if identifier:
            options["pdf_identifier"] = identifier.encode()
        document.write_pdf(tmp, **options)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
