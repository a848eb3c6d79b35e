"""How-to-press pictures: a pictogram figure in the spot's position, the tool at the spot, an arrow for the push.

A chapter says, under ``press.picture``, one or two pictures such as
``{pose: supine-knees-bent, tool: ball, at: thoracolumbar-corner, against: floor, push: weight}``.
pose.py holds the figure (a skeleton of thick rounded capsules posed by segment
angles, forward kinematics, and two-link inverse kinematics for a pressing
hand) and the named places on it; scene.py puts the tool at the place, settles
the body on the floor, a ball, a chair or against a wall, frames it for the
printed box and writes SVG. Everything is drawn for the body's right side; the
left side is the mirror image. One drawing style for every spot: a dark figure
with its far limbs paler, no face, an orange ball, grey props and a red arrow.
"""
from __future__ import annotations

from typing import Optional, Sequence

from .pose import PLACES, POSES
from .scene import AGAINST, PUSHES, ROLLS, TOOLS, Scene, compose, esc, layout, problems, svg_body, unknown, _n

__all__ = ["POSES", "PLACES", "TOOLS", "AGAINST", "PUSHES", "ROLLS", "problems", "scene", "figure", "describe"]

BOX_MM = (55.0, 55.0)  # the default printed box


def _fields(pic) -> tuple:
    get = pic.get if isinstance(pic, dict) else lambda k, d=None: getattr(pic, k, d)
    return get("pose"), get("tool"), get("at"), get("against"), get("push"), get("roll")


def scene(pic, side: str = "right", box_mm: Sequence[float] = BOX_MM) -> Scene:
    """One picture laid out for a box of box_mm = (width, height) millimetres."""
    pose, tool, at, against, push, roll = _fields(pic)
    if side not in ("right", "left"):
        raise ValueError(f"side: must be right or left, got {side!r}")
    s = compose(pose, tool, at, against, push, roll)
    s.flip = side == "left"
    return layout(s, tuple(box_mm), POSES[pose], roll)


def figure(pictures, side: str = "right", box_mm: Optional[Sequence[float]] = None, uid: str = "") -> str:
    """A standalone SVG of one picture, or two side by side (or stacked in a tall box)."""
    side = "right" if side == "both" else side
    w, h = box_mm or BOX_MM
    n = len(pictures)
    tall = h > w
    gap = 3.0 if n > 1 else 0.0
    cell = ((w - gap) / n, h) if not tall else (w, (h - gap) / n)
    bodies = []
    for i, pic in enumerate(pictures):
        s = scene(pic, side, cell)
        fx, fy, fw, fh = s.frame
        k = s.extra["k"]
        dx, dy = (i * (cell[0] + gap), 0) if not tall else (0, i * (cell[1] + gap))
        bodies.append(f'<svg x="{_n(dx)}" y="{_n(dy)}" width="{_n(cell[0])}" height="{_n(cell[1])}" '
                      f'viewBox="{_n(fx)} {_n(fy)} {_n(fw)} {_n(fh)}" overflow="hidden" class="picture" '
                      f'data-units-per-mm="{k:.4f}">{svg_body(s, f"{uid}p{i}")}</svg>')
    text = describe(pictures, side)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_n(w)}mm" height="{_n(h)}mm" '
            f'viewBox="0 0 {_n(w)} {_n(h)}" role="img"><title>How to press</title><desc>{esc(text)}</desc>'
            f'<rect width="{_n(w)}" height="{_n(h)}" fill="white"/>'
            + "".join(bodies) + "</svg>")  # the outer viewBox is in millimetres


def _sentence(pic, side: str) -> str:
    pose, tool, at, against, push, roll = _fields(pic)
    place = PLACES[at].phrase
    if tool == "ball":
        where = {"floor": f"a ball under {place}", "wall": f"a ball between the wall and {place}",
                 "table": f"a ball between the table and {place}"}[against]
    else:
        where = f"{TOOLS[tool]} on {place}"
    text = f"{POSES[pose].phrase}, {where}; {PUSHES[push]}."
    if roll:
        text += f" Then move {'it' if tool == 'ball' else 'them'} 2 or 3 cm {ROLLS[roll]} the muscle and press again."
    return text


def describe(pictures, side: str = "right") -> str:
    """The text alternative, from the same data as the drawing."""
    side = "right" if side == "both" else side
    parts = [_sentence(p, side) for p in pictures]
    if len(parts) == 2:
        parts = [parts[0], "Or: " + parts[1][0].lower() + parts[1][1:]]
    return " ".join(parts) + f" Shown for the {side} side."
