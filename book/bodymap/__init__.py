"""Body maps: where a trigger point is and where its pain is felt, as SVG.

Five views (front, back, side, head, sole) are drawn from smooth outlines in
views.py. Chapters name pain areas with region names and the trigger point with
a landmark name or an [x, y] position in percent of the view, always for the
body's right side; ``side="left"`` mirrors, ``side="both"`` draws both sides
(on the close-up views it draws the right side and says so in the text).

About the outlines: we looked at the PyPI package anatomapa (MIT, front and
back silhouettes derived from the public-domain gganatogram outlines, 32
coarse regions). Its shapes are straight-edged polygons on a pixel grid, the
two halves of the body differ, and it has no side, head or sole view, so a
figure built on it would mix two drawing styles and still need our own
close-ups and finer regions (the chapters need about sixty). We therefore draw
every view ourselves from a few points each, joined by smooth cubic Béziers
(geometry.py), with one half of the front/back body mirrored to the other; the
package is not a dependency and none of its data is used.
"""
from __future__ import annotations

import difflib
import html
from typing import Sequence

from ..model import Colors
from .geometry import _n, area, flatten, inside, mirror, path_d
from .views import REGION_NAMES, VIEW_DATA, View

VIEWS: tuple[str, ...] = ("front", "back", "side", "head", "sole")
SIDES = ("right", "left", "both")

DEFAULT_COLORS = {k: getattr(Colors(), k) for k in ("marker", "essential", "spillover")}  # defaults live in model.py
DEFAULT_LABELS = {"legend_marker": "Trigger point", "legend_essential": "Main pain", "legend_spillover": "May also hurt",
                  "front": "Front", "back": "Back"}
SKIN = "#e9e7e4"
INK = "#4a4a4a"
GUIDE = "#8a8784"


# ------------------------------------------------------------------ names and checks
def regions(view: str) -> list[str]:
    """Region names known on a view."""
    return list(VIEW_DATA[view].regions)


def landmarks(view: str) -> list[str]:
    """Named trigger-point positions on a view."""
    return list(VIEW_DATA[view].landmarks)


def _outline_polygon(view: View) -> list[tuple[float, float]]:
    return flatten(view.outline)


def inside_outline(view: str, x: float, y: float) -> bool:
    """True if (x, y), in view units, lies inside the view's body outline."""
    return inside(x, y, _outline_polygon(VIEW_DATA[view]))


def _known(names: Sequence[str]) -> str:
    return ", ".join(sorted(names))


def _unknown(kind: str, name: str, view: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {kind} {name!r} on the {view} view{hint}; known {kind}s: {_known(known)}"


def _is_point(marker: object) -> bool:
    return isinstance(marker, (list, tuple)) and len(marker) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) for v in marker)


def validate(view, marker, essential: list[str], spillover: list[str]) -> list[tuple[str, str]]:
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
        for name in names:
            if isinstance(name, str):
                if name not in v.regions:
                    problems.append((fld, _unknown("region", name, view, list(v.regions))))
            elif not all(0 <= x <= 100 and 0 <= y <= 100 for x, y in _free(name)[0]):
                problems.append((fld, f"free shape {_free(name)[1]!r}: points must be percentages from 0 to 100"))
    return problems


def _free(zone) -> tuple[list, str]:
    """(points in percent, label) of a free-shape zone given as an object or a mapping."""
    if isinstance(zone, dict):
        return [tuple(p) for p in zone["points"]], zone["label"]
    return [tuple(p) for p in zone.points], zone.label


def _zone_points(v: View, zone) -> list:
    """A zone's shape in view units, for the body's right side: a named region or a free shape."""
    if isinstance(zone, str):
        return v.regions[zone]
    return [(x / 100 * v.width, y / 100 * v.height) for x, y in _free(zone)[0]]


def _zone_name(zone) -> str:
    return REGION_NAMES[zone] if isinstance(zone, str) else _free(zone)[1]


def _check(view, marker, essential, spillover, side) -> View:
    problems = validate(view, marker, essential, spillover)
    if side not in SIDES:
        problems.append(("side", f"must be one of {', '.join(SIDES)}, got {side!r}"))
    if problems:
        raise ValueError("; ".join(f"{f}: {m}" for f, m in problems))
    return VIEW_DATA[view]


# ------------------------------------------------------------------ positions
def _to_units(v: View, marker) -> tuple[float, float]:
    if isinstance(marker, str):
        lm = v.landmarks[marker]
        return lm.x, lm.y
    return marker[0] / 100 * v.width, marker[1] / 100 * v.height


def _sides(v: View, side: str) -> list[bool]:
    """For each copy to draw: mirror it or not."""
    if side == "both" and v.symmetric:
        return [False, True]
    return [side == "left"]


def _pts(v: View, points, flip: bool):
    return mirror(points, v.width) if flip else points


# ------------------------------------------------------------------ drawing
def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _cross(x: float, y: float, color: str, r: float = 5.0) -> str:
    d = f"M{_n(x - r)} {_n(y - r)} L{_n(x + r)} {_n(y + r)} M{_n(x - r)} {_n(y + r)} L{_n(x + r)} {_n(y - r)}"
    return (f'<path d="{d}" fill="none" stroke="white" stroke-width="4.6" stroke-linecap="round"/>'
            f'<path d="{d}" fill="none" stroke="{color}" stroke-width="2.2" stroke-linecap="round"/>')


def _defs(uid: str, colors: dict, clip_paths: dict[str, str]) -> str:
    clips = "".join(f'<clipPath id="{uid}{cid}"><path d="{d}"/></clipPath>' for cid, d in clip_paths.items())
    return (
        "<defs>" + clips
        + f'<pattern id="{uid}dots" patternUnits="userSpaceOnUse" width="3.6" height="3.6">'
        f'<circle cx="0.9" cy="0.9" r="0.75" fill="{_esc(colors["spillover"])}"/>'
        f'<circle cx="2.7" cy="2.7" r="0.75" fill="{_esc(colors["spillover"])}"/></pattern></defs>'
    )


def _body(v: View, flip: bool, uid: str, clip_id: str, colors: dict, essential, spillover, copies) -> str:
    """One view's drawing: skin, clipped zones, guide lines, outline, overlays (no marker)."""
    outline = path_d(_pts(v, v.outline, flip))
    out = [f'<path class="body" d="{outline}" fill="{SKIN}" stroke="none"/>']
    for kind, names, fill in (("spillover", spillover, f"url(#{uid}dots)"), ("essential", essential, colors["essential"])):
        shapes = [path_d(_pts(v, _zone_points(v, n), c)) for c in copies for n in names]
        if shapes:
            paths = "".join(f'<path d="{d}"/>' for d in shapes)
            out.append(f'<g class="zone {kind}" clip-path="url(#{uid}{clip_id})" fill="{_esc(fill)}" stroke="none">{paths}</g>')
    lines = "".join(f'<path d="{path_d(_pts(v, g, flip), closed=False)}"/>' for g in v.guides)
    lines += "".join(f'<path d="{path_d(_pts(v, g, flip))}"/>' for g in v.closed_guides)
    out.append(f'<g class="guides" fill="none" stroke="{GUIDE}" stroke-width="0.8" stroke-linecap="round">{lines}</g>')
    out.append(f'<path class="outline" d="{outline}" fill="none" stroke="{INK}" stroke-width="1.4" stroke-linejoin="round"/>')
    for shape in v.overlays:
        out.append(f'<path class="overlay" d="{path_d(_pts(v, shape, flip))}" fill="{SKIN}" stroke="{INK}" '
                   f'stroke-width="1.4" stroke-linejoin="round"/>')
    return "".join(out)


def _legend(y: float, colors: dict, labels: dict, uid: str, size: float = 10.0, x0: float = 0.0) -> tuple[str, float]:
    rows = [("marker", labels["legend_marker"]), ("essential", labels["legend_essential"]),
            ("spillover", labels["legend_spillover"])]
    out = ['<g class="legend">']
    step = size * 1.45
    for i, (kind, text) in enumerate(rows):
        cy = y + i * step + step / 2
        if kind == "marker":
            out.append(_cross(x0 + 16, cy, _esc(colors["marker"]), r=size * 0.38))
        else:
            fill = _esc(colors["essential"]) if kind == "essential" else f"url(#{uid}dots)"
            out.append(f'<rect x="{_n(x0 + 16 - size * 0.55)}" y="{_n(cy - size * 0.42)}" width="{_n(size * 1.1)}" '
                       f'height="{_n(size * 0.84)}" fill="{fill}" stroke="{INK}" stroke-width="0.5"/>')
        out.append(f'<text x="{_n(x0 + 16 + size * 1.1)}" y="{_n(cy + size * 0.35)}" font-family="sans-serif" '
                   f'font-size="{_n(size)}" fill="#222">{_esc(text)}</text>')
    out.append("</g>")
    return "".join(out), step * 3 + 4


def _svg(width: float, height: float, title: str, desc: str, body: str, mm_wide: float, x0: float = 0, y0: float = 0) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="{_n(x0)} {_n(y0)} {_n(width)} {_n(height)}" '
        f'width="{_n(mm_wide)}mm" height="{_n(mm_wide * height / width)}mm" role="img">'
        f"<title>{_esc(title)}</title><desc>{_esc(desc)}</desc>{body}</svg>"
    )


def _focus_box(v: View, points: list, aspect: float) -> tuple[float, float, float, float]:
    """A window (x, y, w, h) of width/height `aspect` around `points`, padded, inside the view.

    At least half the view's width and 45% of its height stay in view, so the
    body part is still recognisable.
    """
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    pad = 0.12 * v.width
    x0, x1, y0, y1 = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    w, h = max(x1 - x0, 0.5 * v.width), max(y1 - y0, 0.45 * v.height)
    w, h = max(w, h * aspect), max(h, w / aspect)
    w, h = min(w, v.width), min(h, v.height)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    x = min(max(cx - w / 2, 0), v.width - w)
    y = min(max(cy - h / 2, 0), v.height - h)
    return x, y, w, h


def figure(view, marker, essential, spillover, side="right", colors=None, uid="", labels=None,
           focus: bool = False) -> str:
    """A standalone SVG document: the view, the pain zones, the trigger point and a legend.

    focus=True zooms a whole-body view in on the trigger point and its zones (for
    the handout, where the figure is small); close-ups are always drawn whole.
    """
    v = _check(view, marker, essential, spillover, side)
    colors = {**DEFAULT_COLORS, **(colors or {})}
    labels = {**DEFAULT_LABELS, **(labels or {})}
    uid = f"{uid}-" if uid and not uid.endswith("-") else uid
    copies = _sides(v, side)
    flip = copies[0] and not v.symmetric  # close-ups drawn mirrored for the left side
    draw_copies = copies if v.symmetric else [flip]
    clip = path_d(_pts(v, v.outline, flip))
    x, y = _to_units(v, marker)
    marks = [(v.width - x if c else x, y) for c in draw_copies]
    crosses = "".join(_cross(mx, my, _esc(colors["marker"])) for mx, my in marks)
    bx, by, bw, bh = 0.0, 0.0, v.width, v.height
    if focus and v.name in ("front", "back"):
        shapes = [p for c in draw_copies for n in [*essential, *(spillover or [])] for p in _pts(v, _zone_points(v, n), c)]
        bx, by, bw, bh = _focus_box(v, marks + shapes, aspect=0.72)
    size = max(7.0, 0.065 * bw)  # the legend reads at about 9 pt whatever the zoom
    legend, legend_h = _legend(by + bh + 2, colors, labels, uid, size=size, x0=bx)
    body = (_defs(uid, colors, {"body": clip})
            + _body(v, flip, uid, "body", colors, essential, spillover or [], draw_copies)
            + f'<g class="marker">{crosses}</g>'
            # a zoomed view's body runs on below the window: the legend gets a clean strip
            + f'<rect class="legend-ground" x="{_n(bx)}" y="{_n(by + bh)}" width="{_n(bw)}" height="{_n(legend_h + 2)}" fill="white"/>'
            + legend)
    text = describe(view, marker, essential, spillover, side)
    return _svg(bw, bh + 2 + legend_h, f"Body map: {v.what}", text, body, 60, bx, by)


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


def describe(view, marker, essential, spillover, side="right") -> str:
    """Plain-English text alternative of figure()."""
    v = _check(view, marker, essential, spillover, side)
    out = f"Trigger point (X) {_where(v, marker, side)}."
    out += f" Main pain: {_join([_zone_name(n) for n in essential])}."
    if spillover:
        out += f" May also hurt: {_join([_zone_name(n) for n in spillover])}."
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


DOT = 7.0  # radius of a numbered spot on the overview


def _free_place(x: float, y: float, placed: list, outline) -> tuple[float, float]:
    """(x, y), or the nearest spot around it inside the body that no earlier dot covers."""
    for ring in range(0, 4):
        for dx, dy in ((0, 0),) if ring == 0 else ((0, 1), (1, 0), (-1, 0), (0, -1), (.7, .7), (-.7, .7), (.7, -.7), (-.7, -.7)):
            cx, cy = x + dx * ring * 2 * DOT, y + dy * ring * 2 * DOT
            if all((cx - px) ** 2 + (cy - py) ** 2 >= (2 * DOT + 0.5) ** 2 for px, py in placed) and inside(cx, cy, outline):
                return cx, cy
    return x, y


def overview(spots: list[tuple[int, str, object]], colors=None, uid="", labels=None) -> str:
    """Front and back full body side by side, every spot numbered at its place."""
    colors = {**DEFAULT_COLORS, **(colors or {})}
    labels = {**DEFAULT_LABELS, **(labels or {})}
    uid = f"{uid}-" if uid and not uid.endswith("-") else uid
    parts, clips = [], {}
    for i, name in enumerate(("front", "back")):
        v = VIEW_DATA[name]
        clips[name] = path_d(v.outline)
        dots, placed = [], []
        outline = flatten(v.outline)
        for number, view, marker in spots:
            where, x, y = overview_position(view, marker)
            if where != name:
                continue
            x, y = _free_place(x, y, placed, outline)
            placed.append((x, y))
            dots.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{DOT}" fill="{_esc(colors["marker"])}" '
                        f'stroke="white" stroke-width="1.2"/>'
                        f'<text x="{_n(x)}" y="{_n(y + 3.4)}" text-anchor="middle" font-family="sans-serif" '
                        f'font-size="9.5" font-weight="bold" fill="white">{number}</text>')
        parts.append(f'<g transform="translate({i * 200} 0)">' + _body(v, False, uid, name, colors, [], [], [False])
                     + f'<text x="100" y="412" text-anchor="middle" font-family="sans-serif" font-size="12" '
                     f'fill="#222">{_esc(labels[name])}</text>' + f'<g class="spots">{"".join(dots)}</g></g>')
    body = _defs(uid, colors, clips) + "".join(parts)
    return _svg(400, 420, "Body map: all spots", overview_description(spots), body, 120)


def overview_description(spots) -> str:
    """Text alternative of overview()."""
    if not spots:
        return "Front and back of the body, with no spots marked."
    items = []
    for number, view, marker in spots:
        v = VIEW_DATA[view]
        where = _where(v, marker, "right")
        items.append(f"{number}: {where}")
    return "Front and back of the body with each spot numbered. " + "; ".join(items) + "."
