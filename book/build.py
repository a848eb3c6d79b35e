"""Orchestration: load -> validate -> render -> write, atomically; handouts in parallel."""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import multiprocessing
import os
import re
import secrets
import shutil
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from anyascii import anyascii

from . import practice, render, sources, translate
from .errors import Problem, SourceError, bad_characters, display, echo
from .model import Book
from .options import parse_date, parse_hold, parse_times  # noqa: F401  (the batch CSV and the CLI share them)
from .output import process_alive
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
    book_paper: Optional[str] = None  # the PDF book's trim size (default: the practice's book_paper)
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
    """A file name from any text: letters transliterated to ASCII (Yılmaz: yilmaz), digits and dashes."""
    return re.sub(r"[^A-Za-z0-9]+", "-", anyascii(text)).strip("-").lower()[:80].strip("-") or "client"


def paper_of(job: Job, profile: practice.Profile) -> str:
    return job.paper or profile.practice.paper


def book_paper_of(job: Job, profile: practice.Profile) -> str:
    return job.book_paper or profile.practice.book_paper


def pick_spots(book: Book, keys: list[str]) -> list:
    problems, spots = [], []
    for key in keys:
        try:
            spots.append(book.spot(key))
        except KeyError:
            known = ", ".join(str(s.number) for s in book.spots)
            problems.append(Problem("command line", "SPOT", f"no spot {echo(key)} (known: {known})"))
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
        elif value and bad_characters(value):
            problems.append(Problem(where, prefix + field, f"{bad_characters(value)}, got {echo(value)}"))
    return problems


def render_handout(book: Book, profile: practice.Profile, spots: list, personal: Personal, paper: str):
    """Lay out a handout or packet and check that every spot fits on exactly one page."""
    from . import pdf  # WeasyPrint loads only when a PDF is made

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
    p = profile.practice
    foot = " · ".join(x for x in (p.name, p.contact.address, p.footer) if x)
    for page in document.pages:
        spill = off_page(page)
        if spill and spill in foot:
            problems.append(Problem(display(profile.folder / "practice.yaml"), "name, contact.address, footer",
                                    f"together they do not fit the {paper} page's foot line ({echo(spill)} runs off "
                                    "the page); shorten one of them"))
            break
        if spill:
            problems.append(Problem("handout", "layout", f"text runs off the {paper} page: {echo(spill)}; "
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
    from . import pdf

    pdf.write(document, out)
    return out


# Worker processes get the loaded book and practice from their parent: the pool forks after loading, so
# no worker reads the sources again (a worker started another way loads them once, in its initializer).
_worker_state: dict = {}


def _worker_init(job: Job) -> None:
    if _worker_state.get("job") != job:
        _worker_state.update(job=job, loaded=load(job))


def _worker_handout(job: Job, keys: list[str], personal: Personal, out: Path) -> Path:
    book, profile = _worker_state["loaded"]
    return write_handout(job, keys, personal, out, book, profile)


def _ignore_interrupts(main: int) -> None:
    """Workers leave Ctrl-C and SIGTERM to the main process MAIN, which stops them (no tracebacks from
    them), and die with it: a killed build leaves no worker writing on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG, Linux
    if os.getppid() != main:  # the main process died before that took effect
        os._exit(1)


def _worker_start(job: Job, main: int) -> None:
    _ignore_interrupts(main)
    _worker_init(job)


def cores() -> int:
    """Processors this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextlib.contextmanager
def handout_pool(job: Job, tasks: list, workers: Optional[int] = None, loaded=None, reserve: int = 0):
    """Start rendering TASKS in worker processes at once; yields [(task, future)].

    The pool has one worker per free core (RESERVE cores are left for what this process does meanwhile,
    such as laying out the book), never more workers than tasks. LOADED, the (book, profile) this process
    already holds, is handed to the workers by forking. When the caller stops early (an error, Ctrl-C,
    SIGTERM), the workers are stopped at once.
    """
    workers = workers or max(1, min(len(tasks), cores() - reserve))
    _worker_state.update(job=job, loaded=loaded or load(job))
    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start, initargs=(job, os.getpid()))
    try:
        yield [(task, pool.submit(_worker_handout, job, *task)) for task in tasks]
    except BaseException:
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join()
        raise
    pool.shutdown(wait=True)


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


PUBLISHED = ("book", "handouts")  # OUT/book and OUT/handouts: links into OUT/.current, published together
CURRENT = ".current"
_SET = re.compile(r"\.build-(\d+)-[0-9a-f]+")
_TEMP_LINK = re.compile(r"\.link-(\d+)-\w+")


def remove_stale(out: Path) -> None:
    """Remove staging sets and temporary links left in OUT by builds that died (their process is gone)."""
    current = os.readlink(out / CURRENT) if (out / CURRENT).is_symlink() else None
    for entry in out.iterdir() if out.is_dir() else []:
        m = _SET.fullmatch(entry.name) or _TEMP_LINK.fullmatch(entry.name)
        if m and entry.name != current and not process_alive(int(m.group(1))):
            log.debug("removing %s, left by a build that stopped", display(entry))
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _link(out: Path, name: str, target: str) -> None:
    """Make OUT/NAME a symbolic link to TARGET in one step (a new link renamed over the old)."""
    tmp = out / f".link-{os.getpid()}-{name.strip('.')}"
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, out / name)


def publish(staging: Path, out: Path) -> None:
    """Make the finished set in STAGING what OUT shows, in one rename.

    OUT/book and OUT/handouts are links to OUT/.current/book and OUT/.current/handouts, and
    OUT/.current links to one staging set: swapping that one link switches every output at once,
    so a reader of OUT sees the old set or the new one, never a mix. The old set is then removed.
    A folder from before this layout is replaced; if it held files this build does not make, it is
    kept beside as NAME.old."""
    for name in PUBLISHED:
        link = out / name
        if link.is_symlink() and os.readlink(link) == f"{CURRENT}/{name}":
            continue
        if link.is_dir() and not link.is_symlink():
            made = {p.relative_to(staging / name) for p in (staging / name).rglob("*")}
            had = {p.relative_to(link) for p in link.rglob("*") if not p.is_dir()}
            aside = out / f"{name}.old" if had - made else staging / f".old-{name}"
            if aside.name.endswith(".old"):
                shutil.rmtree(aside, ignore_errors=True)
                log.warning("kept the files of the old %s that this build does not make in %s", display(link), display(aside))
            os.rename(link, aside)
        _link(out, name, f"{CURRENT}/{name}")
    previous = os.readlink(out / CURRENT) if (out / CURRENT).is_symlink() else None
    _link(out, CURRENT, staging.name)
    if previous and _SET.fullmatch(previous) and previous != staging.name:
        shutil.rmtree(out / previous, ignore_errors=True)
    shutil.rmtree(staging / f".old-book", ignore_errors=True)
    shutil.rmtree(staging / f".old-handouts", ignore_errors=True)


def build_all(job: Job, out: Path, pdf_variant: str = "pdf/ua-1", force: bool = False) -> tuple[list[Path], int]:
    """Everything: the EPUB and the PDF book in OUT/book/, one handout per spot in OUT/handouts/.

    All outputs are made in a staging set OUT/.build-PID-ID/ and published together by one rename
    (see ``publish``) only when every one succeeded, so a failure or a kill at any moment leaves
    OUT as it was. Sets left by builds that died are removed first. Outputs whose inputs did not
    change since the last build in OUT are not made again (see incremental.py) unless FORCE.
    Returns the files made and the number of outputs skipped as unchanged.
    """
    from . import incremental

    book, profile = load(job)
    translate.require(book, None, job.allow_untranslated)
    paper = paper_of(job, profile)
    stem = safe_name(book.meta.title)
    books = {f"book/{stem}.pdf": None, f"book/{stem}.epub": None}
    handouts = {f"handouts/{s.number:02d}-{s.slug}.pdf": s for s in book.spots}
    fingerprints = incremental.fingerprints(book, profile, {**books, **handouts},
                                            {"paper": paper, "book_paper": book_paper_of(job, profile), "pdf_variant": pdf_variant})
    before = {} if force else incremental.previous(out / CURRENT)
    unchanged = {name for name, fp in fingerprints.items() if before.get(name) == fp and (out / name).is_file()}
    if unchanged == set(fingerprints) and set(before) == set(fingerprints):
        return [], len(unchanged)
    try:
        out.mkdir(parents=True, exist_ok=True)
        remove_stale(out)
        staging = out / f".build-{os.getpid()}-{secrets.token_hex(4)}"
        staging.mkdir()
    except OSError as e:
        raise SourceError([Problem(display(out), "--out", f"cannot make an output folder here: {e.strerror}")]) from None
    problems: list[Problem] = []
    published = False
    made = set()
    try:
        (staging / "handouts").mkdir()
        for name in sorted(unchanged):
            incremental.carry(out / name, staging / name)
        tasks = [([str(spot.number)], Personal(), staging / name) for name, spot in handouts.items()
                 if name not in unchanged]
        # Handouts render in worker processes while this process lays out the book.
        with handout_pool(job, tasks, loaded=(book, profile), reserve=1) if tasks else contextlib.nullcontext([]) as futures:
            if not set(books) <= unchanged:
                from . import epub, pagination, pdf

                # The PDF first: the EPUB marks where each of its pages begins.
                html = render.book_html(book, profile)
                trim = book_paper_of(job, profile)
                document = pdf.render(html, profile, "book", trim, base=book.root)
                pdf.write(document, staging / "book" / f"{stem}.pdf", variant=pdf_variant, identifier=book.meta.identifier)
                log.debug("book: %d pages", len(document.pages))
                epub.make(book, profile, staging / "book" / f"{stem}.epub",
                          page_map=pagination.page_map(document, html), paper=trim)
                made |= set(books)
            for task, future in futures:
                result = outcome(future)
                if isinstance(result, SourceError):
                    problems += result.problems
                else:
                    made.add(Path(result).relative_to(staging).as_posix())
        if problems:
            raise SourceError(problems)
        from .output import write_bytes

        write_bytes(staging / incremental.MANIFEST, incremental.manifest(fingerprints))
        written = sorted(out / rel for rel in made)
        try:
            publish(staging, out)
        except OSError as e:
            raise SourceError([Problem(display(out), "--out", f"cannot publish the outputs here: {e.strerror}")]) from None
        published = True
        for path in written:
            log.info("wrote %s", display(path))
        return written, len(unchanged)
    finally:
        if not published:
            shutil.rmtree(staging, ignore_errors=True)
            if out.is_dir() and not any(out.iterdir()):
                out.rmdir()
