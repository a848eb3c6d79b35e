"""Orchestration: load -> validate -> render -> write, atomically; handouts in parallel."""
from __future__ import annotations

import datetime as dt
import logging
import os
import re
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from . import epub, pdf, practice, render, sources
from .errors import Problem, SourceError, display
from .model import Book
from .render import Personal

log = logging.getLogger("book")

MAX_NOTES = 400
PACKET_WARN = 4


@dataclass(frozen=True)
class Job:
    """What to build; every path already resolved."""

    chapters: Path
    practice: Optional[str] = None
    paper: Optional[str] = None


def load(job: Job) -> tuple[Book, practice.Profile]:
    """Load and check the sources and the practice together, reporting all problems at once."""
    problems: list[Problem] = []
    book = profile = None
    try:
        book = sources.load(job.chapters)
    except SourceError as e:
        problems += e.problems
    try:
        profile = practice.load(job.practice)
    except SourceError as e:
        problems += e.problems
    if problems:
        raise SourceError(problems)
    return book, profile


def safe_name(text: str) -> str:
    """A file name from any text: ASCII letters, digits and dashes."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "client"


def paper_of(job: Job, profile: practice.Profile) -> str:
    return job.paper or profile.practice.paper


def pick_spots(book: Book, keys: list[str]) -> list:
    problems, spots = [], []
    for key in keys:
        try:
            spots.append(book.spot(key))
        except KeyError:
            known = ", ".join(str(s.number) for s in book.spots)
            problems.append(Problem("command line", "SPOT", f"no spot {key!r} (known: {known})"))
    if problems:
        raise SourceError(problems)
    return spots


def check_personal(personal: Personal) -> None:
    if personal.notes and len(personal.notes) > MAX_NOTES:
        raise SourceError([Problem("command line", "--notes",
                                   f"{len(personal.notes)} characters; at most {MAX_NOTES} fit on the page")])


def render_handout(book: Book, profile: practice.Profile, spots: list, personal: Personal, paper: str):
    """Lay out a handout or packet and check that every spot fits on exactly one page."""
    html = render.handout_html(book, spots, profile, personal)
    document = pdf.render(html, profile, "handout", paper, base=profile.folder)
    problems = []
    for i, spot in enumerate(spots, 1):
        pages = [page for page in document.pages if f"handout-{i}" in page.anchors]
        if len(pages) > 1:
            over = sum(overflow_mm(page) for page in pages[1:])
            problems.append(Problem(display(spot.source), "handout",
                                    f"spot {spot.number} does not fit on one {paper} page: about {over:.0f} mm "
                                    f"runs onto a second page; shorten its text or the notes"))
    if problems:
        raise SourceError(problems)
    return document


def overflow_mm(page) -> float:
    """How far the content reaches down an overflow page, in millimetres."""
    top = page._page_box.content_box_y()
    bottom = top

    def walk(box):
        nonlocal bottom
        for child in getattr(box, "children", []) or []:
            if getattr(child, "element_tag", None) not in ("html", "body", "article"):
                bottom = max(bottom, child.position_y + child.margin_height())
            walk(child)

    walk(page._page_box)
    return (bottom - top) * 25.4 / 96


def write_handout(job: Job, keys: list[str], personal: Personal, out: Path, book=None, profile=None) -> Path:
    if book is None:
        book, profile = load(job)
    check_personal(personal)
    spots = pick_spots(book, keys)
    document = render_handout(book, profile, spots, personal, paper_of(job, profile))
    pdf.write(document, out)
    return out


# Worker processes keep their loaded book and practice between tasks.
_worker_state: dict = {}


def _worker_init(job: Job) -> None:
    _worker_state["loaded"] = load(job)


def _worker_handout(job: Job, keys: list[str], personal: Personal, out: Path) -> Path:
    book, profile = _worker_state["loaded"]
    return write_handout(job, keys, personal, out, book, profile)


def parallel_handouts(job: Job, tasks: list[tuple[list[str], Personal, Path]], workers: Optional[int] = None):
    """Write many handouts in worker processes; yields (task, path or SourceError) as each finishes."""
    workers = workers or min(len(tasks), os.cpu_count() or 1)
    if workers <= 1:
        book, profile = load(job)
        for task in tasks:
            try:
                yield task, write_handout(job, *task, book=book, profile=profile)
            except SourceError as e:
                yield task, e
        return
    with ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(job,)) as pool:
        futures = [(task, pool.submit(_worker_handout, job, *task)) for task in tasks]
        for task, future in futures:
            try:
                yield task, future.result()
            except SourceError as e:
                yield task, e


def build_all(job: Job, out: Path) -> list[Path]:
    """Everything: the EPUB and the PDF book in OUT/book/, one handout per spot in OUT/handouts/."""
    book, profile = load(job)
    paper = paper_of(job, profile)
    stem = safe_name(book.meta.title)
    tasks = [([str(s.number)], Personal(), out / "handouts" / f"{s.number:02d}-{s.slug}.pdf") for s in book.spots]
    written: list[Path] = []
    # Handouts first, in workers, while this process lays out the book.
    results = parallel_handouts(job, tasks) if len(tasks) > 1 else iter(())
    epub_path = out / "book" / f"{stem}.epub"
    epub.make(book, profile, epub_path)
    log.info("wrote %s", display(epub_path))
    written.append(epub_path)
    pdf_path = out / "book" / f"{stem}.pdf"
    document = pdf.render(render.book_html(book, profile), profile, "book", paper, base=book.root)
    pdf.write(document, pdf_path, identifier=book.meta.identifier)
    log.info("wrote %s (%d pages)", display(pdf_path), len(document.pages))
    written.append(pdf_path)
    problems = []
    for task, result in (results if len(tasks) > 1 else parallel_handouts(job, tasks, 1)):
        if isinstance(result, SourceError):
            problems += result.problems
        else:
            log.info("wrote %s", display(result))
            written.append(result)
    if problems:
        raise SourceError(problems)
    return written


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to a temporary file beside PATH, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
