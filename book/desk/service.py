"""Every call the desk makes into the compiler, in one place.

Renders run in a process pool sized to the cores, each worker loading the sources and the
practice once; nothing here renders in the caller's event loop. Previews (a PNG of the first
page) and figure thumbnails are cached by their parameters.
"""
from __future__ import annotations

import asyncio
import collections
import csv
import dataclasses
import datetime as dt
import io
import logging
import os
import tempfile
import threading
import zipfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Optional

from .. import batch, build, render
from ..bodymap.geometry import mirror, path_d
from ..bodymap.views import REGION_NAMES, VIEW_DATA
from ..errors import Problem, SourceError
from ..render import Personal

log = logging.getLogger("book.desk")
TEMP_PREFIX = "perfect-spots-desk-"
SIDES = ("right", "left", "both")
PAPERS = ("a4", "letter")
MAX_SPOTS = 15
MAX_BATCH_ROWS = 200


class Invalid(Exception):
    """Bad input: field name -> message, for a 422 answer."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclasses.dataclass(frozen=True)
class PacketRequest:
    """A checked request for a packet: the spots in page order, what is printed on every page, and
    each spot's own side, hold, times a day and note where the therapist set them (``own``, as typed)."""

    keys: tuple[str, ...]
    personal: Personal
    paper: str
    own: tuple[tuple[tuple[str, str], ...], ...] = ()  # per key: ((field, value), ...)

    def page(self, i: int) -> Personal:
        """The details printed on page I: the packet's, with that spot's own values over them."""
        own = dict(self.own[i]) if self.own else {}
        if not own:
            return self.personal
        p = self.personal
        return dataclasses.replace(
            p, side=own.get("side", p.side),
            hold_seconds=build.parse_hold(own["hold"]) if "hold" in own else p.hold_seconds,
            times_per_day=build.parse_times(own["times_per_day"]) if "times_per_day" in own else p.times_per_day,
            notes=" ".join(n for n in (p.notes, own.get("note")) if n) or None)

    def packet(self) -> Personal:
        """One Personal for the whole packet: each spot's own side, hold and times a day in
        ``spot_dose``, its own note in ``spot_notes``, so one render makes the packet and its cover."""
        dose, notes = {}, {}
        for i, key in enumerate(self.keys):
            own = dict(self.own[i]) if self.own else {}
            values = {"side": own.get("side"),
                      "hold_seconds": build.parse_hold(own["hold"]) if "hold" in own else None,
                      "times_per_day": build.parse_times(own["times_per_day"]) if "times_per_day" in own else None}
            if any(values.values()):
                dose[key] = {k: v for k, v in values.items() if v}
            if own.get("note"):
                notes[key] = own["note"]
        return dataclasses.replace(self.personal, spot_dose=dose, spot_notes=notes)

    @property
    def pages(self) -> list[tuple[str, Personal]]:
        return [(key, self.page(i)) for i, key in enumerate(self.keys)]

    @property
    def cache_key(self) -> tuple:
        p = self.personal
        return (self.keys, self.paper, p.client, p.date, p.side, p.hold_seconds, p.times_per_day, p.notes, p.therapist,
                self.own)


OWN_FIELDS = ("side", "hold", "times_per_day", "note")


# ------------------------------------------------------------------ worker processes
_state: dict = {}


def _worker_init(job: build.Job) -> None:
    _state["loaded"] = build.load(job)


def _problems(e: SourceError) -> list[tuple[str, str, str]]:
    return [(p.file, p.field, p.message) for p in e.problems]


def _write_pdf(job: build.Job, keys: list[str], personal: Personal, paper: str, folder: Path) -> Path:
    """Write the packet (one render: its cover and a page per spot, each with its own side and dose)."""
    book, profile = _state.get("loaded") or build.load(job)
    out = folder / "packet.pdf"
    build.write_handout(dataclasses.replace(job, paper=paper), keys, personal, out, book=book, profile=profile)
    return out


def _pdf_task(job: build.Job, keys: list[str], personal: Personal, paper: str):
    """('ok', PDF bytes) or ('error', problems); the temporary folder is removed either way."""
    try:
        with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as tmp:
            return "ok", _write_pdf(job, keys, personal, paper, Path(tmp)).read_bytes()
    except SourceError as e:
        return "error", _problems(e)


def _preview_task(job: build.Job, key: str, personal: Personal, paper: str, width: int):
    """('ok', PNG bytes of the first page) or ('error', problems).

    Only the first spot is laid out (the first page does not depend on the others); its PDF,
    untagged because nobody keeps it, is rasterised in memory by PDFium: no file is written."""
    import pypdfium2

    try:
        book, profile = _state.get("loaded") or build.load(job)
        if build.personal_problems(personal):
            raise SourceError(build.personal_problems(personal))
        document = build.render_handout(book, profile, build.pick_spots(book, [key]), personal, paper)
        pdf_doc = pypdfium2.PdfDocument(document.write_pdf())
        try:
            page = pdf_doc[0]
            image = page.render(scale=width / page.get_width()).to_pil()
        finally:
            pdf_doc.close()
        out = io.BytesIO()
        image.save(out, "PNG", optimize=False)
        return "ok", out.getvalue()
    except SourceError as e:
        return "error", _problems(e)


class LRU:
    """A small thread-safe least-recently-used cache."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, collections.OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        return None

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


class Compiler:
    """The book and practice the desk serves, and the pool that renders for it."""

    def __init__(self, job: build.Job, workers: Optional[int] = None):
        self.job = job
        self.book, self.profile = build.load(job)  # SourceError on bad sources: the desk does not start
        self.workers = workers or os.cpu_count() or 1
        self.pool: Optional[ProcessPoolExecutor] = None
        self.previews = LRU(128)
        self.thumbs = LRU(256)
        self.practice_name = job.practice or self.profile.practice.name

    # ---------------------------------------------------------- the pool
    def start(self) -> None:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.workers, initializer=_worker_init, initargs=(self.job,))
            for f in [self.pool.submit(os.getpid) for _ in range(self.workers)]:
                f.result()  # workers up and loaded before the first request

    def stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    async def _run(self, fn, *args):
        self.start()
        loop = asyncio.get_running_loop()
        try:
            status, value = await loop.run_in_executor(self.pool, fn, self.job, *args)
        except BrokenProcessPool:  # a worker died (out of memory, killed): start fresh ones and try once more
            log.warning("a render worker stopped; starting new ones")
            self.stop()
            self.start()
            status, value = await loop.run_in_executor(self.pool, fn, self.job, *args)
        if status == "error":
            raise SourceError([Problem(*p) for p in value])
        return value

    # ---------------------------------------------------------- what the desk shows
    @property
    def default_paper(self) -> str:
        return build.paper_of(self.job, self.profile)

    @property
    def spots(self) -> list:
        return self.book.spots

    def spot(self, number: int):
        return next((s for s in self.book.spots if s.number == number), None)

    def thumbnail(self, number: int) -> Optional[str]:
        """A spot's body-map figure as SVG text, or None for an unknown spot."""
        cached = self.thumbs.get(number)
        if cached is None:
            spot = self.spot(number)
            if spot is None:
                return None
            target = render.Target("epub")
            render.spot_figure(spot, target, colors=self.profile.figure_colors, labels=self.profile.labels)
            cached = next(iter(target.images.values())).decode()
            self.thumbs.put(number, cached)
        return cached

    def overview(self) -> str:
        """Front and back of the body with every spot numbered, as SVG text."""
        cached = self.thumbs.get("overview")
        if cached is None:
            target = render.Target("epub")
            render.overview_figure(self.book, target, colors=self.profile.figure_colors, labels=self.profile.labels)
            cached = next(iter(target.images.values())).decode()
            self.thumbs.put("overview", cached)
        return cached

    def finder(self) -> list[tuple[str, list]]:
        """Each pain area named in the sources and the spots that send pain there."""
        return render.finder(self.book)

    # ---------------------------------------------------------- the body map's clickable areas
    def outlines(self) -> list[dict]:
        """The front and back body outlines the clickable areas sit on, in the same view units."""
        return [{"offset": offset, "d": path_d(VIEW_DATA[view].outline)} for offset, view in ((0, "front"), (200, "back"))]

    def map_areas(self) -> list[dict]:
        """Clickable regions of the front and back views, each with the spots whose pain reaches it.

        A spot matches a region when its referral zones name it, or when one of its pain areas is
        a word of the region's plain name ("thigh" matches "outer thigh").
        """
        cached = self.thumbs.get("areas")
        if cached is not None:
            return cached
        areas = []
        for offset, view in ((0, "front"), (200, "back")):
            v = VIEW_DATA[view]
            for name, points in v.regions.items():
                words = set(REGION_NAMES.get(name, name).replace("-", " ").split())
                spots = [s.number for s in self.book.spots if self._matches(s, view, name, words)]
                if not spots:
                    continue
                d = [path_d(points), path_d(mirror(points, v.width))]
                areas.append({"id": f"{view}:{name}", "label": f"{REGION_NAMES.get(name, name)} ({view})",
                              "paths": d, "offset": offset, "spots": spots,
                              "size": _extent(points)})
        areas.sort(key=lambda a: -a["size"])  # small regions drawn last, on top
        self.thumbs.put("areas", areas)
        return areas

    @staticmethod
    def _matches(spot, view: str, region: str, words: set[str]) -> bool:
        zones = [z for z in [*spot.referral.essential, *spot.referral.spillover] if isinstance(z, str)]
        if spot.location.view == view and region in zones or f"{view}:{region}" in zones:
            return True
        return any(set(area.lower().split()) <= words for area in spot.pain_areas)

    # ---------------------------------------------------------- checking a request
    def check(self, fields: dict) -> PacketRequest:
        """Turn form or JSON fields into a PacketRequest; Invalid names every bad field."""
        errors: dict[str, str] = {}
        text = lambda k: (str(fields.get(k) or "")).strip()
        raw = fields.get("spots") or []
        if isinstance(raw, (str, int)):
            raw = str(raw).replace(",", " ").split()
        keys = [str(k).strip() for k in raw if str(k).strip()]
        known = {str(s.number) for s in self.book.spots} | {s.slug for s in self.book.spots}
        if not keys:
            errors["spots"] = "choose at least one spot"
        elif len(keys) > MAX_SPOTS:
            errors["spots"] = f"at most {MAX_SPOTS} spots in one packet"
        else:
            unknown = [k for k in keys if k not in known]
            if unknown:
                errors["spots"] = f"no spot {unknown[0]!r} (known: {', '.join(str(s.number) for s in self.book.spots)})"
        side = text("side").lower() or "right"
        if side not in SIDES:
            errors["side"] = f"must be left, right or both, got {side!r}"
        paper = text("paper").lower() or self.default_paper
        if paper not in PAPERS:
            errors["paper"] = f"must be a4 or letter, got {paper!r}"
        parsed: dict = {}
        for field, parse in (("hold", build.parse_hold), ("times_per_day", build.parse_times), ("date", build.parse_date)):
            if text(field):
                try:
                    parsed[field] = parse(text(field))
                except ValueError as e:
                    errors[field] = str(e)
        personal = Personal(client=text("client") or None, date=parsed.get("date") or dt.date.today(), side=side,
                            hold_seconds=parsed.get("hold"), times_per_day=parsed.get("times_per_day"),
                            notes=text("notes") or None, therapist=text("therapist") or None)
        for p in build.personal_problems(personal, prefix=""):
            errors.setdefault(p.field, p.message)
        own = self._own(fields.get("per_spot") or {}, keys, errors)
        if errors:
            raise Invalid(errors)
        request = PacketRequest(tuple(keys), personal, paper, own if any(own) else ())
        for i, key in enumerate(keys):
            for p in build.personal_problems(request.page(i), prefix=""):
                errors.setdefault(f"note-{key}" if p.field == "notes" else p.field, p.message)
        if errors:
            raise Invalid(errors)
        return request

    @staticmethod
    def _own(per_spot, keys: list[str], errors: dict) -> tuple:
        """Each spot's own side, hold, times a day and note, checked like the packet's; errors as FIELD-KEY."""
        if not isinstance(per_spot, dict):
            errors["per_spot"] = "must map spot numbers to their own side, hold, times_per_day and note"
            return ()
        unknown = [k for k in per_spot if str(k) not in keys]
        if unknown:
            errors["per_spot"] = f"spot {unknown[0]!r} is not in the packet"
        own = []
        for key in keys:
            given = per_spot.get(key) or {}
            if not isinstance(given, dict):
                errors[f"per_spot-{key}"] = "must be an object"
                own.append(())
                continue
            values = []
            for field, value in given.items():
                value = "" if value is None else str(value).strip()
                if field not in OWN_FIELDS:
                    errors[f"{field}-{key}"] = "unknown field"
                elif value:
                    try:
                        if field == "side" and value.lower() not in SIDES:
                            raise ValueError(f"must be left, right or both, got {value!r}")
                        if field == "hold":
                            build.parse_hold(value)
                        if field == "times_per_day":
                            build.parse_times(value)
                        values.append((field, value.lower() if field == "side" else value))
                    except ValueError as e:
                        errors[f"{field}-{key}"] = str(e)
            own.append(tuple(sorted(values)))
        return tuple(own)

    # ---------------------------------------------------------- rendering
    async def pdf(self, request: PacketRequest) -> bytes:
        return await self._run(_pdf_task, list(request.keys), request.packet(), request.paper)

    async def preview(self, request: PacketRequest, width: int = 560) -> bytes:
        cache_key = (request.cache_key, width)
        cached = self.previews.get(cache_key)
        if cached is None:
            spot, personal = request.pages[0]
            cached = await self._run(_preview_task, spot, personal, request.paper, width)
            self.previews.put(cache_key, cached)
        return cached

    # ---------------------------------------------------------- batch
    async def batch(self, data: bytes) -> tuple[list[dict], Optional[bytes]]:
        """One packet per CSV row: per-row results and a zip of the packets made (None if none)."""
        with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as tmp:
            path = Path(tmp) / "clients.csv"
            path.write_bytes(data)
            try:
                rows = batch.read_rows(path)
            except SourceError as e:
                raise Invalid({"file": "; ".join(p.message for p in e.problems)}) from None
        if not rows:
            raise Invalid({"file": "the CSV has a header but no rows"})
        if len(rows) > MAX_BATCH_ROWS:
            raise Invalid({"file": f"{len(rows)} rows; at most {MAX_BATCH_ROWS} in one upload"})
        known = {str(s.number) for s in self.book.spots} | {s.slug for s in self.book.spots}
        results, jobs, used = [], [], set()
        for line, row in rows:
            result = {"line": line, "name": (row.get("name") or "").strip(), "problems": [], "file": None}
            results.append(result)
            try:
                keys, personal = batch.parse_row(row, f"line {line}", known)
            except SourceError as e:
                result["problems"] = [f"{p.field}: {p.message}" for p in e.problems]
                continue
            if personal.date is None:
                personal = dataclasses.replace(personal, date=dt.date.today())
            stem = name = build.safe_name(personal.client or "client")
            n = 2
            while name in used:
                name, n = f"{stem}-{n}", n + 1
            used.add(name)
            result["file"] = f"{name}.pdf"
            jobs.append((result, self.pdf(PacketRequest(tuple(keys), personal, self.default_paper))))
        done = await asyncio.gather(*(j for _, j in jobs), return_exceptions=True)
        buffer, made = io.BytesIO(), 0
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for (result, _), value in zip(jobs, done):
                if isinstance(value, SourceError):
                    result["problems"] = [f"{p.field}: {p.message}" for p in value.problems]
                    result["file"] = None
                elif isinstance(value, BaseException):
                    raise value
                else:
                    zf.writestr(result["file"], value)
                    made += 1
        return results, (buffer.getvalue() if made else None)


def _extent(points) -> float:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return (max(xs) - min(xs)) * (max(ys) - min(ys))


def sample_csv() -> str:
    """A header row and one example, for the batch page."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(batch.COLUMNS)
    writer.writerow(["Ana Souza", "2 8", "left", "Before runs.", "60", "2", "Sam Lee", ""])
    return out.getvalue()


def templates():
    """The project's one Jinja environment; the desk's pages are its "desk/" templates."""
    return render.environment()


def loopback(host: str) -> bool:
    """True for localhost and the loopback addresses (127.0.0.0/8, ::1)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
