"""Zone and body shapes with shapely: union, clip, smooth, and back to Bézier path data.

A zone is drawn the way a clinician shades it: the named regions of one kind are joined,
clipped by the body outline, their corners rounded off (a morphological opening), and the
result is written as a closed curve of cubic Béziers through its simplified corners.
"""
from __future__ import annotations

from typing import Callable, Iterable, Sequence

from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.ops import unary_union

from .geometry import _n, flatten, path_d

ROUND = 9.0  # view units: how much a zone's corners are rounded
CLOSE = 12.0  # view units: gaps and notches narrower than twice this between a zone's regions are filled
INSET = 0.8  # view units: a zone stays this far inside the outline, so its smoothed curve does too


def polygon(points: Sequence, steps: int = 10) -> Polygon:
    """The smooth closed curve through `points` as a shapely polygon (made valid)."""
    poly = Polygon(flatten(points, steps=steps))
    return poly if poly.is_valid else poly.buffer(0)


def body(outline: Sequence, overlays: Iterable[Sequence] = ()) -> Polygon:
    """The body's silhouette: its outline and any limb drawn over it."""
    return unary_union([polygon(outline), *(polygon(o) for o in overlays)])


def parts(geom) -> list[Polygon]:
    """The polygons of a geometry, largest first, dropping specks."""
    if geom.is_empty:
        return []
    polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [g for g in getattr(geom, "geoms", [geom])
                                                                      if isinstance(g, Polygon)]
    return sorted((p for p in polys if p.area > 4.0), key=lambda p: -p.area)


def zone(shapes: Iterable[Polygon], outline: Polygon) -> list[Polygon]:
    """The shaded area of several regions: each clipped and rounded, then joined (near ones into one shape)."""
    inner = outline.buffer(-INSET)
    rounded = [r for shape in shapes for piece in parts(shape.intersection(inner)) for r in _rounded(piece, inner)]
    if not rounded:
        return []
    merged = unary_union(rounded).buffer(CLOSE, join_style="round").buffer(-CLOSE, join_style="round")
    out = []
    for piece in parts(merged.intersection(inner)):
        out += _rounded(piece, inner, ROUND / 3)
    return out


def _rounded(piece: Polygon, inner: Polygon, most: float = ROUND) -> list[Polygon]:
    """A piece with its corners rounded off, as much as it can take without losing its narrow parts."""
    for r in (most, most * 2 / 3, most / 3, most / 6):
        rounded = piece.buffer(-r, join_style="round").buffer(r, join_style="round").intersection(inner)
        if rounded.area >= 0.8 * piece.area:
            return [p.simplify(0.35) for p in parts(rounded)]
    return [piece.simplify(0.35)]


def frame_body(silhouette: Polygon, rect: tuple[float, float, float, float]) -> list[Polygon]:
    """The pieces of the body inside a frame; one piece when the frame is well chosen."""
    return parts(silhouette.intersection(box(*rect)))


def transform(geom, scale: float, dx: float, dy: float):
    """View units to millimetres: scale about the origin, then shift."""
    return affinity.translate(affinity.scale(geom, scale, scale, origin=(0, 0)), dx, dy)


def curve_d(polys: Iterable[Polygon], to_mm: Callable[[Polygon], Polygon]) -> str:
    """Closed Bézier curves (M, C, Z) through the corners of each polygon's outer ring and holes."""
    out = []
    for p in polys:
        p = to_mm(p)
        for ring in (p.exterior, *p.interiors):
            pts = list(ring.coords)[:-1]
            if len(pts) >= 3:
                out.append(path_d(pts))
    return " ".join(out)


def fibres_d(polys: Iterable[Polygon], spacing: float) -> str:
    """Straight lines `spacing` apart along each shape's long axis, clipped to it: a muscle's grain."""
    import math

    from shapely.geometry import LineString

    out = []
    for p in polys:
        ring = list(p.minimum_rotated_rectangle.exterior.coords)
        edges = [(ring[i], ring[i + 1]) for i in range(2)]
        (a, b) = max(edges, key=lambda e: math.dist(*e))
        ux, uy = (b[0] - a[0]) / math.dist(a, b), (b[1] - a[1]) / math.dist(a, b)
        cx, cy = p.centroid.x, p.centroid.y
        reach = math.dist(a, b) + max(math.dist(*e) for e in edges)
        k = -reach
        while k <= reach:
            ox, oy = cx - uy * k, cy + ux * k
            line = LineString([(ox - ux * reach, oy - uy * reach), (ox + ux * reach, oy + uy * reach)])
            cut = line.intersection(p.buffer(-spacing * 0.4))
            for seg in getattr(cut, "geoms", [cut]):
                if seg.geom_type == "LineString" and seg.length > spacing:
                    (x0, y0), (x1, y1) = seg.coords[0], seg.coords[-1]
                    out.append(f"M{_n(x0)} {_n(y0)} L{_n(x1)} {_n(y1)}")
            k += spacing
    return " ".join(out)


def rect_d(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"M{_n(x0)} {_n(y0)} H{_n(x1)} V{_n(y1)} H{_n(x0)} Z"
