"""The pictogram figure: a skeleton of capsules posed by joint angles (forward kinematics).

Units are centimetres of an adult about 170 cm tall; y points down, as in SVG.
An angle is the absolute direction of a segment, in degrees: 0 points up,
90 forward (+x, where the figure faces), 180 down, -90 back. Profile poses are
seen from the figure's right side (right limbs near, left limbs far); front
poses face the viewer, so the right side is on the viewer's left (-x).
The left side is drawn by mirroring the finished scene.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Optional

Point = tuple[float, float]

LENGTH = {"pelvis": 12, "torso": 40, "neck": 8, "thigh": 44, "shin": 42, "foot": 19, "heel": 4,
          "upper": 29, "fore": 25, "palm": 9, "fingers": 8, "thumb": 6}
RADIUS = {"pelvis": (11.5, 11.0), "torso": (10.5, 11.5), "neck": (4.6, 4.6), "thigh": (8.0, 5.6),
          "shin": (5.4, 3.8), "foot": (4.0, 2.5), "upper": (5.0, 4.4), "fore": (4.3, 3.4),
          "palm": (3.7, 3.6), "fingers": (2.5, 2.2), "thumb": (2.5, 2.3),
          "hips": (11.0, 11.0), "trunk": (13.5, 15.0), "chest": (7.5, 7.5)}
HEAD = 10.5  # head radius: a head of about one seventh of the height


def vec(angle: float) -> Point:
    r = math.radians(angle)
    return math.sin(r), -math.cos(r)


def add(p: Point, d: Point, k: float = 1.0) -> Point:
    return p[0] + d[0] * k, p[1] + d[1] * k


@dataclass
class Part:
    """One capsule (a circle when a == b): the body is the union of its parts."""

    name: str  # e.g. "right.thigh", "torso", "head"
    group: str  # drawn together: "torso", "head", "right.arm", "left.leg", ...
    a: Point
    b: Point
    ra: float
    rb: float
    angle: float  # direction a -> b (for the head: the neck's direction)


@dataclass
class Body:
    view: str  # "profile" or "front"
    parts: dict[str, Part] = field(default_factory=dict)

    def put(self, name: str, group: str, a: Point, angle: float, length: float, kind: Optional[str] = None) -> Point:
        ra, rb = RADIUS[kind or name.split(".")[-1]]
        b = add(a, vec(angle), length)
        self.parts[name] = Part(name, group, a, b, ra, rb, angle)
        return b


# ------------------------------------------------------------------ poses
@dataclass(frozen=True)
class Pose:
    """A body position: absolute segment angles, the view, and how it meets the floor."""

    phrase: str  # for the text alternative, e.g. "Lying on your back, knees bent"
    view: str
    angles: dict
    support: str  # "lying", "standing", "chair", "floor-sitting", "table", "none"
    wall: Optional[str] = None  # where a wall stands if the pose has one: "behind", "ahead", "right"
    frame: Optional[tuple[str, ...]] = None  # a close-up: the groups or parts framed; None = the whole figure
    settle: tuple = ()  # (angle keys, parts that must reach the floor, search range in degrees)


_ARMS_DOWN = {"right.upper": 178, "right.fore": 170, "right.palm": 172, "right.fingers": 172,
              "left.upper": 186, "left.fore": 190, "left.palm": 190, "left.fingers": 190}
_LEGS_UP = {"right.thigh": 180, "right.shin": 180, "right.foot": 90,
            "left.thigh": 184, "left.shin": 178, "left.foot": 90}

POSES: dict[str, Pose] = {
    "supine": Pose("Lying on your back", "profile", {
        "torso": -90, "neck": -90, "right.thigh": 90, "right.shin": 90, "right.foot": -5,
        "left.thigh": 92, "left.shin": 90, "left.foot": 0,
        "right.upper": 92, "right.fore": 92, "right.palm": 92, "right.fingers": 92,
        "left.upper": 88, "left.fore": 90, "left.palm": 90, "left.fingers": 90}, "lying",
        settle=((("right.thigh", "right.shin", "right.foot", "left.thigh", "left.shin", "left.foot"),
                 ("right.shin", "left.shin"), 12),)),
    "supine-knees-bent": Pose("Lying on your back, knees bent", "profile", {
        "torso": -90, "neck": -90, "right.thigh": 52, "right.shin": 148, "right.foot": 90,
        "left.thigh": 56, "left.shin": 150, "left.foot": 90,
        "right.upper": 95, "right.fore": 92, "right.palm": 92, "right.fingers": 92,
        "left.upper": 88, "left.fore": 90, "left.palm": 90, "left.fingers": 90}, "lying",
        settle=((("right.thigh",), ("right.foot",), 25), (("left.thigh",), ("left.foot",), 25))),
    "prone": Pose("Lying face down", "profile", {
        "torso": 90, "neck": 95, "right.thigh": -90, "right.shin": -90, "right.foot": 175,
        "left.thigh": -92, "left.shin": -90, "left.foot": 175,
        "right.upper": 150, "right.fore": 70, "right.palm": 70, "right.fingers": 70,
        "left.upper": 155, "left.fore": 75, "left.palm": 75, "left.fingers": 75}, "lying"),
    "side-lying": Pose("Lying on your side", "front", {
        "torso": -90, "neck": -90, "right.thigh": 90, "right.shin": 90, "right.foot": 0,
        "left.thigh": 84, "left.shin": 92, "left.foot": 0,
        "right.upper": -150, "right.fore": -150, "right.palm": -150, "right.fingers": -150,
        "left.upper": 100, "left.fore": 95, "left.palm": 95, "left.fingers": 95}, "lying"),
    "floor-sitting": Pose("Sitting on the floor, leg out straight", "profile", {
        "torso": 8, "neck": 12, "right.thigh": 90, "right.shin": 90, "right.foot": 8,
        "left.thigh": 88, "left.shin": 90, "left.foot": 5, **{k: v for k, v in _ARMS_DOWN.items()},
        "left.upper": 200, "left.fore": 170, "left.palm": 170, "left.fingers": 170}, "floor-sitting"),
    "chair-sitting": Pose("Sitting on a chair", "profile", {
        "torso": 2, "neck": 4, "right.thigh": 88, "right.shin": 172, "right.foot": 90,
        "left.thigh": 90, "left.shin": 182, "left.foot": 90,
        "right.upper": 170, "right.fore": 115, "right.palm": 110, "right.fingers": 110,
        "left.upper": 172, "left.fore": 112, "left.palm": 110, "left.fingers": 110}, "chair",
        settle=((("left.shin",), ("left.foot",), 30),)),
    "table-sitting": Pose("Sitting at a table, forearm resting on it palm down", "profile", {
        "torso": 6, "neck": 10, "right.thigh": 88, "right.shin": 176, "right.foot": 90,
        "left.thigh": 90, "left.shin": 180, "left.foot": 90,
        "right.upper": 160, "right.fore": 90, "right.palm": 92, "right.fingers": 95,
        "left.upper": 172, "left.fore": 112, "left.palm": 110, "left.fingers": 110}, "table",
        frame=("head", "torso", "right.arm", "left.arm")),
    "standing": Pose("Standing", "profile", {"torso": 0, "neck": 2, **_LEGS_UP, **_ARMS_DOWN}, "standing"),
    "standing-back-to-wall": Pose("Standing with your back to a wall", "profile", {
        "torso": -5, "neck": -2, "right.thigh": 172, "right.shin": 176, "right.foot": 90,
        "left.thigh": 176, "left.shin": 174, "left.foot": 90, **_ARMS_DOWN,
        "left.upper": 181, "left.fore": 183, "left.palm": 182, "left.fingers": 182}, "standing", wall="behind"),
    "standing-facing-wall": Pose("Standing facing a wall", "profile", {
        "torso": 7, "neck": 9, "right.thigh": 188, "right.shin": 184, "right.foot": 90,
        "left.thigh": 184, "left.shin": 186, "left.foot": 90,
        "right.upper": 182, "right.fore": 175, "right.palm": 178, "right.fingers": 178,
        "left.upper": 190, "left.fore": 192, "left.palm": 190, "left.fingers": 190}, "standing", wall="ahead"),
    "standing-side-to-wall": Pose("Standing with your side to a wall", "front", {
        "torso": -6, "neck": -2, "right.thigh": 174, "right.shin": 178, "right.foot": -90,
        "left.thigh": 166, "left.shin": 178, "left.foot": 90,
        "right.upper": 176, "right.fore": 108, "right.palm": 104, "right.fingers": 104,
        "left.upper": 166, "left.fore": 176, "left.palm": 178, "left.fingers": 178}, "standing", wall="right"),
    "head-close-up": Pose("Sitting upright, shoulders relaxed", "front", {
        "torso": 0, "neck": 0, **_LEGS_UP, "right.foot": -90, "left.foot": 90,
        "right.upper": 190, "right.fore": 180, "right.palm": 180, "right.fingers": 180,
        "left.upper": 170, "left.fore": 180, "left.palm": 180, "left.fingers": 180}, "none",
        frame=("head", "neck", "chest", "right.arm")),
}


def build(pose: Pose, angles: Optional[dict] = None) -> Body:
    """Forward kinematics: the posed body, its hip joint at (0, 0)."""
    ang = {**pose.angles, **(angles or {})}
    body = Body(pose.view)
    t = ang["torso"]
    hip: Point = (0.0, 0.0)
    if pose.view == "profile":
        lumbar = body.put("pelvis", "torso", hip, t, LENGTH["pelvis"])
        neck = body.put("torso", "torso", lumbar, t, LENGTH["torso"])
        hips = {"right": hip, "left": hip}
        shoulders = {s: add(neck, vec(t), -5) for s in ("right", "left")}
    else:
        side = {"right": vec(t - 90), "left": vec(t + 90)}  # the right side is on the viewer's left
        hips = {s: add(hip, side[s], 8.5) for s in side}
        lumbar = add(hip, vec(t), LENGTH["pelvis"])
        neck = add(lumbar, vec(t), LENGTH["torso"])
        body.parts["hips"] = Part("hips", "torso", hips["left"], hips["right"], *RADIUS["hips"], t - 90)
        body.put("trunk", "torso", add(hip, vec(t), 4), t, LENGTH["pelvis"] + LENGTH["torso"] - 18)
        shoulders = {s: add(add(neck, vec(t), -5), side[s], 14) for s in side}
        body.parts["chest"] = Part("chest", "torso", shoulders["left"], shoulders["right"], *RADIUS["chest"], t - 90)
    n = ang["neck"]
    top = body.put("neck", "torso", add(neck, vec(t), -3), n, LENGTH["neck"] + 3)
    centre = add(top, vec(n), HEAD - 1.5)
    body.parts["head"] = Part("head", "head", centre, centre, HEAD, HEAD, n)
    for s in ("right", "left"):
        knee = body.put(f"{s}.thigh", f"{s}.leg", hips[s], ang[f"{s}.thigh"], LENGTH["thigh"])
        ankle = body.put(f"{s}.shin", f"{s}.leg", knee, ang[f"{s}.shin"], LENGTH["shin"])
        f = ang[f"{s}.foot"]
        body.put(f"{s}.foot", f"{s}.leg", add(ankle, vec(f), -LENGTH["heel"]), f, LENGTH["foot"])
        arm(body, s, shoulders[s], ang[f"{s}.upper"], ang[f"{s}.fore"], ang[f"{s}.palm"], ang[f"{s}.fingers"])
    return body


def arm(body: Body, s: str, shoulder: Point, upper: float, fore: float, palm: float, fingers: float,
        thumb: Optional[float] = None, upper_length: float = LENGTH["upper"]) -> None:
    g = f"{s}.arm"
    elbow = body.put(f"{s}.upper", g, shoulder, upper, upper_length)
    wrist = body.put(f"{s}.fore", g, elbow, fore, LENGTH["fore"])
    knuckles = body.put(f"{s}.palm", g, wrist, palm, LENGTH["palm"])
    if thumb is None:
        body.put(f"{s}.fingers", g, knuckles, fingers, LENGTH["fingers"])
    else:  # a fist with the thumb out: short curled fingers, the thumb from the knuckles
        body.put(f"{s}.fingers", g, knuckles, fingers, 3.5)
        body.put(f"{s}.thumb", g, knuckles, thumb, LENGTH["thumb"])


def reach(body: Body, s: str, tip: Point, push: float, thumb: bool, short: float = 1.0) -> bool:
    """Re-pose one arm so its fingertips (or thumb tip) press `tip` in direction `push`.

    Two-link inverse kinematics from the shoulder to the wrist, the elbow bent
    downward, as a relaxed arm's is; `short` foreshortens the upper arm (an elbow
    brought forward, toward the viewer). False when the wrist is out of reach.
    """
    shoulder = body.parts[f"{s}.upper"].a
    l1, l2 = LENGTH["upper"] * short, LENGTH["fore"]
    best = None
    # a fist with the thumb out (the wrist behind and to one side of the thumb), or a flat hand
    turns = (45, 60, 75, 90, 105) if thumb else (0, 10, 20, 30, 40, 50, 60)
    for bend in (1.0, -1.0):
        for turn in turns:
            base = add(tip, vec(push), -LENGTH["thumb" if thumb else "fingers"])
            palm = push - turn * bend
            wrist = add(base, vec(palm), -LENGTH["palm"])
            dx, dy = wrist[0] - shoulder[0], wrist[1] - shoulder[1]
            d = math.hypot(dx, dy)
            if d > l1 + l2 - 0.5 or d < abs(l1 - l2) + 0.5:
                continue
            to_wrist = math.degrees(math.atan2(dx, -dy))
            alpha = math.degrees(math.acos((l1 * l1 + d * d - l2 * l2) / (2 * l1 * d)))
            for sign in (1.0, -1.0):
                upper = to_wrist + alpha * sign
                elbow = add(shoulder, vec(upper), l1)
                fore = math.degrees(math.atan2(wrist[0] - elbow[0], -(wrist[1] - elbow[1])))
                wrist_bend = abs(((palm - fore + 180) % 360) - 180)
                folded = max(0.0, 40 - (180 - abs(((fore - upper + 180) % 360) - 180)))
                # a relaxed arm: the elbow low, the wrist little bent, the elbow not folded shut
                score = elbow[1] - 0.25 * wrist_bend - 0.8 * folded - 0.05 * turn
                if best is None or score > best[0]:
                    best = (score, upper, fore, palm, bend)
    if best is None:
        return False
    _, upper, fore, palm, bend = best
    for k in ("upper", "fore", "palm", "fingers", "thumb"):
        body.parts.pop(f"{s}.{k}", None)
    arm(body, s, shoulder, upper, fore, palm, palm + 80 * bend if thumb else push, push if thumb else None, l1)
    return True


# ------------------------------------------------------------------ places on the body
@dataclass(frozen=True)
class Place:
    """A point on the body's surface: a part, how far along it, and which way the surface faces there."""

    phrase: str  # for the text alternative, e.g. "the low back where the lowest rib meets the spine"
    view: str
    part: str
    t: float  # 0 at the part's start, 1 at its end
    normal: float  # the surface's outward direction, relative to the part's direction, in degrees
    into: str = "on"  # how a tool meets it in words: "under" when the body lies on it


PLACES: dict[str, Place] = {
    "skull-base": Place("the base of the skull", "profile", "head", 0.0, -108),
    "thoracolumbar-corner": Place("the low back where the lowest rib meets the spine", "profile", "torso", 0.2, -90),
    "low-back": Place("the low back beside the spine, just above the pelvis", "profile", "pelvis", 0.95, -90),
    "upper-buttock": Place("the top of the buttock, below the rim of the pelvis", "profile", "pelvis", 0.1, -100),
    "upper-back": Place("the upper back beside the spine, below the neck", "profile", "torso", 0.8, -90),
    "shoulder-blade": Place("the middle of the shoulder blade", "profile", "torso", 0.58, -90),
    "upper-chest": Place("the upper chest, below the collarbone", "profile", "torso", 0.78, 90),
    "front-of-hip-bone": Place("the belly just inside the bony point at the front of the hip", "profile",
                               "pelvis", 0.55, 90),
    "outer-thigh": Place("the outer front of the thigh, a hand's width above the knee", "profile",
                         "right.thigh", 0.72, -90),
    "upper-shin": Place("the front of the shin, below the knee", "profile", "right.shin", 0.22, -90),
    "arch": Place("the arch of the foot", "profile", "right.foot", 0.5, 90),
    "upper-forearm": Place("the back of the forearm, below the elbow", "profile", "right.fore", 0.22, -90),
    "outer-hip": Place("the outer hip", "front", "hips", 1.0, 15),
    "side-of-neck": Place("the side of the neck, above the collarbone", "front", "neck", 0.62, -90),
    "jaw": Place("the cheek, over the jaw muscle", "front", "head", 0.0, -128),
}


def surface(body: Body, place: Place) -> tuple[Point, float]:
    """(point, outward normal angle) of a place on the posed body."""
    p = body.parts[place.part]
    c = (p.a[0] + (p.b[0] - p.a[0]) * place.t, p.a[1] + (p.b[1] - p.a[1]) * place.t)
    r = p.ra + (p.rb - p.ra) * place.t
    n = p.angle + place.normal
    return add(c, vec(n), r), n
