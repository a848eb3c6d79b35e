"""Smooth outlines from a few points: Catmull-Rom curves written as cubic Béziers.

A shape is a list of points (x, y) or (x, y, "c"); "c" marks a corner (the curve
leaves and enters that point in a straight line). Closed shapes join the last
point to the first.
"""
from __future__ import annotations

from typing import Sequence

Point = tuple  # (x, y) or (x, y, "c")


def _is_corner(p: Point) -> bool:
    return len(p) > 2 and p[2] == "c"


def mirror(points: Sequence[Point], width: float) -> list[Point]:
    """The same shape reflected left-right inside a view `width` wide."""
    return [(width - p[0], p[1], *p[2:]) for p in points]


def beziers(points: Sequence[Point], closed: bool = True) -> list[tuple[tuple, tuple, tuple, tuple]]:
    """Cubic segments (p0, c1, c2, p1) of the smooth curve through `points`."""
    pts = list(points)
    n = len(pts)
    segs = []
    last = n if closed else n - 1
    for i in range(last):
        p0, p1 = pts[i], pts[(i + 1) % n]
        before = pts[(i - 1) % n] if (closed or i > 0) else p0
        after = pts[(i + 2) % n] if (closed or i + 2 < n) else p1
        if _is_corner(p0) or (not closed and i == 0):
            c1 = (p0[0] + (p1[0] - p0[0]) / 3, p0[1] + (p1[1] - p0[1]) / 3)
        else:
            c1 = (p0[0] + (p1[0] - before[0]) / 6, p0[1] + (p1[1] - before[1]) / 6)
        if _is_corner(p1) or (not closed and i == n - 2):
            c2 = (p1[0] - (p1[0] - p0[0]) / 3, p1[1] - (p1[1] - p0[1]) / 3)
        else:
            c2 = (p1[0] - (after[0] - p0[0]) / 6, p1[1] - (after[1] - p0[1]) / 6)
        segs.append(((p0[0], p0[1]), c1, c2, (p1[0], p1[1])))
    return segs


def _n(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


def path_d(points: Sequence[Point], closed: bool = True) -> str:
    """SVG path data (M, C, Z) of the smooth curve through `points`."""
    segs = beziers(points, closed)
    out = [f"M{_n(segs[0][0][0])} {_n(segs[0][0][1])}"]
    for _, c1, c2, p1 in segs:
        out.append(f"C{_n(c1[0])} {_n(c1[1])} {_n(c2[0])} {_n(c2[1])} {_n(p1[0])} {_n(p1[1])}")
    return " ".join(out) + (" Z" if closed else "")


def flatten(points: Sequence[Point], closed: bool = True, steps: int = 12) -> list[tuple[float, float]]:
    """The smooth curve as a polygon of many short straight edges."""
    poly = []
    for p0, c1, c2, p1 in beziers(points, closed):
        for k in range(steps):
            t = k / steps
            u = 1 - t
            poly.append((
                u**3 * p0[0] + 3 * u * u * t * c1[0] + 3 * u * t * t * c2[0] + t**3 * p1[0],
                u**3 * p0[1] + 3 * u * u * t * c1[1] + 3 * u * t * t * c2[1] + t**3 * p1[1],
            ))
    return poly


def inside(x: float, y: float, polygon: Sequence[tuple[float, float]]) -> bool:
    """Even-odd point-in-polygon test."""
    hit = False
    n = len(polygon)
    for i in range(n):
        (x1, y1), (x2, y2) = polygon[i], polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 8) -> list[Point]:
    """Points on an ellipse, for round regions (smoothed when drawn)."""
    import math

    return [(cx + rx * math.cos(2 * math.pi * k / n), cy + ry * math.sin(2 * math.pi * k / n)) for k in range(n)]


def area(polygon: Sequence[tuple[float, float]]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(polygon, [*polygon[1:], polygon[0]]))) / 2
