"""Body maps: where a trigger point is and where its pain is felt, as SVG drawn for a printed size.

Five views (front, back, side, head, sole) are drawn from smooth outlines in
views.py. Chapters name pain areas with region names and the trigger point with
a landmark name or an [x, y] position in percent of the view, always for the
body's right side; ``side="left"`` mirrors, ``side="both"`` draws both sides
(on the close-up views it draws the right side and says so in the text).
A zone may name a region of another view ("front:front-of-shoulder"); the figure
then shows both views side by side with one key.

A figure is laid out for a box in millimetres (``box_mm``): the body part is
framed by one of the view's named frames (the smallest that holds the marker,
the zones and the muscle), scaled to fill the box, and every mark is drawn in
millimetres, so the X, the key's text and the outline keep their printed size
whatever the zoom. The SVG's user unit is the millimetre.

About the outlines: we looked at the PyPI package anatomapa (MIT, front and
back silhouettes derived from the public-domain gganatogram outlines, 32
coarse regions). Its shapes are straight-edged polygons on a pixel grid, the
two halves of the body differ, and it has no side, head or sole view, so we
draw every view ourselves from a few points each, joined by smooth cubic
Béziers (geometry.py), with one half of the front/back body mirrored to the
other. Zones and muscles go through shapely (shapes.py): joined, clipped by
the outline, rounded, and written back as Bézier curves.
"""
from __future__ import annotations

import difflib
import functools
import html
from dataclasses import dataclass
from typing import Optional, Sequence

from shapely.geometry import Point, box

from ..model import Colors
from . import shapes
from .geometry import _n, area, flatten, inside, mirror, path_d
from .views import REGION_NAMES, VIEW_DATA, View

VIEWS: tuple[str, ...] = ("front", "back", "side", "head", "sole")
SIDES = ("right", "left", "both")
SIZES = {  # printed box (width, height) in mm each output gives a spot's figure
    "handout": (90.0, 115.0),
    "book": (44.0, 66.0),  # the box styles/book.css gives figure.bodymap
    "epub": (80.0, 110.0),
    "map": (170.0, 165.0),  # the book's map of all spots: the text column of an A4 page
}

DEFAULT_COLORS = {k: getattr(Colors(), k) for k in ("marker", "essential", "spillover")}  # defaults live in model.py
DEFAULT_LABELS = {"legend_marker": "Trigger point", "legend_essential": "Main pain", "legend_spillover": "May also hurt",
                  "front": "Front", "back": "Back", "side": "Side", "head": "Head", "sole": "Sole"}
SKIN = "#f7f4f1"
INK = "#2b2b2b"
GUIDE = "#8c8682"
ARM = "#5d5955"  # a limb drawn over the body (the side view's arm): lines only, so zones show through
MUSCLE = "#ecd2c4"
MUSCLE_EDGE = "#9c6b57"

# printed sizes, millimetres
X_ARM = 1.4  # half the X's width: the X is 2.8 mm, 4.1 mm with its halo
X_INK, X_HALO = 0.65, 1.3
TEXT = 3.3  # key text: 9.4 pt
LABEL = 4.25  # a view's name over it, when a figure has several: 12 pt, like the page's text
OUTLINE, GUIDE_W, MUSCLE_W = 0.35, 0.2, 0.22
GAP = 3.0  # between views, and between the picture and the key
PAD = 3.0  # view units kept around the marker and zones inside the frame


# ------------------------------------------------------------------ names and checks
def regions(view: str) -> list[str]:
    """Region names known on a view."""
    return list(VIEW_DATA[view].regions)


def landmarks(view: str) -> list[str]:
    """Named trigger-point positions on a view."""
    return list(VIEW_DATA[view].landmarks)


def muscles(view: str) -> list[str]:
    """Muscle names drawn on a view (a spot's first `muscles:` entry must be one of its view's)."""
    return list(VIEW_DATA[view].muscles)


def frames(view: str) -> dict[str, tuple]:
    """The named frames of a view: name -> (x0, y0, x1, y1) in view units, body's right side."""
    return dict(VIEW_DATA[view].frames)


def inside_outline(view: str, x: float, y: float) -> bool:
    """True if (x, y), in view units, lies inside the view's body outline."""
    return inside(x, y, flatten(VIEW_DATA[view].outline))


def _unknown(kind: str, name: str, view: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {kind} {name!r} on the {view} view{hint}; known {kind}s: {', '.join(sorted(known))}"


def _is_point(marker: object) -> bool:
    return isinstance(marker, (list, tuple)) and len(marker) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in marker)


def _free(zone) -> tuple[list, str, Optional[str]]:
    """(points in percent, label, view or None) of a free-shape zone given as an object or a mapping."""
    if isinstance(zone, dict):
        return [tuple(p) for p in zone["points"]], zone["label"], zone.get("view")
    return [tuple(p) for p in zone.points], zone.label, getattr(zone, "view", None)


def _zone_view(zone, main: str) -> tuple[str, object]:
    """(view name, zone on that view) of a zone: 'VIEW:region', a free shape with a view, or the marker's view."""
    if isinstance(zone, str):
        if ":" in zone:
            view, name = zone.split(":", 1)
            return view, name
        return main, zone
    return _free(zone)[2] or main, zone


def _muscle_key(name: Optional[str]) -> Optional[str]:
    return name.strip().lower() if name else None


def validate(view, marker, essential: list, spillover: list, muscle: Optional[str] = None) -> list[tuple[str, str]]:
    """Every problem with a figure's data, as (field, message) pairs; empty when all is well."""
    if view not in VIEW_DATA:
        return [("location.view", f"unknown view {view!r}; known views: {', '.join(VIEWS)}")]
    v = VIEW_DATA[view]
    problems = []
    if isinstance(marker, str):
        if marker not in v.landmarks:
            problems.append(("location.marker", _unknown("landmark", marker, view, list(v.landmarks))))
    elif _is_point(marker):
        x, y = marker
        if not (0 <= x <= 100 and 0 <= y <= 100):
            problems.append(("location.marker", f"[x, y] must be percentages from 0 to 100, got [{x}, {y}]"))
        elif not inside_outline(view, *_to_units(v, marker)):
            problems.append(("location.marker", f"[{x}, {y}] is outside the body outline of the {view} view"))
    else:
        problems.append(("location.marker", f"must be a landmark name or [x, y] in percent, got {marker!r}"))
    for fld, names in (("referral.essential", essential), ("referral.spillover", spillover or [])):
        for zone in names:
            zview, local = _zone_view(zone, view)
            if zview not in VIEW_DATA:
                problems.append((fld, f"unknown view {zview!r} in {zone if isinstance(zone, str) else _free(zone)[1]!r}; "
                                      f"known views: {', '.join(VIEWS)}"))
            elif isinstance(local, str):
                if local not in VIEW_DATA[zview].regions:
                    problems.append((fld, _unknown("region", local, zview, list(VIEW_DATA[zview].regions))))
            elif not all(0 <= x <= 100 and 0 <= y <= 100 for x, y in _free(local)[0]):
                problems.append((fld, f"free shape {_free(local)[1]!r}: points must be percentages from 0 to 100"))
    key = _muscle_key(muscle)
    if key is not None and key not in v.muscles:
        problems.append(("muscles", f"the main muscle {muscle!r} has no shape on the {view} view; "
                                    f"muscles drawn there: {', '.join(sorted(v.muscles)) or 'none'}"))
    return problems


def _check(view, marker, essential, spillover, side, muscle=None) -> View:
    problems = validate(view, marker, essential, spillover, muscle)
    if side not in SIDES:
        problems.append(("side", f"must be one of {', '.join(SIDES)}, got {side!r}"))
    if problems:
        raise ValueError("; ".join(f"{f}: {m}" for f, m in problems))
    return VIEW_DATA[view]


# ------------------------------------------------------------------ positions and shapes (view units)
def _to_units(v: View, marker) -> tuple[float, float]:
    if isinstance(marker, str):
        lm = v.landmarks[marker]
        return lm.x, lm.y
    return marker[0] / 100 * v.width, marker[1] / 100 * v.height


def _copies(v: View, side: str) -> list[bool]:
    """For each copy of the zones and marker: mirrored or not."""
    if v.symmetric:
        return {"right": [False], "left": [True], "both": [False, True]}[side]
    return [side == "left"]


def _flip_pts(v: View, points, flip: bool):
    return mirror(points, v.width) if flip else points


@functools.lru_cache(maxsize=None)
def _silhouette(view: str, flip: bool):
    v = VIEW_DATA[view]
    return shapes.body(_flip_pts(v, v.outline, flip), [_flip_pts(v, o, flip) for o in v.overlays])


def _zone_points(v: View, zone) -> list:
    """A zone's points in view units, for the body's right side: a named region or a free shape."""
    if isinstance(zone, str):
        return v.regions[zone]
    return [(x / 100 * v.width, y / 100 * v.height) for x, y in _free(zone)[0]]


def _zone_name(zone) -> str:
    return REGION_NAMES[zone] if isinstance(zone, str) else _free(zone)[1]


def _area(v: View, zones: list, copies: list[bool], flip_body: bool) -> list:
    """The drawn area of some zones: each kept on its own half of the body, joined, clipped, rounded."""
    sil = _silhouette(v.name, flip_body)
    pieces = []
    for flip in copies:
        for z in zones:
            poly = shapes.polygon(_flip_pts(v, _zone_points(v, z), flip))
            mid, gap = v.width / 2, 1.2
            if v.symmetric and len(copies) == 1 and abs(poly.centroid.x - mid) > 4:  # one side: stop at the midline
                left = poly.centroid.x < mid
                poly = poly.intersection(box(0, 0, mid - gap, v.height) if left else box(mid + gap, 0, v.width, v.height))
            pieces.append(poly)
    return shapes.zone(pieces, sil) if pieces else []


@dataclass
class Panel:
    """One view of a figure: what it shows, framed."""

    view: View
    flip: bool  # the close-up views are mirrored whole for the left side
    copies: list
    essential: list  # shapely polygons, view units
    spillover: list
    muscle: list
    marks: list  # X positions, view units
    frame: tuple  # (x0, y0, x1, y1), view units
    frame_name: str


def _fitting_frames(v: View, content) -> dict[str, tuple]:
    """The named frames (name -> rect) that hold the content, padded; a frame is also tried mirrored (left side)."""
    x0, y0, x1, y1 = content
    need = (max(x0 - PAD, 0), max(y0 - PAD, 0), min(x1 + PAD, v.width), min(y1 + PAD, v.height))
    out = {}
    for name, (a, b, c, d) in v.frames.items():
        for r in ((a, b, c, d), (v.width - c, b, v.width - a, d)):
            if r[0] <= need[0] and r[1] <= need[1] and r[2] >= need[2] and r[3] >= need[3]:
                out[name] = r
                break
    return out or {"whole": (0, 0, v.width, v.height)}


def _rect_area(r: tuple) -> float:
    return (r[2] - r[0]) * (r[3] - r[1])


def _choose_frames(fits: list[dict[str, tuple]]) -> list[tuple[str, tuple]]:
    """One frame per view: the same named frame on every view when one fits all (the smallest), else each its smallest."""
    common = set.intersection(*(set(f) for f in fits))
    if common:
        name = min(common, key=lambda n: max(_rect_area(f[n]) for f in fits))
        return [(name, f[name]) for f in fits]
    return [min(f.items(), key=lambda kv: _rect_area(kv[1])) for f in fits]


def _panels(view, marker, essential, spillover, side, muscle) -> list[Panel]:
    main = VIEW_DATA[view]
    by_view: dict[str, dict[str, list]] = {view: {"essential": [], "spillover": []}}
    for kind, zones in (("essential", essential), ("spillover", spillover or [])):
        for z in zones:
            zv, local = _zone_view(z, view)
            by_view.setdefault(zv, {"essential": [], "spillover": []})[kind].append(local)
    out, fits = [], []
    for name, zones in by_view.items():
        v = VIEW_DATA[name]
        copies = _copies(v, side)
        flip = (not v.symmetric) and copies[0]
        ess = _area(v, zones["essential"], copies, flip)
        spill = _area(v, zones["spillover"], copies, flip)
        marks, musc = [], []
        if name == view:
            x, y = _to_units(main, marker)
            marks = [(v.width - x if c else x, y) for c in copies]
            key = _muscle_key(muscle)
            if key in v.muscles:
                musc = shapes.zone([shapes.polygon(_flip_pts(v, v.muscles[key], c)) for c in copies],
                                   _silhouette(name, flip))
        # the frame holds the marker and the zones; the muscle may run on past it
        geoms = [*ess, *spill, *(Point(m).buffer(1) for m in marks)]
        bounds = [g.bounds for g in geoms] or [(0, 0, v.width, v.height)]
        content = (min(b[0] for b in bounds), min(b[1] for b in bounds), max(b[2] for b in bounds),
                   max(b[3] for b in bounds))
        fits.append(_fitting_frames(v, content))
        out.append(Panel(v, flip, copies, ess, spill, musc, marks, (), ""))
    for p, (name, rect) in zip(out, _choose_frames(fits)):
        p.frame, p.frame_name = rect, name
    return out


# ------------------------------------------------------------------ drawing (millimetres)
def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _cross(x: float, y: float, color: str) -> str:
    r = X_ARM
    d = f"M{_n(x - r)} {_n(y - r)} L{_n(x + r)} {_n(y + r)} M{_n(x - r)} {_n(y + r)} L{_n(x + r)} {_n(y - r)}"
    return (f'<path class="x-halo" d="{d}" fill="none" stroke="white" stroke-width="{X_HALO}" stroke-linecap="round"/>'
            f'<path class="x" d="{d}" fill="none" stroke="{color}" stroke-width="{X_INK}" stroke-linecap="round"/>')


def _defs(uid: str, colors: dict, clips: dict[str, str]) -> str:
    c = _esc(colors["spillover"])
    return ("<defs>" + "".join(f'<clipPath id="{uid}{cid}">{shape}</clipPath>' for cid, shape in clips.items())
            + f'<pattern id="{uid}dots" patternUnits="userSpaceOnUse" width="1.3" height="1.3">'
            f'<circle cx="0.33" cy="0.33" r="0.27" fill="{c}"/><circle cx="0.98" cy="0.98" r="0.27" fill="{c}"/>'
            "</pattern></defs>")


class _Mm:
    """View units to millimetres for one panel: (x - fx0) * s + ox."""

    def __init__(self, frame: tuple, scale: float, ox: float, oy: float):
        self.fx, self.fy, self.s, self.ox, self.oy = frame[0], frame[1], scale, ox, oy

    def pt(self, x: float, y: float) -> tuple[float, float]:
        return self.ox + (x - self.fx) * self.s, self.oy + (y - self.fy) * self.s

    def pts(self, points) -> list:
        return [(*self.pt(p[0], p[1]), *p[2:]) for p in points]

    def geom(self, g):
        return shapes.transform(g, self.s, self.ox - self.fx * self.s, self.oy - self.fy * self.s)


def _panel_svg(p: Panel, mm: _Mm, uid: str, clip_id: str, colors: dict) -> str:
    v = p.view
    outline = path_d(mm.pts(_flip_pts(v, v.outline, p.flip)))
    overlays = [path_d(mm.pts(_flip_pts(v, o, p.flip))) for o in v.overlays]
    out = [f'<g class="panel" data-view="{v.name}" data-frame="{_esc(p.frame_name)}" clip-path="url(#{uid}{clip_id})">',
           f'<path class="body" d="{outline}" fill="{SKIN}" stroke="none"/>']
    out += [f'<path class="body" d="{d}" fill="{SKIN}" stroke="none"/>' for d in overlays]
    if p.muscle:
        out.append(f'<path class="muscle" d="{shapes.curve_d(p.muscle, mm.geom)}" fill="{MUSCLE}" stroke="none"/>')
        out.append(f'<path class="fibres" d="{shapes.fibres_d([mm.geom(m) for m in p.muscle], 1.1)}" fill="none" '
                   f'stroke="{MUSCLE_EDGE}" stroke-width="0.12" stroke-opacity="0.55" stroke-linecap="round"/>')
    for kind, polys, fill in (("spillover", p.spillover, f"url(#{uid}dots)"), ("essential", p.essential, _esc(colors["essential"]))):
        if polys:
            out.append(f'<path class="zone {kind}" d="{shapes.curve_d(polys, mm.geom)}" fill="{fill}" stroke="none"/>')
    if p.muscle:
        out.append(f'<path class="muscle-edge" d="{shapes.curve_d(p.muscle, mm.geom)}" fill="none" '
                   f'stroke="{MUSCLE_EDGE}" stroke-width="{MUSCLE_W}" stroke-linejoin="round"/>')
    lines = "".join(f'<path d="{path_d(mm.pts(_flip_pts(v, g, p.flip)), closed=False)}"/>' for g in v.guides)
    lines += "".join(f'<path d="{path_d(mm.pts(_flip_pts(v, g, p.flip)))}"/>' for g in v.closed_guides)
    out.append(f'<g class="guides" fill="none" stroke="{GUIDE}" stroke-width="{GUIDE_W}" stroke-linecap="round">{lines}</g>')
    out.append(f'<path class="outline" d="{outline}" fill="none" stroke="{INK}" stroke-width="{OUTLINE}" stroke-linejoin="round"/>')
    out += [f'<path class="overlay" d="{d}" fill="none" stroke="{ARM}" stroke-width="{_n(OUTLINE * 0.75)}" '
            f'stroke-linejoin="round"/>' for d in overlays]
    out.append("</g>")
    return "".join(out)


def _legend_size(labels: dict) -> tuple[float, float]:
    longest = max(len(labels[k]) for k in ("legend_marker", "legend_essential", "legend_spillover"))
    return 5.5 + 2.0 + longest * TEXT * 0.58, 3 * TEXT * 1.6


def _legend(x: float, y: float, colors: dict, labels: dict, uid: str) -> str:
    w, h = _legend_size(labels)
    rows = [("marker", labels["legend_marker"]), ("essential", labels["legend_essential"]),
            ("spillover", labels["legend_spillover"])]
    out = [f'<g class="legend"><rect class="legend-box" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
           f'fill="none" stroke="none"/>']
    step = h / 3
    for i, (kind, text) in enumerate(rows):
        cy = y + i * step + step / 2
        sx = x + 2.75
        if kind == "marker":
            out.append(_cross(sx, cy, _esc(colors["marker"])))
        else:
            fill = _esc(colors["essential"]) if kind == "essential" else f"url(#{uid}dots)"
            edge = 'stroke="none"' if kind == "essential" else f'stroke="{_esc(colors["spillover"])}" stroke-width="0.2"'
            out.append(f'<rect x="{_n(sx - 2.6)}" y="{_n(cy - 1.75)}" width="5.2" height="3.5" rx="1.2" fill="{fill}" {edge}/>')
        out.append(f'<text x="{_n(x + 7.5)}" y="{_n(cy + TEXT * 0.36)}" font-family="sans-serif" '
                   f'font-size="{TEXT}" fill="#1a1a1a">{_esc(text)}</text>')
    out.append("</g>")
    return "".join(out)


def _svg(width: float, height: float, title: str, desc: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}mm" height="{_n(height)}mm" role="img">'
        f"<title>{_esc(title)}</title><desc>{_esc(desc)}</desc>{body}</svg>"
    )


STACK = 1.15  # two views go one above the other only when that draws them this much larger


def _arrange(panels, box_mm, labels) -> dict:
    """Where the views and the key go in the box, drawing the views largest with the key below or
    beside them, never over the body. Views stand side by side; in a box so tall and narrow that side
    by side they would be drawn small (a handout's figure column), one above the other. Gives the mm
    per view unit ("s"), each view's top left ("at"), the key's top left ("key") and the size the
    drawing takes ("size")."""
    w, h = box_mm
    sizes = [(p.frame[2] - p.frame[0], p.frame[3] - p.frame[1]) for p in panels]
    lw, lh = _legend_size(labels)
    label = LABEL * 1.45 if len(panels) > 1 else 0.0
    gaps = GAP * (len(panels) - 1)
    top = min(p.frame[1] for p in panels)  # views of one body share a level: shoulders beside shoulders
    span = max(p.frame[3] for p in panels) - top
    total_w = sum(x for x, _ in sizes)
    below = min((w - gaps) / total_w, (h - lh - GAP - label) / span)
    beside = min((w - lw - GAP - gaps) / total_w, (h - label) / span)
    where, s = ("below", below) if below >= beside * 0.97 else ("beside", beside)
    if len(panels) > 1:
        stacked = min(w / max(x for x, _ in sizes), (h - lh - GAP - gaps - label * len(panels)) / sum(y for _, y in sizes))
        if stacked >= STACK * s:
            at, y = [], 0.0
            for fw, fh in sizes:
                at.append(((w - fw * stacked) / 2, y + label))
                y += label + fh * stacked + GAP
            return {"s": stacked, "at": at, "key": ((w - lw) / 2, y),
                    "size": (max(lw, max(x for x, _ in sizes) * stacked), y + lh)}
    pic_w, pic_h = total_w * s + gaps, span * s
    x = (w - pic_w) / 2 if where == "below" else (w - lw - GAP - pic_w) / 2
    at = []
    for p, (fw, _) in zip(panels, sizes):
        at.append((x, label + (p.frame[1] - top) * s))
        x += fw * s + GAP
    if where == "below":
        return {"s": s, "at": at, "key": ((w - lw) / 2, label + pic_h + GAP),
                "size": (max(pic_w, lw), label + pic_h + GAP + lh)}
    return {"s": s, "at": at, "key": (at[0][0] + pic_w + GAP, label + pic_h - lh),
            "size": (pic_w + GAP + lw, max(label + pic_h, lh))}


TALLER = ("front", "back", "side")  # views of the whole body: a frame may run on up and down them


def _taller(panels: list, box_mm: tuple[float, float], labels: dict) -> dict:
    """The arrangement for the box, a single view of the whole body framed taller (more of the body
    above and below, at the same scale) when its frame is wider than the box: so the drawing fills a
    tall box instead of floating in it."""
    plan = _arrange(panels, box_mm, labels)
    spare = box_mm[1] - plan["size"][1]
    if len(panels) > 1 or panels[0].view.name not in TALLER or spare < 1.0:
        return plan
    p = panels[0]
    x0, y0, x1, y1 = p.frame
    extra = min(spare / plan["s"], p.view.height - (y1 - y0))
    up = min(y0, extra / 2)
    down = min(p.view.height - y1, extra - up)
    up = min(y0, extra - down)
    p.frame = (x0, y0 - up, x1, y1 + down)
    return _arrange(panels, box_mm, labels)


def drawn_size(view, marker, essential, spillover, side="right", labels=None, muscle: Optional[str] = None,
               box_mm: Optional[tuple[float, float]] = None) -> tuple[float, float]:
    """The (width, height) in mm that the figure's views and key take in a box of box_mm, each view on
    its smallest frame: less than the box on one side when the body part's shape does not match the
    box's (figure then frames a view of the whole body taller)."""
    labels = {**DEFAULT_LABELS, **(labels or {})}
    panels = _panels(view, marker, essential, spillover, side, muscle)
    return _arrange(panels, tuple(box_mm or SIZES["handout"]), labels)["size"]


def figure(view, marker, essential, spillover, side="right", colors=None, uid="", labels=None,
           muscle: Optional[str] = None, box_mm: Optional[tuple[float, float]] = None) -> str:
    """A standalone SVG document for a box of box_mm (width, height) millimetres.

    The views the zones name, each framed on the body part that holds the marker,
    the zones and the muscle, side by side; the key beside or below them.
    """
    _check(view, marker, essential, spillover, side, muscle)
    colors = {**DEFAULT_COLORS, **(colors or {})}
    labels = {**DEFAULT_LABELS, **(labels or {})}
    uid = f"{uid}-" if uid and not uid.endswith("-") else uid
    box_mm = tuple(box_mm or SIZES["handout"])
    panels = _panels(view, marker, essential, spillover, side, muscle)
    plan = _taller(panels, box_mm, labels)
    s = plan["s"]
    width, height = box_mm[0], plan["size"][1]
    clips, parts, crosses = {}, [], []
    for i, (p, (x, oy)) in enumerate(zip(panels, plan["at"])):
        fw, fh = p.frame[2] - p.frame[0], p.frame[3] - p.frame[1]
        mm = _Mm(p.frame, s, x, oy)
        clips[f"frame{i}"] = (f'<rect class="frame" x="{_n(x)}" y="{_n(oy)}" width="{_n(fw * s)}" '
                              f'height="{_n(fh * s)}"/>')
        parts.append(_panel_svg(p, mm, uid, f"frame{i}", colors))
        if len(panels) > 1:
            parts.append(f'<text class="view-label" x="{_n(x + fw * s / 2)}" y="{_n(oy - LABEL * 0.4)}" '
                         f'text-anchor="middle" font-family="sans-serif" font-size="{LABEL}" fill="#1a1a1a">'
                         f'{_esc(labels.get(p.view.name, p.view.name))}</text>')
        crosses += [_cross(*mm.pt(mx, my), _esc(colors["marker"])) for mx, my in p.marks]
    body = (_defs(uid, colors, clips) + "".join(parts) + f'<g class="marker">{"".join(crosses)}</g>'
            + _legend(*plan["key"], colors, labels, uid))
    text = describe(view, marker, essential, spillover, side, muscle)
    names = " and ".join(dict.fromkeys(p.view.what for p in panels))
    return _svg(width, height, f"Body map: {names}", text, body)


# ------------------------------------------------------------------ text
def _join(words: list[str]) -> str:
    words = list(dict.fromkeys(words))
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _where(v: View, marker, side: str) -> str:
    word = {"right": "right ", "left": "left ", "both": ""}[side]
    if isinstance(marker, str):
        where = v.landmarks[marker].where
        text = where.format(side=word) if "{side}" in where else where + (f", {side} side" if side != "both" else "")
    else:
        x, y = _to_units(v, marker)
        hits = [n for n, pts in v.regions.items() if inside(x, y, flatten(pts, steps=4))]
        hits.sort(key=lambda n: area(flatten(v.regions[n], steps=4)))
        place = REGION_NAMES[hits[0]] if hits else v.what
        text = f"on the {place}" + (f", {side} side" if side != "both" else "")
    return text + (", on both sides" if side == "both" else "")


_SEEN = {"front": "the front", "back": "the back", "side": "the side", "head": "the side of the head",
         "sole": "the sole of the foot"}


def _muscle_phrase(muscle: Optional[str]) -> str:
    if not muscle:
        return ""
    m = muscle.strip()
    plural = m.lower().endswith("s") and not m.lower().endswith(("us", "is"))  # scalenes; not gluteus medius
    return f", in the {m}" + ("" if plural else " muscle")


def describe(view, marker, essential, spillover, side="right", muscle: Optional[str] = None) -> str:
    """Plain-English text alternative of figure(): the views, the point, its muscle, the zones."""
    v = _check(view, marker, essential, spillover, side, muscle)
    seen = list(dict.fromkeys([view, *(_zone_view(z, view)[0] for z in [*essential, *(spillover or [])])]))
    out = f"Seen from {_join([_SEEN[s] for s in seen])}. "
    out += f"Trigger point (X) {_where(v, marker, side)}{_muscle_phrase(muscle)}."
    out += f" Main pain: {_join([_zone_name(_zone_view(n, view)[1]) for n in essential])}."
    if spillover:
        out += f" May also hurt: {_join([_zone_name(_zone_view(n, view)[1]) for n in spillover])}."
    if side == "both" and not v.symmetric:
        out += " The drawing shows the right side."
    return out


# ------------------------------------------------------------------ overview
def overview_position(view: str, marker) -> tuple[str, float, float]:
    """Where a spot goes on the front or back full body (view units, body's right side)."""
    v = VIEW_DATA[view]
    if isinstance(marker, str):
        return v.landmarks[marker].overview
    x, y = _to_units(v, marker)
    if v.symmetric:
        return view, x, y
    return v.fallback


DOT = 2.4  # mm: radius of a numbered spot on the overview


def _free_place(x: float, y: float, placed: list, outline, r: float) -> tuple[float, float]:
    """(x, y), or the nearest spot around it inside the body that no earlier dot covers (view units)."""
    for ring in range(0, 4):
        for dx, dy in ((0, 0),) if ring == 0 else ((0, 1), (1, 0), (-1, 0), (0, -1), (.7, .7), (-.7, .7), (.7, -.7), (-.7, -.7)):
            cx, cy = x + dx * ring * 2 * r, y + dy * ring * 2 * r
            if all((cx - px) ** 2 + (cy - py) ** 2 >= (2 * r + 0.5) ** 2 for px, py in placed) and inside(cx, cy, outline):
                return cx, cy
    return x, y


def overview(spots: list[tuple[int, str, object]], colors=None, uid="", labels=None,
             box_mm: Optional[tuple[float, float]] = None) -> str:
    """Front and back full body side by side, every spot numbered at its place: SPOTS are
    (number, view, marker) on the body's right side, or (number, view, marker, side) with side
    "left" (mirrored) or "both" (numbered on each side)."""
    colors = {**DEFAULT_COLORS, **(colors or {})}
    labels = {**DEFAULT_LABELS, **(labels or {})}
    uid = f"{uid}-" if uid and not uid.endswith("-") else uid
    w, h = box_mm or SIZES["map"]
    label_h = LABEL * 1.45
    s = min((w - GAP) / 400, (h - label_h) / 400)
    clips, parts = {}, []
    x = (w - 400 * s - GAP) / 2
    for i, name in enumerate(("front", "back")):
        v = VIEW_DATA[name]
        p = Panel(v, False, [False], [], [], [], [], (0, 0, v.width, v.height), "whole body")
        mm = _Mm(p.frame, s, x, label_h)
        clips[name] = f'<rect x="{_n(x)}" y="{_n(label_h)}" width="{_n(200 * s)}" height="{_n(400 * s)}"/>'
        dots, placed = [], []
        outline = flatten(v.outline)
        for number, view, marker, *side in spots:
            where, x0, py = overview_position(view, marker)
            if where != name:
                continue
            side = (side or ["right"])[0] or "right"
            for px in {"right": [x0], "left": [v.width - x0], "both": [x0, v.width - x0]}[side]:
                px, py0 = _free_place(px, py, placed, outline, DOT / s)
                placed.append((px, py0))
                cx, cy = mm.pt(px, py0)
                dots.append(f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{DOT}" fill="{_esc(colors["marker"])}" '
                            f'stroke="white" stroke-width="0.4"/>'
                            f'<text x="{_n(cx)}" y="{_n(cy + 1.1)}" text-anchor="middle" font-family="sans-serif" '
                            f'font-size="3" font-weight="bold" fill="white">{number}</text>')
        parts.append(_panel_svg(p, mm, uid, name, colors)
                     + f'<text x="{_n(x + 100 * s)}" y="{_n(LABEL * 1.05)}" text-anchor="middle" font-family="sans-serif" '
                     f'font-size="{LABEL}" fill="#1a1a1a">{_esc(labels[name])}</text>'
                     + f'<g class="spots">{"".join(dots)}</g>')
        x += 200 * s + GAP
    return _svg(w, label_h + 400 * s, "Body map: all spots", overview_description(spots), _defs(uid, colors, clips) + "".join(parts))


def overview_description(spots) -> str:
    """Text alternative of overview()."""
    if not spots:
        return "Front and back of the body, with no spots marked."
    items = []
    for number, view, marker, *side in spots:
        v = VIEW_DATA[view]
        items.append(f"{number}: {_where(v, marker, (side or ['right'])[0] or 'right')}")
    return "Front and back of the body with each spot numbered. " + "; ".join(items) + "."


# ------------------------------------------------------------------ preview
def to_png(svg: str, dpi: int = 300) -> bytes:
    """A figure as PNG at its printed size: WeasyPrint draws the SVG into a PDF page, pdftoppm rasterises it."""
    import re
    import subprocess
    import tempfile
    from pathlib import Path

    import weasyprint

    w, h = (float(v) for v in re.search(r'width="([\d.]+)mm" height="([\d.]+)mm"', svg).groups())
    uri = "data:image/svg+xml;charset=utf-8," + __import__("urllib.parse").parse.quote(svg)
    page = (f"<style>@page {{ size: {w}mm {h}mm; margin: 0 }} body {{ margin: 0 }} img {{ display: block; "
            f"width: {w}mm; height: {h}mm }}</style><img src=\"{uri}\" alt=\"\">")
    pdf = weasyprint.HTML(string=page).write_pdf()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "figure.pdf"
        src.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(src), str(Path(tmp) / "figure")],
                       check=True, capture_output=True)
        return (Path(tmp) / "figure.png").read_bytes()
