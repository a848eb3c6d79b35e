"""Batch handouts: one packet per row of a CSV file, rendered in worker processes.

Columns (a header row is required; only ``name`` and ``spots`` must be filled):
name, spots (e.g. "2 8 15"), side, notes, hold (e.g. 60 or 30-90), times_per_day, therapist, date (YYYY-MM-DD).
The file is UTF-8 (a spreadsheet's "CSV UTF-8"), with a comma, semicolon or tab between cells.
notes: "TEXT" for every page, "NUMBER: TEXT" for one spot's page, parts separated by " | ".
A bad row is reported with its line number; the other rows are still written.
"""
from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Optional

from . import build
from .errors import Problem, SourceError, display, echo
from .sources import read_file
from .render import Personal

log = logging.getLogger("book")

COLUMNS = ("name", "spots", "side", "notes", "hold", "times_per_day", "therapist", "date")
REQUIRED = ("name", "spots")


def parse_row(row: dict, where: str, known: set[str]) -> tuple[list[str], Personal]:
    """One CSV row to (spot keys, personal details); raises SourceError naming line and column."""
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(where, column, message))

    value = {k: (row.get(k) or "").strip() for k in COLUMNS}  # a cell's own line breaks stay
    for column in REQUIRED:
        if not value[column]:
            bad(column, "is empty")
    keys = value["spots"].replace(",", " ").split()
    for key in keys:
        if key not in known:
            bad("spots", f"no spot {echo(key)}")
    side = value["side"].lower() or "right"
    if side not in ("left", "right", "both"):
        bad("side", f"must be left, right or both, got {echo(value['side'])}")
    parsed: dict = {}
    for column, parse in (("hold", build.parse_hold), ("times_per_day", build.parse_times), ("date", build.parse_date)):
        if value[column]:
            try:
                parsed[column] = parse(value[column])
            except ValueError as e:
                bad(column, str(e))
    hold, times, date = (parsed.get(c) for c in ("hold", "times_per_day", "date"))
    notes, spot_notes = None, {}
    try:  # "Before runs." for every page; "8: Only after runs. | 2: Use the wall." for those spots' pages
        notes, spot_notes = build.parse_notes(value["notes"].split(" | "), where, "notes")
    except SourceError as e:
        problems += e.problems
    personal = Personal(client=value["name"] or None, date=date, side=side, hold_seconds=hold,
                        times_per_day=times, notes=notes, therapist=value["therapist"] or None, spot_notes=spot_notes)
    problems += build.personal_problems(personal, where, prefix="", keys=keys)
    if None in row:  # DictReader puts surplus cells under None
        bad("(row)", "more cells than columns; put a field that holds a comma in double quotes")
    if len(keys) > build.PACKET_WARN:
        log.warning("%s: warning: %d spots in one packet; 4 or fewer is easier to follow", where, len(keys))
    if problems:
        raise SourceError(problems)
    return keys, personal


DELIMITERS = (",", ";", "\t")  # spreadsheets save CSV with a comma, or a semicolon where the comma is a decimal mark
MAX_CSV_BYTES = 5_000_000
SAVE_AS = "in your spreadsheet, save it as \"CSV UTF-8\""


def decode_csv(data: bytes, name: str) -> str:
    """CSV bytes as text: UTF-8, with or without a byte-order mark; anything else is a SourceError."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError([Problem(name, "", f"is UTF-16 text, not UTF-8; {SAVE_AS}")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError([Problem(name, "", f"is not UTF-8 text (byte {e.start}); {SAVE_AS}")]) from None


def delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the known columns (comma, semicolon or tab)."""
    def columns(d: str) -> set[str]:
        return {h.strip().lower() for h in next(csv.reader([header_line], delimiter=d), [])}

    return max(DELIMITERS, key=lambda d: (len(columns(d) & set(COLUMNS)), d == ","))


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """The CSV's rows with the line each starts on; a missing file, a bad header or a broken row is a SourceError.

    Read whole as text (newline='' rules): a line break or U+2028 inside a quoted cell stays in the cell."""
    name = display(path)
    problems: list[Problem] = []
    data = read_file(path, None, problems, limit=MAX_CSV_BYTES)
    if data is None:
        raise SourceError(problems)
    text = decode_csv(data, name)
    lines = io.StringIO(text, newline="")
    first = text.split("\n", 1)[0].rstrip("\r")
    reader = csv.reader(lines, delimiter=delimiter(first), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as e:
        raise SourceError([Problem(f"{name}:1", "header", f"not a CSV header ({e})")]) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SourceError([Problem(f"{name}:1", "header", f"missing column(s): {', '.join(missing)}; "
                                   f"known columns: {', '.join(COLUMNS)}")])
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise SourceError([Problem(f"{name}:1", "header", f"unknown column(s): {', '.join(map(echo, unknown))}; "
                                   f"known columns: {', '.join(COLUMNS)}")])
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise SourceError([Problem(f"{name}:1", "header", f"column(s) given more than once: {', '.join(twice)}; "
                                   "keep one of each")])
    rows, start = [], reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise SourceError([Problem(f"{name}:{start}", "(row)", f"cannot be read as CSV: {e}")]) from None
        row = dict(zip(header, cells))
        if len(cells) > len(header):
            row[None] = cells[len(header):]
        if any(c.strip() for c in cells):
            rows.append((start, row))
        start = reader.line_num + 1
    return rows


def run_batch(job: build.Job, csv_path: Path, out: Path, workers: Optional[int] = None) -> tuple[int, int]:
    """Write one packet per row into OUT; returns (written, failed). Bad rows are logged, not fatal."""
    rows = read_rows(csv_path)
    book, _ = build.load(job)
    known = {str(s.number) for s in book.spots} | {s.slug for s in book.spots}
    tasks, failed, used = [], 0, set()
    for line, row in rows:
        where = f"{display(csv_path)}:{line}"
        try:
            keys, personal = parse_row(row, where, known)
        except SourceError as e:
            for problem in e.problems:
                log.error("%s", problem)
            failed += 1
            continue
        stem = build.safe_name(personal.client or "client")
        name, n = stem, 2
        while name in used:
            name, n = f"{stem}-{n}", n + 1
        used.add(name)
        tasks.append((keys, personal, out / f"{name}.pdf"))
    written = 0
    for task, result in build.parallel_handouts(job, tasks, workers):
        if isinstance(result, SourceError):
            for problem in result.problems:
                log.error("%s", problem)
            failed += 1
        else:
            log.info("wrote %s", display(result))
            written += 1
    return written, failed
