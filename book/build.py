"""Orchestration: load -> validate -> render -> write, atomically; handouts in parallel."""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import math
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

MAX_NOTES = 1200  # no page holds more; the real limit is measured on each page
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


def personal_problems(personal: Personal, where: str = "command line", prefix: str = "--",
                      keys: Optional[list[str]] = None) -> list[Problem]:
    """What cannot be printed: client and therapist names too long, notes for a spot not in the handout.

    How much of the notes fits is the room on each spot's page, measured when it is laid out
    (render_handout); MAX_NOTES only stops text no page could hold.
    """
    problems = []
    for field, value, limit in (("notes", personal.notes, MAX_NOTES), ("client", personal.client, MAX_NAME),
                                ("therapist", personal.therapist, MAX_NAME),
                                *(("notes", v, MAX_NOTES) for v in personal.spot_notes.values())):
        if value and len(value) > limit:
            problems.append(Problem(where, prefix + field, f"{len(value)} characters; at most {limit} fit on the page"))
        elif value and bad_characters(value):
            problems.append(Problem(where, prefix + field, f"{bad_characters(value)}, got {echo(value)}"))
    if keys is not None:
        for key in personal.spot_notes:
            if key not in keys:
                problems.append(Problem(where, prefix + "notes", f"a note for spot {key}, which is not in this "
                                        f"handout ({', '.join(keys)})"))
    return problems


_SPOT_NOTE = re.compile(r"^\s*(\d{1,2})\s*:\s*(.*)$", re.S)


def parse_notes(values: list[str], where: str = "command line", field: str = "--notes") -> tuple[Optional[str], dict[str, str]]:
    """Notes as given: 'TEXT' for every page, 'NUMBER: TEXT' for that spot's page only.

    Returns (the notes for every page, {spot number: its notes}); several notes for the same page are
    joined. An empty 'NUMBER:' note is a SourceError.
    """
    general, per_spot = [], {}
    for value in values:
        m = _SPOT_NOTE.match(value)
        if m and not m.group(2).strip():
            raise SourceError([Problem(where, field, f"the note for spot {m.group(1)} is empty")])
        if m:
            key = str(int(m.group(1)))
            per_spot[key] = " ".join(filter(None, [per_spot.get(key), m.group(2).strip()]))
        elif value.strip():
            general.append(value.strip())
    return (" ".join(general) or None), per_spot


MM = 25.4 / 96  # WeasyPrint lays out in CSS pixels


def _classes(box) -> list[str]:
    element = getattr(box, "element", None)
    return (element.get("class") or "").split() if element is not None and hasattr(element, "get") else []


def _find(box, cls: str):
    """The first box under BOX whose element has the class CLS."""
    for child in getattr(box, "children", None) or []:
        if cls in _classes(child):
            return child
        found = _find(child, cls)
        if found is not None:
            return found
    return None


def _bottom(box) -> float:
    """Where the content of BOX ends (its last in-flow child's margin edge), in CSS px."""
    ends = [c.position_y + c.margin_height() for c in getattr(box, "children", None) or [] if c.is_in_normal_flow()]
    return max(ends, default=box.content_box_y())


def _lines(box) -> list:
    from weasyprint.formatting_structure import boxes

    return [c for c in getattr(box, "children", None) or [] if isinstance(c, boxes.LineBox)]


def measure(page) -> dict:
    """Room on a laid-out handout page, in mm: what is left at the foot of the content area, the heights
    of the text column, the figure column and the body map, the widths of the two columns and of a
    character, what "Where it hurts" and the notes take, and a width for the title's lines."""
    root = page._page_box
    article = _find(root, "handout")
    area_bottom = root.content_box_y() + root.height
    main, aside, title = _find(article, "main"), _find(article, "aside"), _find(article, "balance")
    top = main.content_box_y() if main else 0
    figure = _find(aside, "bodymap") if aside else None
    press = _find(main, "press-picture") if main else None
    hurts = _find(aside, "hurts") if aside else None
    notes = _find(article, "notes")
    return {
        "spare": (area_bottom - _bottom(article)) * MM,
        "main": (_bottom(main) - top) * MM if main else 0.0,
        "aside": (_bottom(aside) - top) * MM if aside else 0.0,
        "figure": (figure.margin_height() * MM) if figure else 0.0,
        "figure_w": (aside.width * MM) if aside else 0.0,
        "text_w": (main.width * MM) if main else 0.0,
        "float_w": (press.margin_width() * MM) if press else 0.0,
        "hurts": [_run(block) for block in hurts.children] if hurts else [],
        "notes": (notes.margin_height() * MM, notes.width * MM) if notes else (0.0, 0.0),
        "char_mm": _char_mm(_find(main, "summary")) if main else 0.0,
        "title_mm": balanced_width(title),
    }


def _char_mm(block) -> float:
    """The mean width of a character in BLOCK's lines, in mm (0 if it has none)."""
    lines = _lines(block) if block is not None else []
    chars = sum(len(child.text) for line in lines for child in line.children if getattr(child, "text", None))
    width = sum(child.margin_width() for line in lines for child in line.children if getattr(child, "text", None))
    return width * MM / chars if chars else 0.0


def _run(block) -> tuple[float, float, int]:
    """(mm of text set on one line, line height mm, lines) of a heading or paragraph."""
    lines = _lines(block)
    text = sum(child.margin_width() for line in lines for child in line.children) * MM
    return text, (lines[0].height * MM if lines else 0.0), len(lines)


def balanced_width(title) -> Optional[float]:
    """A width for a title of several lines in which the same number of lines come out about equally
    long (WeasyPrint has no text-wrap: balance): the narrowest width at which breaking the words, as
    measured in the first layout, still gives that many lines, plus a little slack."""
    lines = _lines(title) if title is not None else []
    if len(lines) < 2:
        return None
    words, space = [], 0.0
    for line in lines:
        for child in line.children:
            text, width = getattr(child, "text", None), child.margin_width() * MM
            if text is None:  # the spot's number: kept whole
                words.append(width)
                continue
            per_char = width / max(1, len(text))
            space = space or per_char
            words += [len(word) * per_char for word in text.split(" ") if word]

    def count(width: float) -> int:
        n, used = 1, 0.0
        for w in words:
            if used and used + space + w > width:
                n, used = n + 1, w
            else:
                used += (space if used else 0) + w
        return n

    low, high = max(words), title.width * MM
    for _ in range(24):
        middle = (low + high) / 2
        low, high = (low, middle) if count(middle) <= len(lines) else (middle, high)
    return round(min(title.width * MM, high * 1.04 + 2), 1)


def foot_problem(document, profile: practice.Profile, paper: str) -> Optional[Problem]:
    """The disclaimer and footer line must end 4.5 mm above the paper's edge (printers cannot reach it)."""
    from weasyprint.formatting_structure import boxes

    for page in document.pages:
        for margin in page._page_box.children:
            if not isinstance(margin, boxes.MarginBox) or not _find(margin, "foot"):
                continue
            foot = _find(margin, "foot")
            over = (foot.position_y + foot.margin_height()) * MM - (page.height * MM - 4.5)
            if over > 0.2:
                chars = len((profile.practice.disclaimer or profile.labels["disclaimer"]) + (profile.practice.footer or ""))
                per_mm = chars / max(1.0, foot.height * MM)
                field = "footer" if profile.practice.footer and not profile.practice.disclaimer else "disclaimer"
                return Problem(display(profile.folder / "practice.yaml"), field,
                               f"the footer (disclaimer, the sheet's 'not a diagnosis' line, address and footer) "
                               f"runs {over:.0f} mm past the foot of the {paper} page; shorten the disclaimer or the "
                               f"footer by about {max(10, round(over * per_mm + 20, -1)):.0f} characters")
    return None




def _page_of(document, i: int):
    return next(page for page in document.pages if f"handout-{i}" in page.anchors)


def _spans(document, i: int) -> int:
    """How many pages the handout of the I-th spot (from 1) runs across."""
    return sum(1 for page in document.pages if f"handout-{i}" in page.anchors)


def fit_problems(document, spots: list, personal: Personal, paper: str, profile: practice.Profile) -> list[Problem]:
    """Each spot on exactly one page; the notes within the room its page has; the footer on the paper."""
    problems = []
    for i, spot in enumerate(spots, 1):
        pages = [page for page in document.pages if f"handout-{i}" in page.anchors]
        if len(pages) <= 1:
            continue
        # what runs over, less the room its first page kept (a block that may not split moves whole)
        over = sum(overflow_mm(page) for page in pages[1:]) - measure(pages[0])["spare"]
        notes = render.page_notes(spot, personal)
        if notes:
            problems.append(notes_problem(pages, spot, notes, over, paper))
        else:
            problems.append(Problem(display(spot.source), "handout",
                                    f"spot {spot.number} does not fit on one {paper} page: about {max(1, round(over))} mm "
                                    f"runs onto a second page; shorten its text"))
    foot = foot_problem(document, profile, paper)
    if foot:
        problems.append(foot)
    p = profile.practice
    foot_line = " · ".join(x for x in (p.name, p.contact.address, p.footer) if x)
    for page in document.pages:
        spill = off_page(page)
        if spill and spill in foot_line:
            problems.append(Problem(display(profile.folder / "practice.yaml"), "name, contact.address, footer",
                                    f"together they do not fit the {paper} page's foot line ({echo(spill)} runs off "
                                    "the page); shorten one of them"))
            break
        if spill:
            problems.append(Problem("handout", "layout", f"text runs off the {paper} page: {echo(spill)}; "
                                    "shorten the client or therapist name, or the practice's footer text"))
            break
    return problems


def notes_problem(pages: list, spot, notes: list[str], over_mm: float, paper: str) -> Problem:
    """How many characters of notes fit on SPOT's page, estimated from the lines the notes took (or that
    the page has no room for notes)."""
    chars = sum(len(n) for n in notes)
    lines, line_mm = 0, 6.0
    for page in pages:
        box = _find(page._page_box, "notes")
        for para in [c for c in getattr(box, "children", None) or [] if c.element_tag == "p"]:
            found = _lines(para)
            lines += len(found)
            if found:
                line_mm = found[0].height * MM
    per_line = chars / max(1, lines)
    fit = int(chars - (over_mm / line_mm + 1) * per_line)
    if fit < 10:
        return Problem("handout", "notes", f"spot {spot.number}'s {paper} page has no room for notes; give them to "
                                           f"another spot's page (--notes \"SPOT: ...\") or print on other paper")
    fit = int(fit // 10 * 10)
    return Problem("handout", "notes", f"{chars} characters of notes do not fit on spot {spot.number}'s {paper} page; "
                                       f"about {fit} characters fit (shorten the notes, or give this spot its own: "
                                       f"--notes \"{spot.number}: ...\")")


def render_handout(book: Book, profile: practice.Profile, spots: list, personal: Personal, paper: str, fill: bool = True):
    """Lay out a handout or packet and check that every spot fits on exactly one page.

    The first layout has every body map at its smallest (render.FIGURE_MIN_MM tall, FIGURE_WIDTH_MM
    wide); if a page does not fit that way, it does not fit (SourceError). From the room each page
    left, its body map then takes the column's full height, in a wider column where the body part is
    wider than tall and the text can give up the width (grow), and long titles are balanced. A third
    layout, measured at the new widths, gives the body map what the estimate left over. A page the
    estimate made too full keeps its column at the least width. So no page ends in a blank band.
    fill=False stops after the first layout (enough to know that it fits).
    """
    layout = Layout({} for _ in spots)
    document = _layout(book, profile, spots, personal, paper, layout)
    problems = fit_problems(document, spots, personal, paper, profile)
    if problems:  # a page that runs over may fit with its two columns evened out
        layout = Layout(balance(measure(_page_of(document, i + 1)), bool(render.page_notes(spot, personal)))
                        if _spans(document, i + 1) > 1 else {} for i, spot in enumerate(spots))
        if not any(layout):
            raise SourceError(problems)
        document = _layout(book, profile, spots, personal, paper, layout)
        problems = fit_problems(document, spots, personal, paper, profile)
        if problems:
            raise SourceError(problems)
    if not fill:
        return document
    cover = [page for page in document.pages if "cover" in page.anchors]
    if len(cover) > 1:  # a long plan: a smaller map, so the cover stays one page
        over = sum(overflow_mm(page) for page in cover[1:])
        layout.cover_map_mm = max(40.0, render.COVER_MAP_MM - over - 4)
    elif cover:  # a short plan: a larger map
        root = cover[0]._page_box
        spare = (root.content_box_y() + root.height - _bottom(_find(root, "cover"))) * MM
        layout.cover_map_mm = render.COVER_MAP_MM + max(0.0, spare - 1.0)
    first = [measure(_page_of(document, i + 1)) for i in range(len(spots))]
    before = list(layout)
    for i, spot in enumerate(spots):
        layout[i] = plan(layout[i], first[i], drawn(spot, personal, profile))
    filled = _layout(book, profile, spots, personal, paper, layout)
    fits = [_spans(filled, i + 1) == 1 for i in range(len(spots))]
    if not all(fits):  # the estimate overshot on some page: those keep their column at the least width
        for i, ok in enumerate(fits):
            layout[i] = layout[i] if ok else plan(before[i], first[i], None)
        filled = _layout(book, profile, spots, personal, paper, layout)
    if fit_problems(filled, spots, personal, paper, profile):
        return document
    # Measured again at its new width, each page gives its body map what the estimate left over.
    again = Layout(grow(layout[i], measure(_page_of(filled, i + 1)), drawn(spot, personal, profile))
                   for i, spot in enumerate(spots))
    if all(abs(a.get("figure_mm", 0) - b.get("figure_mm", 0)) < 2 and a.get("figure_w_mm") == b.get("figure_w_mm")
           for a, b in zip(again, layout)):
        return filled
    again.cover_map_mm = layout.cover_map_mm
    final = _layout(book, profile, spots, personal, paper, again)
    return filled if fit_problems(final, spots, personal, paper, profile) else final


class Layout(list):
    """Per spot, what render.handout_html takes in `layout`; and the cover map's height."""

    cover_map_mm: Optional[float] = None


def _layout(book, profile, spots, personal, paper, layout: Layout):
    from . import pdf  # WeasyPrint loads only when a PDF is made

    html = render.handout_html(book, spots, profile, personal, layout, cover_map_mm=layout.cover_map_mm)
    return pdf.render(html, profile, "handout", paper, base=profile.folder)


def drawn(spot, personal: Personal, profile: practice.Profile):
    """The size SPOT's body map takes in a box of (width, height) mm on its page (render.drawn_size)."""
    side = personal.spot_dose.get(str(spot.number), {}).get("side") or personal.side or "right"
    return lambda box: render.drawn_size(spot, box, side=side, labels=profile.labels)


SLACK_MM = 3.0  # what the estimates keep back, so that rounding never pushes the safety block over
LINE_CHARS = 60  # the text column never narrower than this many characters a line (house style: 60 to 75)
WIDTH_STEP_MM = 2.0


def plan(entry: dict, room: dict, drawn=None) -> dict:
    """ENTRY (how the page was laid out) with its title balanced and its body map grown (grow), from
    the room that layout left (measure)."""
    return grow({**entry, "title_mm": room["title_mm"]}, room, drawn)


def _wider(room: dict, beside: float):
    """(width, the text column's height as estimated) for each wider body-map column the text column
    can give up, in steps. BESIDE: the share of the text's lines taken to run beside the press picture,
    which narrow most (1: all of them, so that the estimate overshoots the text's growth)."""
    width = round(room["figure_w"], 1)
    text = room["text_w"] - beside * room.get("float_w", 0.0)
    narrowest = LINE_CHARS * (room.get("char_mm") or 2.0)
    w = width
    while room["text_w"] - (w + WIDTH_STEP_MM - width) >= narrowest:
        w += WIDTH_STEP_MM
        yield w, room["main"] * text / (text - (w - width))


def balance(room: dict, notes: bool = False) -> dict:
    """For a page that runs over: its notes moved into the text column under the steps when that column
    ends well above the body map's, else a wider body-map column where the figure column (the body map
    at its smallest, then "Where it hurts") runs below the text column: the width at which the taller
    of the two, as estimated, is shortest; {} if that saves too little to matter."""
    tall, wide = room["notes"]
    if notes and tall and room["aside"] - room["main"] > tall * wide / room["text_w"]:
        return {"notes_beside": True}  # set narrower, the notes take more lines, as estimated
    now = max(room["main"], room["aside"])
    best = (None, now)
    for w, main in _wider(room, 0.5):
        # "Where it hurts" set again at the new width, each line a tenth short of full
        fewer = sum((n - math.ceil(run / (0.9 * w))) * line for run, line, n in room["hurts"])
        aside = room["aside"] - max(0.0, fewer)
        if max(main, aside) < best[1]:
            best = (w, max(main, aside))
    return {"figure_w_mm": best[0]} if best[1] < now - 2.0 else {}


def grow(entry: dict, room: dict, drawn=None) -> dict:
    """ENTRY with its body map's box sized from the ROOM a layout left: the box takes the column's full
    height; if the body part is wider than tall, the column widens (the text column narrowing, and so
    growing, within the height there is) until the drawing fills that height or the text would run too
    long. Without DRAWN the column keeps its width."""
    height = max(room["main"], room["aside"]) + room["spare"] - SLACK_MM  # what the columns may take
    box = height - (room["aside"] - room["figure"])  # less "Where it hurts", under the body map
    width = round(room["figure_w"], 1)
    best = (width, drawn((width, box))[1] if drawn else box)
    for w, main in _wider(room, 1.0) if drawn else ():
        # "Where it hurts" gets no shorter in a wider column, to be safe
        if best[1] >= box - 0.5 or main > height:
            break
        tall = drawn((w, box))[1]
        if tall > best[1] + 0.5:
            best = (w, tall)
    # The box fills the column (a view of the whole body is framed taller to fill it; a head or a foot
    # as wide as it may be sits in the middle of it), so the page ends at the safety block.
    entry = {**entry, "figure_mm": round(max(render.FIGURE_MIN_MM, box), 1)}
    width = min(best[0], entry["figure_mm"] - 1)  # the box stays taller than wide, beside the text
    entry.pop("figure_w_mm", None)
    if width != render.FIGURE_WIDTH_MM:
        entry["figure_w_mm"] = width
    return entry


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
    return (bottom - top) * MM


# What `check` lays every spot out with: the longest a client's details are likely to be.
SAMPLE_PERSONAL = Personal(
    client="Maximiliana Theodora Konstantinopoulou-Vasilakis", date=dt.date(2026, 12, 31), side="both",
    hold_seconds=(30, 90), times_per_day=2, therapist="Dr Bartholomew Featherstonehaugh",
    notes="Press before your run, never after. Go lighter on the left side this week, and tell me at your "
          "next visit how the ache felt the morning after.")


def check_handouts(book: Book, profile: practice.Profile) -> tuple[list[Problem], list[str]]:
    """Lay out every spot's handout on A4 and on Letter, as the build would: the stock sheet on the
    practice's paper (what a build writes) must fit, else a problem (on the other paper, a warning); a sheet with a long client name, a two-line note and every field
    filled is the hard case a clinic may meet, and a spot that would not fit it is a warning."""
    problems: list[Problem] = []
    warnings: list[str] = []
    own = profile.practice.paper
    for paper in (own, *(p for p in ("a4", "letter") if p != own)):
        try:
            render_handout(book, profile, book.spots, Personal(), paper, fill=False)
        except SourceError as e:
            if paper == own:  # what the build writes
                problems += e.problems
            else:  # only with --paper
                warnings += [f"{p.file}: {p.field}: with --paper {paper}: {p.message}" for p in e.problems]
            continue
        try:
            render_handout(book, profile, book.spots, SAMPLE_PERSONAL, paper, fill=False)
        except SourceError as e:
            for p in e.problems:
                warnings.append(f"{p.file}: {p.field}: with a long client name, a therapist and a two-line note: "
                                f"{p.message}")
    return list(dict.fromkeys(problems)), list(dict.fromkeys(warnings))


def write_handout(job: Job, keys: list[str], personal: Personal, out: Path, book=None, profile=None) -> Path:
    if book is None:
        book, profile = load(job)
    spots = pick_spots(book, keys)
    problems = personal_problems(personal, keys=[*keys, *(str(s.number) for s in spots)])
    if problems:
        raise SourceError(problems)
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


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _ignore_interrupts(main: int) -> None:
    """Workers leave Ctrl-C and SIGTERM to the main process MAIN, which stops them (no tracebacks from
    them), and die with it: a killed build leaves no worker writing on."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)  # blocked by handout_pool while it forked
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
    already holds, is handed to the workers by forking, and so is WeasyPrint, imported first. When the
    caller stops early (an error, Ctrl-C, SIGTERM), the workers are stopped at once.
    """
    from . import pdf  # noqa: F401  (WeasyPrint imported here once, before the workers fork, not in each)

    workers = workers or max(1, min(len(tasks), cores() - reserve))
    _worker_state.update(job=job, loaded=loaded or load(job))
    context = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_start, initargs=(job, os.getpid()))
    try:
        # The workers fork as the tasks go in. Ctrl-C and SIGTERM wait meanwhile: one arriving mid-fork
        # would reach a worker before it ignores it, or be swallowed by a fork hook in this process.
        signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        try:
            futures = [(task, pool.submit(_worker_handout, job, *task)) for task in tasks]
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
        yield futures
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
    shutil.rmtree(staging / ".old-book", ignore_errors=True)
    shutil.rmtree(staging / ".old-handouts", ignore_errors=True)


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
    from . import pdf  # noqa: F401  (WeasyPrint, and the helpers it runs to find its libraries, before any output)

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
