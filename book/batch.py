"""Batch handouts: one packet per row of a CSV file, rendered in worker processes.

Columns (a header row is required; only ``name`` and ``spots`` must be filled):
name, spots (e.g. "2 8 15"), side, notes, hold (e.g. 60 or 30-90), times_per_day, therapist, date (YYYY-MM-DD).
notes: "TEXT" for every page, "NUMBER: TEXT" for one spot's page, parts separated by " | ".
A bad row is reported with its line number; the other rows are still written.
"""
from __future__ import annotations

import csv
import logging
from pathlib import Path
from typing import Optional

from . import build
from .errors import Problem, SourceError, display
from .render import Personal

log = logging.getLogger("book")

COLUMNS = ("name", "spots", "side", "notes", "hold", "times_per_day", "therapist", "date")
REQUIRED = ("name", "spots")


def parse_row(row: dict, where: str, known: set[str]) -> tuple[list[str], Personal]:
    """One CSV row to (spot keys, personal details); raises SourceError naming line and column."""
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(where, column, message))

    value = {k: (row.get(k) or "").strip() for k in COLUMNS}
    for column in REQUIRED:
        if not value[column]:
            bad(column, "is empty")
    keys = value["spots"].replace(",", " ").split()
    for key in keys:
        if key not in known:
            bad("spots", f"no spot {key!r}")
    side = value["side"].lower() or "right"
    if side not in ("left", "right", "both"):
        bad("side", f"must be left, right or both, got {value['side']!r}")
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


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """The CSV's rows with their line numbers; a missing file or header is a SourceError."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise SourceError([Problem(display(path), "", f"cannot read: {e}")]) from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SourceError([Problem(f"{display(path)}:1", "header", f"missing column(s): {', '.join(missing)}; "
                                   f"known columns: {', '.join(COLUMNS)}")])
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise SourceError([Problem(f"{display(path)}:1", "header", f"unknown column(s): {', '.join(unknown)}; "
                                   f"known columns: {', '.join(COLUMNS)}")])
    reader.fieldnames = header
    return [(reader.line_num, dict(row)) for row in reader
            if any((v or "").strip() for v in row.values() if isinstance(v, str))]


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
