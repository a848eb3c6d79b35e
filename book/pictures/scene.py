"""A press picture as a scene: the posed body, the tool at its place, the floor, wall, chair or table,
and an arrow for the push; laid out for a printed box and written as SVG."""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Optional

from shapely import affinity
from shapely.geometry import LineString, Point as SPoint, Polygon, box as sbox
from shapely.ops import unary_union

from .pose import HEAD, POSES, PLACES, Body, Part, Point, Pose, add, build, reach, surface, vec

BALL = 6.0  # ball radius in body units (cm): a tennis ball drawn a little large, as pictograms do
INK = "#26323d"  # the figure
FAR = "#8d99a6"  # limbs on the far side
BALL_FILL, BALL_INK = "#f2a100", "#6b4700"
PROP_FILL, PROP_INK = "#d9d6d0", "#77726b"
ARROW = "#c62828"

# Printed sizes in millimetres, whatever the box.
ARROW_MM = {"shaft": 0.9, "head": 2.6, "width": 2.6, "length": 7.0, "gap": 0.8}
GAP_MM = 0.45  # the white line between overlapping limbs
LINE_MM = 0.5  # outlines of the ball and the props
MARGIN_MM = 1.5

TOOLS = {"ball": "a ball", "thumbs": "stacked thumbs", "thumb": "the other thumb", "fingertips": "your fingertips",
         "knuckles": "your knuckles"}
HANDS = {"thumbs", "thumb", "fingertips", "knuckles"}
AGAINST = {"floor": "the floor", "wall": "the wall", "table": "the table"}
PUSHES = {"weight": "let your weight press into it", "lean": "lean into it", "in": "press straight in",
          "in-and-up": "press in and up, toward the head", "in-and-down": "press in and down, toward the feet"}
ROLLS = {"along": "along", "across": "across"}
SURFACES = {"lying": ("floor",), "standing": ("floor", "wall"), "chair": ("floor",), "floor-sitting": ("floor",),
            "table": ("floor", "table"), "none": ()}


def surfaces(pose: Pose) -> tuple[str, ...]:
    return tuple(s for s in SURFACES[pose.support] if s != "wall" or pose.wall)


KNOWN = {"pose": ("pose", POSES), "tool": ("tool", TOOLS), "at": ("place", PLACES), "push": ("push", PUSHES),
         "against": ("surface", AGAINST), "roll": ("roll", ROLLS)}


def unknown(fld: str, value: Optional[str]) -> Optional[str]:
    """The error for a name that book/pictures does not know, listing the known ones; None if known."""
    noun, known = KNOWN[fld]
    if value is None and fld in ("against", "roll"):
        return None
    if value not in known:
        return f"unknown {noun} {value!r}; known: {', '.join(sorted(known))}"
    return None


def problems(pose: str, tool: str, at: str, against: Optional[str], push: str, roll: Optional[str]) -> list[tuple[str, str]]:
    """(field, message) for every name that is unknown or does not fit the others."""
    values = {"pose": pose, "tool": tool, "at": at, "against": against, "push": push, "roll": roll}
    out = [(f, m) for f, v in values.items() if (m := unknown(f, v))]
    if out:
        return out
    p, place = POSES[pose], PLACES[at]
    if place.view != p.view:
        fits = sorted(k for k, v in PLACES.items() if v.view == p.view)
        out.append(("at", f"{at!r} is not drawn in the {pose!r} pose; places it shows: {', '.join(fits)}"))
    if against is not None and against not in surfaces(p):
        out.append(("against", f"the {pose!r} pose has no {against}; it has: {', '.join(surfaces(p)) or 'none'}"))
    if tool == "ball" and against is None:
        out.append(("against", "a ball needs something to press against: " + ", ".join(surfaces(p) or ("none",))))
    if tool == "ball" and push not in ("weight", "lean"):
        out.append(("push", f"a ball is pressed by your weight: use 'weight' or 'lean', got {push!r}"))
    if tool in HANDS and push in ("weight", "lean") and against is None:
        out.append(("push", f"your {tool} press the spot: use 'in', 'in-and-up' or 'in-and-down', got {push!r}"))
    return out


# ------------------------------------------------------------------ geometry
def capsule(p: Part) -> Polygon:
    a, b = SPoint(p.a).buffer(p.ra, quad_segs=12), SPoint(p.b).buffer(p.rb, quad_segs=12)
    return a if p.a == p.b else a.union(b).convex_hull


@dataclass
class Scene:
    """Everything drawn, in body units, for the body's right side."""

    body: Body
    tool: str
    tool_arms: tuple[str, ...]  # arm groups that are the tool (not part of the pressed outline)
    contact: Point
    normal: float  # outward surface normal at the contact
    push: float  # the arrow's direction
    ball: Optional[Point] = None
    floor: Optional[float] = None
    wall: Optional[tuple[str, float]] = None  # ("x", position)
    chair: Optional[dict] = None
    table: Optional[dict] = None
    frame: tuple[float, float, float, float] = (0, 0, 1, 1)  # x, y, w, h
    arrow: Optional[tuple[Point, Point]] = None  # tail, tip
    roll: Optional[tuple[Point, Point]] = None
    flip: bool = False
    inset: Optional[tuple] = None  # a magnifier: centre x, y, radius, and the window's centre x, y and radius
    extra: dict = field(default_factory=dict)

    def outline(self) -> Polygon:
        """The pressed body's silhouette: every part but the pressing arm."""
        return unary_union([capsule(p) for p in self.body.parts.values() if p.group not in self.tool_arms])

    def shapes(self):
        """Everything an arrow must not cross."""
        out = [capsule(p) for p in self.body.parts.values()]
        if self.ball:
            out.append(SPoint(self.ball).buffer(BALL))
        return unary_union(out)


def _bottom(body: Body, names) -> float:
    """The lowest y (the largest, y pointing down) of the named parts."""
    return max(max(p.a[1] + p.ra, p.b[1] + p.rb) for p in (body.parts[n] for n in names))


def _settle(pose: Pose, angles: dict, floor: float, base) -> tuple[Body, dict]:
    """Turn the pose's settle joints so the named parts just reach the floor."""
    angles = dict(angles)
    for keys, parts, span in pose.settle:
        best = None
        for step in range(int(-span * 4), int(span * 4) + 1):
            d = step / 4
            body = base({**angles, **{k: pose.angles[k] + d for k in keys}})
            gap = abs(_bottom(body, parts) - floor)
            if best is None or gap < best[0] - 1e-9:
                best = (gap, d)
        angles.update({k: pose.angles[k] + best[1] for k in keys})
    return base(angles), angles


def _rotate_body(body: Body, angle: float, about: Point) -> Body:
    if not angle:
        return body
    out = Body(body.view)
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    def turn(q: Point) -> Point:  # clockwise on the page for a positive angle, as segment angles turn
        x, y = q[0] - about[0], q[1] - about[1]
        return about[0] + x * c - y * s, about[1] + x * s + y * c

    for n, p in body.parts.items():
        out.parts[n] = Part(n, p.group, turn(p.a), turn(p.b), p.ra, p.rb, p.angle + angle)
    return out


def _tilt(body: Body, place, centre: Point, floor: float) -> float:
    """Lying on a ball: the turn about the ball that lets the body's other end rest on the floor."""
    if place.part == "head":
        ends = ["torso"]
    elif place.part == "pelvis" or place.t < 0.6:
        ends = ["head", "torso"]
    else:
        ends = ["pelvis"]
    best = None
    for step in range(-120, 121):
        a = step / 4
        lowest = _bottom(_rotate_body(body, a, centre), ends)
        if lowest <= floor + 1e-6 and (best is None or lowest > best[0] + 1e-9):
            best = (lowest, a)
    return best[1] if best else 0.0


def compose(pose_name: str, tool: str, at: str, against: Optional[str], push: str, roll: Optional[str] = None) -> Scene:
    """Pose the body, put the tool at its place and set the floor, wall, chair or table around it."""
    pose, place = POSES[pose_name], PLACES[at]
    angles = dict(pose.angles)
    hands = tool in HANDS
    thumb = tool in ("thumb", "thumbs")
    # the right hand presses, unless the spot is on the right arm itself; stacked thumbs use both
    on_arm = place.part in ("right.upper", "right.fore")
    presser = ("left", "right") if tool == "thumbs" else (("left",) if on_arm else ("right",))
    tilt: tuple[float, Point] = (0.0, (0.0, 0.0))

    def base(a: dict) -> Body:
        return _rotate_body(build(pose, a), *tilt)

    body = base(angles)
    point, normal = surface(body, place)
    floor = None
    if pose.support == "lying":
        if tool == "ball" and against == "floor":
            centre = add(point, vec(normal), BALL)
            floor = centre[1] + BALL
            tilt = (_tilt(body, place, centre, floor), centre)
        else:
            floor = _bottom(body, [n for n, p in body.parts.items() if p.group in ("torso", "head")])
    elif pose.support != "none":
        feet = ["pelvis", "right.thigh", "right.shin", "left.thigh", "left.shin"] \
            if pose.support == "floor-sitting" else ["right.foot", "left.foot"]
        floor = _bottom(body, feet)
        if tool == "ball" and against == "floor":
            floor = add(point, vec(normal), BALL)[1] + BALL
    if floor is not None:
        body, angles = _settle(pose, angles, floor, base)
    leans = range(0, 52, 2) if hands and pose.support != "lying" else (0,)
    for lean in leans:
        trial = base({**angles, "torso": angles["torso"] + lean, "neck": angles["neck"] + lean})
        point, normal = surface(trial, place)
        push_dir = _push(trial, normal, push)
        reached = True
        for i, s in enumerate(presser):
            if not hands:
                break
            tip = add(point, vec(push_dir), -LENGTHS_THUMB * i)
            # a hand raised to the head, or reaching across to the other arm: the elbow comes forward
            short = 0.55 if pose.view == "front" or on_arm else 1.0
            reached = reach(trial, s, tip, push_dir, thumb, short) and reached
        body = trial
        if reached:
            break
    ball = add(point, vec(normal), BALL) if tool == "ball" else None
    scene = Scene(body, tool, tuple(f"{s}.arm" for s in presser) if hands else (), point, normal, push_dir, ball, floor)
    scene.extra["reached"] = reached
    _props(scene, pose, against)
    if pose.wall == "ahead" and not hands:
        _hands_on_wall(scene)
    return scene


def _hands_on_wall(scene: Scene) -> None:
    """Facing a wall: both hands rest on it above the ball, which also shows which way the figure faces."""
    body, x = scene.body, scene.wall[1]
    head = body.parts["head"]
    top = head.a[1] - HEAD  # at the height of the top of the head, clear of the face and the ball
    for i, s in enumerate(("left", "right")):
        reach(body, s, (x, top + 3 * i), 75.0, False)


LENGTHS_THUMB = 4.5  # the upper thumb of a stacked pair sits this far back


def _push(body: Body, normal: float, push: str) -> float:
    """The arrow's direction: from the body toward a ball; into the body for a hand."""
    if push in ("weight", "lean"):
        return normal
    d = normal + 180
    if push != "in":
        head = body.parts["torso" if "torso" in body.parts else "trunk"].angle  # toward the head
        turn = ((head - d + 180) % 360) - 180
        d += math.copysign(30, turn) * (1 if push == "in-and-up" else -1)
    return d


def _props(scene: Scene, pose: Pose, against: Optional[str]) -> None:
    b = scene.body
    if pose.wall:
        if scene.ball and against == "wall":
            x = scene.ball[0] + (BALL if vec(scene.normal)[0] > 0 else -BALL)
        else:
            bounds = unary_union([capsule(p) for p in b.parts.values()]).bounds
            x = {"behind": bounds[0] - 2, "ahead": bounds[2] + 2, "right": bounds[0] - 2}[pose.wall]
        scene.wall = (pose.wall, x)
    if pose.support in ("chair", "table"):
        pelvis = capsule(b.parts["pelvis"])
        x0, _, x1, y1 = pelvis.bounds
        scene.chair = {"seat": y1, "back": x0 - 1.5, "front": x1 + 14, "top": y1 - 48}
    if pose.support == "table":
        fore = b.parts["right.fore"]
        top = _bottom(b, ["right.fore"])
        scene.table = {"top": top, "x0": min(fore.a[0], fore.b[0]) - 6}


# ------------------------------------------------------------------ layout for a printed box
def _arrow(scene: Scene, direction: float, k: float, obstacles) -> Optional[tuple[Point, Point]]:
    """An arrow pointing along `direction` at the contact, tip stopping short of whatever it meets first."""
    d = vec(direction)
    perp = (-d[1], d[0])
    length, gap = ARROW_MM["length"] * k, ARROW_MM["gap"] * k
    far = 400.0
    for o in (0, 1, -1, 2, -2, 3, -3, 4, -4):
        off = o * 2.5 * k
        start = add(add(scene.contact, perp, off), d, -far)
        ray = LineString([start, add(add(scene.contact, perp, off), d, 2 * BALL)])
        hit = ray.intersection(obstacles.boundary)
        if hit.is_empty:
            continue
        pts = [g for g in getattr(hit, "geoms", [hit])]
        near = min((SPoint(start).distance(g) for g in pts))
        tip = add(start, d, near - gap)
        tail = add(tip, d, -length)
        if not LineString([tail, tip]).buffer(0.5 * k).intersects(obstacles):
            return tail, tip
    return None


def layout(scene: Scene, box_mm: tuple[float, float], pose: Pose, roll: Optional[str]) -> Scene:
    """Frame the scene for a box of box_mm millimetres: figure, tool and arrows inside, aspect kept."""
    w_mm, h_mm = box_mm
    keep = [capsule(p) for p in scene.body.parts.values()
            if pose.frame is None or p.group in pose.frame or p.name in pose.frame or p.group in scene.tool_arms]
    if scene.ball:
        keep.append(SPoint(scene.ball).buffer(BALL))
    if scene.table:
        keep.append(SPoint(scene.table["x0"] + 40, scene.table["top"]).buffer(1))
    core = unary_union(keep)
    k = 1.0
    for _ in range(3):
        x0, y0, x1, y1 = core.bounds
        if scene.arrow:
            xs, ys = [p[0] for p in scene.arrow], [p[1] for p in scene.arrow]
            hw = ARROW_MM["width"] * k
            x0, x1, y0, y1 = min(x0, min(xs) - hw), max(x1, max(xs) + hw), min(y0, min(ys) - hw), max(y1, max(ys) + hw)
        if scene.roll:
            xs, ys = [p[0] for p in scene.roll], [p[1] for p in scene.roll]
            hw = ARROW_MM["width"] * k
            x0, x1, y0, y1 = min(x0, min(xs) - hw), max(x1, max(xs) + hw), min(y0, min(ys) - hw), max(y1, max(ys) + hw)
        if scene.floor is not None and pose.frame is None:
            y1 = max(y1, scene.floor + 3 * k)
        if scene.wall:
            side = vec(scene.normal)[0] > 0 if scene.ball else scene.wall[0] == "ahead"
            x = scene.wall[1]
            x0, x1 = (x0, max(x1, x + 4 * k)) if side else (min(x0, x - 4 * k), x1)
        m = MARGIN_MM * k
        x0, y0, x1, y1 = x0 - m, y0 - m, x1 + m, y1 + m
        w, h = x1 - x0, y1 - y0
        if w / h < w_mm / h_mm:
            w = h * w_mm / h_mm
        else:
            h = w * h_mm / w_mm
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        if scene.floor is not None and pose.frame is None:
            cy = min(cy, scene.floor + 3 * k - h / 2 + m)  # the floor stays near the foot of the box
        scene.frame = (cx - w / 2, cy - h / 2, w, h)
        k = w / w_mm  # body units per millimetre
        obstacles = scene.shapes()
        if scene.floor is not None:
            obstacles = obstacles.union(sbox(-1000, scene.floor, 1000, scene.floor + 50))
        scene.arrow = _arrow(scene, scene.push, k, obstacles)
        if roll:
            scene.roll = _roll(scene, k, roll, obstacles)
    scene.extra["k"] = k
    if pose.support == "lying" and pose.frame is None:
        _place_inset(scene, core, k)
    return scene


def _place_inset(scene: Scene, core, k: float) -> None:
    """Room above a lying body (a wide figure in a squarish box) holds a magnified view of the spot."""
    fx, fy, fw, fh = scene.frame
    top = core.bounds[1]
    if scene.arrow:
        top = min(top, *(p[1] - ARROW_MM["width"] * k for p in scene.arrow))
    m = MARGIN_MM * k
    r = min((top - fy - 2 * m) / 2, 0.3 * fw)
    if r < 8 * k:  # under 16 mm across it would show little
        return
    centre = scene.contact if not scene.ball else ((scene.contact[0] + scene.ball[0]) / 2, (scene.contact[1] + scene.ball[1]) / 2)
    cx = min(max(centre[0], fx + m + r), fx + fw - m - r)
    if scene.arrow:  # keep clear of the push arrow, which stands above the spot
        ax = scene.arrow[0][0]
        room = r + ARROW_MM["width"] * k
        if abs(cx - ax) < room:
            right, left = ax + room, ax - room
            cx = right if right + r <= fx + fw - m else (left if left - r >= fx + m else cx)
    scene.inset = (cx, fy + m + r, r, centre[0], centre[1], 4.2 * BALL)


def _roll(scene: Scene, k: float, roll: str, obstacles) -> Optional[tuple[Point, Point]]:
    """A short double arrow beside the tool, along the body (or across it): 'move a few centimetres'."""
    along = scene.normal + 90 if roll == "along" else scene.normal
    d = vec(along)
    half = 3.2 * k
    centre_from = scene.ball if scene.ball else scene.contact
    n = vec(scene.normal)
    for dist in (BALL + 1.2 * k + half, BALL + 2.5 * k + half):
        for sgn in (1, -1):
            c = add(centre_from, d, sgn * dist)
            c = add(c, n, -BALL * 0.1) if scene.ball else add(c, n, 2.5 * k)
            a, b = add(c, d, -half), add(c, d, half)
            if not LineString([a, b]).buffer(ARROW_MM["width"] * k * 0.45).intersects(obstacles):
                return a, b
    return None


# ------------------------------------------------------------------ SVG
def _n(v: float) -> str:
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _path(geom) -> str:
    polys = getattr(geom, "geoms", [geom])
    out = []
    for p in polys:
        if p.is_empty:
            continue
        for ring in [p.exterior, *p.interiors]:
            pts = list(ring.coords)[:-1]
            out.append("M" + " L".join(f"{_n(x)} {_n(y)}" for x, y in pts) + " Z")
    return " ".join(out)


def _mirror(scene: Scene):
    """A function mapping a geometry or point to its drawn place (mirrored for the left side)."""
    x0, _, w, _ = scene.frame
    axis = x0 + w / 2
    if not scene.flip:
        return lambda g: g
    return lambda g: affinity.scale(g, xfact=-1, yfact=1, origin=(axis, 0))


def _arrow_svg(tail: Point, tip: Point, k: float, double: bool = False) -> str:
    dx, dy = tip[0] - tail[0], tip[1] - tail[1]
    L = math.hypot(dx, dy)
    ux, uy = dx / L, dy / L
    head, half = ARROW_MM["head"] * k, ARROW_MM["width"] * k / 2

    def tri(p: Point, u: tuple[float, float]) -> str:
        bx, by = p[0] - u[0] * head, p[1] - u[1] * head
        return (f"M{_n(p[0])} {_n(p[1])} L{_n(bx - u[1] * half)} {_n(by + u[0] * half)} "
                f"L{_n(bx + u[1] * half)} {_n(by - u[0] * half)} Z")

    a = (tail[0] + ux * head * 0.9, tail[1] + uy * head * 0.9) if double else tail
    b = (tip[0] - ux * head * 0.9, tip[1] - uy * head * 0.9)
    shaft = (f'<path d="M{_n(a[0])} {_n(a[1])} L{_n(b[0])} {_n(b[1])}" stroke="{ARROW}" '
             f'stroke-width="{_n(ARROW_MM["shaft"] * k)}" stroke-linecap="butt" fill="none"/>')
    heads = tri(tip, (ux, uy)) + (" " + tri(tail, (-ux, -uy)) if double else "")
    return shaft + f'<path d="{heads}" fill="{ARROW}"/>'


def _drawing(scene: Scene, m) -> list[str]:
    """Props, figure and ball, each geometry passed through m (the mirror, or nothing)."""
    k = scene.extra["k"]
    fx, fy, fw, fh = scene.frame
    out = []
    # props behind the figure
    if scene.floor is not None:
        g = m(sbox(fx - 1, scene.floor, fx + fw + 1, fy + fh + 1))
        out.append(f'<path class="floor" d="{_path(g)}" fill="{PROP_FILL}"/>')
        line = m(LineString([(fx - 1, scene.floor), (fx + fw + 1, scene.floor)]))
        out.append(f'<path d="M{_n(line.coords[0][0])} {_n(line.coords[0][1])} L{_n(line.coords[1][0])} '
                   f'{_n(line.coords[1][1])}" stroke="{PROP_INK}" stroke-width="{_n(LINE_MM * k * 1.6)}"/>')
    if scene.wall:
        x = scene.wall[1]
        toward = vec(scene.normal)[0] > 0 if scene.ball else scene.wall[0] == "ahead"
        band = sbox(x, fy - 1, x + 30, scene.floor if scene.floor is not None else fy + fh + 1) if toward \
            else sbox(x - 30, fy - 1, x, scene.floor if scene.floor is not None else fy + fh + 1)
        out.append(f'<path class="wall" d="{_path(m(band))}" fill="{PROP_FILL}"/>')
        edge = m(LineString([(x, fy - 1), (x, scene.floor if scene.floor is not None else fy + fh + 1)]))
        (ax, ay), (bx, by) = edge.coords
        out.append(f'<path d="M{_n(ax)} {_n(ay)} L{_n(bx)} {_n(by)}" stroke="{PROP_INK}" '
                   f'stroke-width="{_n(LINE_MM * k * 1.6)}"/>')
    if scene.chair:
        c = scene.chair
        t = 3.0
        seat = sbox(c["back"], c["seat"], c["front"], c["seat"] + t)
        back = sbox(c["back"] - t, c["top"], c["back"], c["seat"] + t)
        legs = [sbox(c["back"] - t, c["seat"], c["back"], scene.floor),
                sbox(c["front"] - t, c["seat"], c["front"], scene.floor)]
        chair = unary_union([seat, back, *legs])
        out.append(f'<path class="chair" d="{_path(m(chair))}" fill="{PROP_INK}"/>')
    if scene.table:
        tb = scene.table
        top = sbox(tb["x0"], tb["top"], fx + fw + 5, tb["top"] + 3.5)
        leg = sbox(tb["x0"] + 30, tb["top"], tb["x0"] + 33, tb["top"] + 80)
        out.append(f'<path class="table" d="{_path(m(unary_union([top, leg])))}" fill="{PROP_INK}"/>')
    # the figure: far limbs, torso, head, near limbs, then the pressing arm, each with a white rim
    parts = scene.body.parts
    profile = scene.body.view == "profile"
    groups = ["left.leg", "left.arm", "torso", "head", "right.leg", "right.arm"] if profile else \
        ["torso", "head", "right.leg", "left.leg", "right.arm", "left.arm"]
    groups = [g for g in groups if g not in scene.tool_arms] + [g for g in groups if g in scene.tool_arms]
    rim = GAP_MM * k * 2
    for g in groups:
        shape = m(unary_union([capsule(p) for p in parts.values() if p.group == g]))
        far = profile and g.startswith("left.") and g not in scene.tool_arms
        d = _path(shape)
        out.append(f'<path class="part {g}" d="{d}" fill="{FAR if far else INK}" stroke="white" '
                   f'stroke-width="{_n(rim)}" stroke-linejoin="round"/>')
        out.append(f'<path d="{d}" fill="{FAR if far else INK}"/>')
    if scene.ball:
        b = m(SPoint(scene.ball))
        out.append(f'<circle class="tool ball" cx="{_n(b.x)}" cy="{_n(b.y)}" r="{_n(BALL)}" fill="{BALL_FILL}" '
                   f'stroke="{BALL_INK}" stroke-width="{_n(LINE_MM * k)}"/>')
        arc = m(SPoint(add(scene.ball, vec(scene.normal + 135), BALL * 1.25)).buffer(BALL * 0.95, quad_segs=16)
                .exterior.intersection(SPoint(scene.ball).buffer(BALL * 0.92)))  # a tennis ball's seam
        for line in getattr(arc, "geoms", [arc]):
            out.append(f'<path d="M{" L".join(f"{_n(x)} {_n(y)}" for x, y in line.coords)}" fill="none" '
                       f'stroke="white" stroke-width="{_n(LINE_MM * k * 0.8)}" stroke-linecap="round"/>')
    return out


def _inset(scene: Scene, uid: str) -> str:
    """A magnifying circle over the empty space above a lying body: the tool at the spot, larger."""
    cx, cy, r, wx, wy, rw = scene.inset
    k = scene.extra["k"]
    z = r / rw
    line = LINE_MM * k * 0.8
    inner = "".join(_drawing(scene, lambda g: g))
    d = math.hypot(cx - wx, cy - wy)
    ux, uy = (wx - cx) / d, (wy - cy) / d
    out = (f'<defs><clipPath id="{uid}lens"><circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}"/></clipPath></defs>'
           f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" fill="white"/>'
           f'<g clip-path="url(#{uid}lens)"><g transform="translate({_n(cx)} {_n(cy)}) scale({z:.4f}) '
           f'translate({_n(-wx)} {_n(-wy)})">{inner}</g></g>'
           f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(r)}" fill="none" stroke="{PROP_INK}" stroke-width="{_n(line)}"/>'
           f'<circle cx="{_n(wx)}" cy="{_n(wy)}" r="{_n(rw)}" fill="none" stroke="{PROP_INK}" stroke-width="{_n(line)}"/>'
           f'<path d="M{_n(cx + ux * r)} {_n(cy + uy * r)} L{_n(wx - ux * rw)} {_n(wy - uy * rw)}" '
           f'stroke="{PROP_INK}" stroke-width="{_n(line)}"/>')
    if scene.flip:
        x0, _, w, _ = scene.frame
        out = f'<g transform="matrix(-1 0 0 1 {_n(2 * x0 + w)} 0)">{out}</g>'
    return f'<g class="inset">{out}</g>'


def svg_body(scene: Scene, uid: str) -> str:
    """The scene's drawing (no <svg> wrapper), in frame coordinates."""
    k = scene.extra["k"]
    m = _mirror(scene)
    out = _drawing(scene, m)
    if scene.inset:
        out.append(_inset(scene, uid))
    c = m(SPoint(scene.contact))
    out.append(f'<g class="contact" data-x="{_n(c.x)}" data-y="{_n(c.y)}"/>')
    if scene.arrow:
        tail, tip = (m(SPoint(p)) for p in scene.arrow)
        out.append(f'<g class="arrow push">{_arrow_svg((tail.x, tail.y), (tip.x, tip.y), k)}</g>')
    if scene.roll:
        a, b = (m(SPoint(p)) for p in scene.roll)
        out.append(f'<g class="arrow roll">{_arrow_svg((a.x, a.y), (b.x, b.y), k * 0.8, double=True)}</g>')
    return "".join(out)


def esc(text: str) -> str:
    return html.escape(text, quote=True)
