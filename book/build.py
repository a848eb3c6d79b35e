"""Orchestration: load -> validate -> render -> write, atomically; handouts in parallel."""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import shutil
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from . import epub, pagination, pdf, practice, render, sources, translate
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
    allow_untranslated: bool = False  # build with English where a translation is missing or fuzzy


def load(job: Job) -> tuple[Book, practice.Profile]:
    """Load and check the sources and the practice together, reporting all problems at once.

    The book comes back in the practice's language: translated from the gettext catalogue when its
    sources are in another (``book.translation`` lists what is still English; see ``translate.require``)."""
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
    if book and book.meta.language.split("-")[0] not in practice.languages():
        problems.append(Problem(display(job.chapters / "book.yaml"), "language",
                                f"no label catalogue for {book.meta.language!r} (known: {', '.join(practice.languages())})"))
    if problems:
        raise SourceError(problems)
    if profile.practice.language.split("-")[0] != book.meta.language.split("-")[0]:
        book = translate.translate(book, profile.practice.language, profile.folder)
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


MAX_NAME = 60


def personal_problems(personal: Personal, where: str = "command line", prefix: str = "--") -> list[Problem]:
    """What cannot fit on the page: notes, client and therapist names too long."""
    problems = []
    for field, value, limit in (("notes", personal.notes, MAX_NOTES), ("client", personal.client, MAX_NAME),
                                ("therapist", personal.therapist, MAX_NAME)):
        if value and len(value) > limit:
            problems.append(Problem(where, prefix + field, f"{len(value)} characters; at most {limit} fit on the page"))
    return problems


def parse_hold(value: str) -> tuple[int, int]:
    """'60' or '30-90' seconds as (low, high); ValueError with a message for the user otherwise."""
    try:
        nums = tuple(int(p) for p in value.replace("-", " ").split())
    except ValueError:
        nums = ()
    if len(nums) == 1:
        nums = (nums[0], nums[0])
    if len(nums) != 2 or not (5 <= nums[0] <= nums[1] <= 300):
        raise ValueError(f"must be 5 to 300 seconds, e.g. 60 or 30-90, got {value!r}")
    return nums


def parse_times(value: str) -> int:
    """Sessions a day, 1 to 6; ValueError with a message for the user otherwise."""
    if not value.isdigit() or not 1 <= int(value) <= 6:
        raise ValueError(f"must be 1 to 6, got {value!r}")
    return int(value)


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"must be a date as YYYY-MM-DD, got {value!r}") from None


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
    for page in document.pages:
        spill = off_page(page)
        if spill:
            problems.append(Problem("handout", "layout", f"text runs off the {paper} page: {spill!r}; "
                                    "shorten the client or therapist name, or the practice's footer text"))
            break
    if problems:
        raise SourceError(problems)
    return document


def off_page(page) -> Optional[str]:
    """The first text that reaches past the page's right or bottom edge, if any."""
    width, height = page.width + 0.5, page.height + 0.5

    def walk(box):
        for child in getattr(box, "children", []) or []:
            text = getattr(child, "text", None)
            if text and text.strip() and (child.position_x + child.width > width or child.position_y + child.height > height):
                return text.strip()
            found = walk(child)
            if found:
                return found
        return None

    return walk(page._page_box)


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

    for child in page._page_box.children:
        if type(child).__name__ != "MarginBox":  # the running footer lives in the page margin
            walk(child)
    return (bottom - top) * 25.4 / 96


def write_handout(job: Job, keys: list[str], personal: Personal, out: Path, book=None, profile=None) -> Path:
    if book is None:
        book, profile = load(job)
    problems = personal_problems(personal)
    if problems:
        raise SourceError(problems)
    spots = pick_spots(book, keys)
    translate.require(book, spots, job.allow_untranslated)
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


@contextlib.contextmanager
def handout_pool(job: Job, tasks: list, workers: Optional[int] = None):
    """Start rendering TASKS in worker processes at once; yields [(task, future)]."""
    workers = workers or max(1, min(len(tasks), os.cpu_count() or 1))
    with ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(job,)) as pool:
        yield [(task, pool.submit(_worker_handout, job, *task)) for task in tasks]


def outcome(future):
    """A finished handout's path, or the SourceError that stopped it."""
    try:
        return future.result()
    except SourceError as e:
        return e


def parallel_handouts(job: Job, tasks: list[tuple[list[str], Personal, Path]], workers: Optional[int] = None):
    """Write many handouts; yields (task, path or SourceError) in task order. workers=1 renders in this process."""
    if workers == 1 or len(tasks) <= 1:
        book, profile = load(job)
        for task in tasks:
            try:
                yield task, write_handout(job, *task, book=book, profile=profile)
            except SourceError as e:
                yield task, e
        return
    with handout_pool(job, tasks, workers) as futures:
        for task, future in futures:
            yield task, outcome(future)


def build_all(job: Job, out: Path, pdf_variant: str = "pdf/ua-1") -> list[Path]:
    """Everything: the EPUB and the PDF book in OUT/book/, one handout per spot in OUT/handouts/.

    All outputs are made in a staging folder inside OUT and moved into place only when every one
    succeeded, so a failure leaves OUT as it was.
    """
    book, profile = load(job)
    translate.require(book, None, job.allow_untranslated)
    paper = paper_of(job, profile)
    stem = safe_name(book.meta.title)
    staging = out / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
    except OSError as e:
        raise SourceError([Problem(display(out), "--out", f"cannot make an output folder here: {e.strerror}")]) from None
    problems: list[Problem] = []
    try:
        tasks = [([str(s.number)], Personal(), staging / "handouts" / f"{s.number:02d}-{s.slug}.pdf") for s in book.spots]
        # Handouts render in worker processes while this process lays out the book.
        with handout_pool(job, tasks) as futures:
            # The PDF first: the EPUB marks where each of its pages begins.
            html = render.book_html(book, profile)
            document = pdf.render(html, profile, "book", paper, base=book.root)
            pdf.write(document, staging / "book" / f"{stem}.pdf", variant=pdf_variant, identifier=book.meta.identifier)
            log.debug("book: %d pages", len(document.pages))
            epub.make(book, profile, staging / "book" / f"{stem}.epub",
                      page_map=pagination.page_map(document, html), paper=paper)
            for task, future in futures:
                result = outcome(future)
                if isinstance(result, SourceError):
                    problems += result.problems
        if problems:
            raise SourceError(problems)
        written = []
        for staged in sorted(p for p in staging.rglob("*") if p.is_file()):
            dest = out / staged.relative_to(staging)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, dest)
            log.info("wrote %s", display(dest))
            written.append(dest)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if out.is_dir() and not any(out.iterdir()):
            out.rmdir()
