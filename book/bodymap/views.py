"""The drawn views: outlines, guide lines, named regions and landmarks.

All coordinates are view units (the SVG viewBox). Regions and landmarks are
given for the body's RIGHT side; the engine mirrors them for the left side.
Front and back share one outline, drawn as the half on the viewer's left
(x <= 100) and mirrored. On the front view the body's right side is on the
viewer's left; on the back view it is on the viewer's right.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .geometry import ellipse, mirror

C = "c"  # corner marker


@dataclass(frozen=True)
class Landmark:
    x: float
    y: float
    where: str  # "on the side of the {side}hip"; {side} is "right ", "left " or ""; without it ", right side" is added
    overview: tuple[str, float, float]  # position on the front or back full body (body's right side)


@dataclass
class View:
    name: str
    what: str  # "the front of the body"
    width: float
    height: float
    outline: list  # closed outline, whole body
    guides: list = field(default_factory=list)  # open lines (x, y[, "c"]) drawn thin inside the body
    closed_guides: list = field(default_factory=list)  # small closed guide shapes (kneecaps, ear)
    overlays: list = field(default_factory=list)  # closed shapes drawn on top (the arm on the side view)
    regions: dict = field(default_factory=dict)
    landmarks: dict = field(default_factory=dict)
    muscles: dict = field(default_factory=dict)  # muscle name (as in a spot's `muscles:`) -> closed shape
    frames: dict = field(default_factory=dict)  # frame name -> (x0, y0, x1, y1), for the body's right side
    symmetric: bool = False  # front/back: "left" and "both" mirror about the midline
    fallback: tuple = ("front", 100, 200)  # overview position for a raw [x, y] marker on a close-up


def _whole(half: list) -> list:
    """A symmetric closed outline from its left half (top centre ... bottom centre)."""
    return half + mirror(half[::-1], 200)[1:-1]


def _both(lines: list) -> list:
    return lines + [mirror(line, 200) for line in lines]


# ---------------------------------------------------------------- front / back
# Adult man, 7.5 heads tall (head 51 units), standing, arms a little away from the
# body, palms forward (anatomical position).
_BODY_HALF = [
    (100, 8), (89, 10.5), (82, 19), (80.5, 31), (81, 38),
    (78.5, 38.5), (77.5, 44), (79.5, 50.5), (81.5, 51, C),  # ear
    (83.5, 56), (88.5, 62.5, C),  # jaw to neck
    (88.5, 70), (85, 75.5), (72, 80), (59, 84), (51, 89.5), (46.5, 99),  # neck, trapezius, shoulder
    (44.5, 112), (42.5, 128), (39.5, 146), (36.5, 166), (32.5, 190),  # outer arm to wrist
    (30, 198), (26.5, 202), (23, 208), (21.5, 214.5), (23.5, 216), (27.5, 212, C),  # thumb
    (27, 222), (29.5, 232), (34, 233.5), (37.5, 226), (39, 212), (40, 200),  # fingers, palm
    (42.5, 186), (46.5, 168), (50, 150), (53.5, 132), (56.5, 111, C),  # inner arm to armpit
    (58, 122), (61.5, 145), (62, 160), (59.5, 178), (58, 196),  # chest, waist, hip
    (59.5, 222), (63.5, 254), (67.5, 280), (68, 295), (67.5, 312),  # outer thigh, knee
    (70, 338), (75.5, 362),  # calf, ankle
    (75, 372), (72.5, 382), (75, 391), (86, 393), (94, 391.5), (95.5, 384),  # foot
    (92.5, 372), (91, 357), (90.5, 330), (92.5, 300), (93, 283),  # inner ankle, calf, knee
    (96, 250), (99, 221), (100, 214, C),  # inner thigh, crotch
]
BODY_OUTLINE = _whole(_BODY_HALF)

_FRONT_GUIDES = _both([
    [(97, 83), (88, 81), (77, 81.5), (66, 84)],  # collarbone
    [(60, 104), (65, 118), (76, 123), (94, 120)],  # lower edge of the chest muscle
    [(64, 176), (76, 192), (92, 210)],  # groin crease
    [(75, 142), (74, 160), (74, 175)],  # side of the belly muscle
    [(80.5, 40), (81.8, 44.5), (80.5, 49)],  # inner ear
    [(30.2, 224), (31.2, 232)], [(33.6, 223.5), (34.4, 232.8)],  # fingers
    [(75, 291), (77, 285.5), (80.5, 283.5), (84, 285.5), (86, 291)],  # kneecap, upper edge
    [(77.5, 298.5), (80.5, 300.5), (83.5, 298.5)],  # kneecap, lower edge
    [(62, 166), (66, 160.5), (70.5, 159)],  # front rim of the pelvis
    [(54.5, 100), (57.5, 92), (64, 87)],  # edge of the shoulder muscle
    [(92, 382), (92, 390)], [(86, 383), (86.5, 391.5)], [(80.5, 382), (80, 390.5)],  # toes
])
_FRONT_CLOSED: list = []
_FRONT_LINES = [[(100, 122), (100, 140)], [(98.5, 162), (100, 164.5), (101.5, 162)]]  # breastbone, navel


def _flip(points: list) -> list:
    return mirror(points, 200)


def _mid(regions: dict) -> dict:
    """Regions that reach the midline keep a straight edge there instead of bulging across it."""
    return {name: [(x, y, C) if x >= 100 else (x, y, *rest) for x, y, *rest in pts] for name, pts in regions.items()}


FRONT_REGIONS = _mid({
    "face": [(96, 36), (88, 34), (82, 42), (82.5, 52), (88, 60), (95, 60), (98, 50)],  # the side of the face
    "side-of-neck": [(93, 60), (84, 60), (76, 78), (88, 82), (94, 70)],
    "chest": [(97, 86), (84, 84), (70, 86), (61, 96), (60, 110), (67, 122), (82, 127), (96, 124), (98, 106)],
    "front-of-shoulder": [(67, 83), (52, 88), (46, 100), (47, 113), (56, 112), (62, 98)],
    "front-upper-arm": [(47, 104), (56, 108), (53, 130), (49, 148), (41, 148), (44, 125)],
    "inner-upper-arm": [(50, 110), (57.5, 110), (54, 130), (49.5, 150), (45.5, 149), (48, 130)],
    "front-forearm": [(42, 150), (47, 149), (49, 155), (46, 172), (42, 189), (37.5, 196), (33, 191), (36.5, 170)],
    "thumb-and-index": [(31, 197), (21, 205), (22, 219), (28, 220), (33, 230), (36, 222), (34, 205)],
    "abdomen": [(100, 126), (60, 126), (63, 150), (62, 170), (70, 182), (100, 184)],
    "groin": [(100, 188), (86, 186), (72, 186), (82, 204), (96, 218), (101, 216)],
    "lower-belly": [(100, 158), (80, 157), (66, 164), (66, 178), (78, 188), (100, 190)],
    "hip-front": [(56, 166), (68, 170), (77, 186), (74, 204), (60, 208), (54, 188)],
    "front-thigh": [(70, 204), (84, 210), (92, 220), (91, 245), (88, 270), (80, 280), (72, 272), (68, 248), (67, 222)],
    "inner-thigh": [(91, 212), (101, 214), (100, 240), (95, 282), (88, 280), (90, 245)],
    "outer-thigh": [(55, 192), (64, 204), (66, 240), (72, 282), (64, 284), (58, 240), (53, 210)],
    "knee-front": ellipse(80.5, 290, 14, 14),
    "shin": [(74, 302), (88, 302), (88, 330), (86, 358), (78, 360), (76, 330)],
    "front-ankle": [(73, 358), (95, 358), (95, 374), (73, 374)],
    "top-of-foot": [(71, 370), (97, 370), (98, 386), (71, 386)],
    "big-toe": [(88, 381), (97, 381), (98, 395), (88, 395)],
})

BACK_REGIONS = {name: _flip(pts) for name, pts in _mid({
    "back-of-head": [(100, 6), (79, 10), (77, 30), (78, 50), (100, 56)],
    "back-of-neck": [(100, 54), (83, 56), (85, 76), (92, 82), (100, 84)],
    "top-of-shoulder": [(89, 68), (84, 76), (66, 80), (52, 88), (55, 96), (70, 90), (92, 86)],
    "shoulder-blade": [(66, 92), (87, 94), (86, 114), (81, 136), (70, 122), (63, 106)],
    "inner-shoulder-blade": [(90, 88), (94, 98), (94, 114), (91, 128), (86, 140), (78, 138), (78, 124), (81, 110), (81, 98), (84, 90)],
    "between-shoulder-blades": [(98, 88), (92, 88), (89, 100), (88, 116), (86, 132), (90, 138), (98, 138)],
    "mid-back": [(97, 130), (84, 128), (68, 132), (61, 144), (62, 156), (74, 162), (90, 162), (97, 154), (98, 142)],
    "back-of-shoulder": [(62, 86), (52, 88), (46, 100), (47, 114), (56, 112), (63, 100)],
    "back-of-upper-arm": [(47, 104), (57, 108), (53, 130), (50, 146), (41, 146), (44, 125)],
    "outer-elbow": ellipse(42, 151, 6, 7),
    "back-of-forearm": [(41, 153), (45.5, 150), (48.5, 154), (46, 170), (42, 188), (38, 196), (33.5, 192), (36, 172)],
    "back-of-wrist": [(31, 188), (42, 190), (41, 204), (29, 202)],
    "back-of-hand": [(29, 198), (21, 205), (22, 219), (28, 222), (30, 235), (36, 235), (40, 215), (40, 199)],
    "low-back": [(97, 154), (86, 152), (72, 154), (62, 160), (60, 172), (64, 184), (76, 190), (90, 190), (97, 184), (98, 170)],
    "sacrum": [(100, 182), (89, 182), (93, 200), (100, 212)],
    "tailbone": [(100, 205), (96.5, 204), (97.5, 213), (100, 216)],
    "buttock": [(97, 184), (84, 180), (70, 182), (60, 190), (57, 204), (62, 218), (74, 226), (88, 226), (97, 216), (98, 200)],
    "side-of-hip": [(66, 180), (59, 186), (57, 200), (58.5, 222), (64, 220), (66, 200)],
    "lower-buttock": [(96, 206), (84, 204), (70, 206), (62, 214), (66, 224), (80, 230), (94, 228), (98, 218)],
    "back-of-thigh": [(90, 224), (76, 226), (66, 236), (64, 256), (70, 276), (80, 284), (90, 278), (95, 256), (96, 236)],
    "back-of-knee": ellipse(80.5, 292, 12, 10),
    "calf": [(70, 300), (92, 300), (91, 330), (87, 352), (77, 352), (72, 330)],
}).items()}

_BACK_GUIDES = _both([
    [(85, 92), (86.5, 104), (84, 118), (80.5, 131, C), (73, 122), (66, 108)],  # shoulder blade
    [(86, 100), (76, 96.5), (65, 92)],  # spine of the shoulder blade
    [(100, 212), (90, 224), (74, 222), (62, 212)],  # buttock fold
    [(74, 292), (80.5, 294), (87, 292)],  # knee crease
    [(40.5, 148), (44, 152)],  # elbow
    [(30.2, 224), (31.2, 232)], [(33.6, 223.5), (34.4, 232.8)],  # fingers
    [(60.5, 170), (70, 164), (84, 166), (93, 172)],  # rim of the pelvis
    [(88.5, 62), (94, 74), (99, 84)],  # edge of the neck muscle
])
_BACK_LINES = [[(100, 70), (100, 190)], [(100, 196), (100, 214)]]  # spine, cleft

FRONT_LANDMARKS = {
    "scalenes": Landmark(88, 74, "on the {side}side of the neck, just above the collarbone", ("front", 88, 74)),
    "pectoralis": Landmark(67, 98, "on the {side}upper chest, close to the armpit", ("front", 67, 98)),
    "tibialis-anterior": Landmark(77.5, 312, "on the {side}upper shin, just outside the shin bone",
                                  ("front", 77.5, 312)),
    "iliacus": Landmark(70, 182, "just inside the {side}front hip bone", ("front", 70, 182)),
}


def _back(x: float, y: float, where: str) -> Landmark:
    return Landmark(200 - x, y, where, ("back", 200 - x, y))


BACK_LANDMARKS = {
    "thoracolumbar-corner": _back(89, 158, "low on the {side}back, where the lowest rib meets the long back muscle"),
    "upper-erector": _back(94.5, 96, "beside the spine, high between the shoulder blades"),
    "l5-erector": _back(94.5, 182, "low on the {side}back, beside the spine, just above the flat bone at the base of the spine"),
    "upper-outer-buttock": _back(70, 192, "in the upper outer part of the {side}buttock"),
    "infraspinatus": _back(75, 108, "on the {side}shoulder blade, below its bony ridge"),
    "forearm-extensors": _back(42, 162, "on the back of the {side}forearm, just below the outer elbow"),
}

# ---------------------------------------------------------------- side (body's right side, face to the viewer's right)
_SIDE = [
    (100, 8), (111, 12), (118, 21), (120, 31), (119.5, 35), (123, 42), (120, 45, C),  # forehead, nose
    (120.5, 48.5), (119.5, 51), (119.5, 56), (114, 60), (107, 62, C),  # lips, chin, under the jaw
    (108, 70), (111, 80), (121, 92), (125, 106), (121, 124),  # neck, chest
    (117.5, 140), (121, 158), (120.5, 175), (115, 192), (116, 206),  # belly, groin
    (117.5, 235), (114, 268), (112.5, 284), (114, 293), (109, 304),  # thigh, kneecap
    (106, 330), (104, 356), (104, 368),  # shin, ankle
    (111, 375), (125, 383), (136, 389), (135, 393), (87.5, 393), (82, 390), (80, 381),  # foot
    (85, 364), (85, 345), (77.5, 318), (81, 296), (81, 280),  # achilles, calf, back of knee
    (77.5, 252), (70, 226), (65, 206), (70, 184), (79.5, 164),  # back of thigh, buttock, low back
    (76, 140), (70.5, 112), (73, 92), (83.5, 74), (87.5, 64, C),  # upper back, nape
    (83, 56), (79, 44), (80, 28), (86, 15),  # back of the skull
]
_SIDE_ARM = [  # hanging at the side, elbow by the waist, hand against the front of the thigh
    (87, 90), (91.5, 81.5), (100, 79), (107.5, 82), (111.5, 92), (111, 110), (108.5, 128),  # shoulder, front of the arm
    (108, 145), (110.5, 162), (112, 178), (111.5, 189),  # elbow, front of the forearm, wrist
    (114, 194), (116, 203), (114.5, 208.5), (111.5, 204, C),  # thumb
    (112.5, 216), (111, 228), (107.5, 234), (104, 229.5), (102, 217), (102, 197), (101, 189),  # fingers, back of the hand
    (97.5, 172), (93, 156), (89, 148), (88, 130), (88, 110),  # back of the forearm, elbow, back of the arm
]
_SIDE_GUIDES = [
    [(101.5, 33), (104, 30), (108, 33)],  # eye
    [(93, 52), (98, 57), (107, 62)],  # jaw
    [(82.5, 168), (97.5, 166), (112.5, 172)],  # top of the hip bone
    [(75, 214), (85, 222), (92.5, 221)],  # buttock fold
    [(105, 294), (109, 300), (106, 306)],  # kneecap edge
    [(95, 370), (97.5, 365), (100, 370)],  # ankle bone
    [(73, 96), (80, 104), (82.5, 116)],  # shoulder blade
]
_SIDE_CLOSED = [[(93, 36), (96, 34), (97.5, 40), (96, 46), (93, 45.5)]]  # ear

SIDE_REGIONS = {
    "low-back": [(65, 148), (90, 150), (95, 166), (90, 182), (67.5, 186), (62.5, 166)],
    "buttock": [(65, 180), (85, 176), (95, 190), (95, 210), (85, 226), (67.5, 228), (60, 212), (60, 194)],
    "side-of-hip": [(82.5, 174), (105, 172), (115, 186), (112.5, 206), (95, 212), (82.5, 200)],
    "outer-thigh": [(85, 208), (100, 204), (112.5, 214), (112.5, 250), (109, 282), (97.5, 290), (85, 282), (80, 250), (80, 222)],
    "front-thigh": [(107.5, 204), (127.5, 204), (125, 250), (120, 292), (105, 290), (107.5, 250)],
    "back-of-thigh": [(60, 214), (82.5, 214), (85, 250), (85, 288), (72.5, 288), (67.5, 250)],
    "outer-knee": ellipse(95, 294, 15, 11),
    "outer-calf": [(85, 302), (102.5, 302), (105, 320), (100, 342), (95, 360), (85, 360), (82.5, 330)],
    "outer-ankle": ellipse(96.25, 369, 8.75, 6),
}
SIDE_LANDMARKS = {
    "gluteus-medius": Landmark(90, 184, "on the side of the {side}hip, just below the rim of the pelvis",
                               ("back", 135, 186)),
    "vastus-lateralis": Landmark(104, 262, "on the outer front of the lower {side}thigh, a hand's width above the knee",
                                 ("front", 70, 262)),
}

# ---------------------------------------------------------------- head (right side of head and neck, face to the right)
_HEAD = [
    (98, 14), (126, 20), (144, 36), (151, 58), (150, 66), (154, 76), (160, 90), (157, 93, C),  # forehead, nose
    (151, 96), (153, 102), (149, 106), (152, 111), (150, 118), (148, 128), (140, 134),  # lips, chin
    (124, 136), (114, 139, C), (112, 152), (114, 168), (120, 184), (126, 200), (128, 220, C),  # throat, front of the neck
    (22, 220, C), (30, 200), (50, 185), (64, 172), (68, 156), (66, 142, C),  # shoulder, back of the neck
    (58, 128), (50, 108), (47, 80), (52, 50), (68, 26),  # back of the skull
]
_HEAD_GUIDES = [
    [(133, 67), (139, 63), (146, 66)],  # eyebrow
    [(136, 73), (141, 70.5), (146, 73)], [(137, 75), (142, 76), (146, 74)],  # eyelids
    [(149, 93), (145, 92), (145, 88)],  # nostril
    [(144, 106), (150, 106)],  # lips
    [(101, 114), (103, 124), (108, 130), (124, 134), (142, 133)],  # jaw line
    [(104, 88), (116, 87), (128, 84)],  # cheekbone
    [(88, 140), (100, 170), (116, 204)],  # neck muscle (sternocleidomastoid)
    [(126, 200), (90, 198), (70, 194)],  # collarbone
    [(99, 82), (96, 90), (99, 97)],  # inside the ear
]
_HEAD_CLOSED = [[(92, 80), (97, 74), (104, 78), (104, 90), (101, 100), (100, 110), (94, 112), (90, 104), (90, 92)]]

HEAD_REGIONS = {
    "top-of-head": [(60, 24), (80, 14), (110, 12), (130, 20), (120, 34), (96, 32), (72, 40)],
    "forehead": [(122, 24), (140, 30), (150, 44), (152, 60), (138, 62), (126, 56), (120, 40)],
    "eyebrow": [(128, 60), (140, 57), (152, 60), (152, 67), (140, 68), (129, 67)],
    "behind-eye": ellipse(138, 74, 8, 6),
    "temple": [(108, 46), (124, 44), (132, 56), (130, 72), (118, 80), (106, 74), (104, 60)],
    "side-of-head": [(62, 40), (86, 32), (108, 36), (114, 52), (108, 68), (90, 72), (70, 74), (58, 62)],
    "ear": [(92, 80), (97, 74), (104, 78), (104, 90), (101, 100), (100, 110), (94, 112), (90, 104), (90, 92)],
    "behind-ear": [(78, 80), (90, 78), (92, 100), (90, 116), (82, 124), (76, 110), (75, 94)],
    "cheek": [(108, 88), (126, 84), (140, 92), (138, 104), (120, 108), (106, 104)],
    "jaw": [(100, 104), (112, 104), (126, 112), (140, 120), (142, 130), (128, 136), (110, 134), (100, 124)],
    "teeth": [(126, 100), (140, 98), (148, 106), (146, 116), (130, 117)],
    "back-of-head": [(50, 50), (66, 40), (76, 60), (76, 90), (70, 112), (52, 110), (46, 84)],
    "base-of-skull": [(50, 112), (70, 114), (86, 122), (82, 132), (62, 134), (50, 126)],
    "side-of-neck": [(88, 136), (104, 140), (114, 160), (118, 194), (96, 196), (86, 170)],
    "back-of-neck": [(52, 126), (70, 130), (82, 136), (80, 170), (72, 190), (48, 190), (56, 160)],
    "throat": [(112, 140), (126, 138), (130, 170), (132, 206), (118, 204), (114, 170)],
}
HEAD_LANDMARKS = {
    "masseter": Landmark(116, 114, "on the {side}jaw muscle, in front of the ear and below the cheekbone",
                         ("front", 86.5, 52)),
    "suboccipitals": Landmark(68, 128, "at the base of the skull, just beside the spine",
                              ("back", 107, 57)),
}

# ---------------------------------------------------------------- sole (right foot from below, big toe on the viewer's right)
_SOLE = [
    (100, 242), (84, 238), (76, 224), (74, 205), (72, 180), (69, 150), (64, 115), (60, 88),  # heel, outer edge
    (59.5, 70), (61, 58), (64.5, 51.5), (69.5, 50.5), (73, 55), (74, 63, C),  # little toe
    (73.5, 49), (76, 41), (81, 38.5), (84.5, 42.5), (85.5, 53, C),  # 4th toe
    (85.5, 38), (88, 31), (93, 29), (96.5, 33), (97.5, 44, C),  # 3rd toe
    (97.5, 28), (100.5, 21), (106, 19.5), (110, 23.5), (111.5, 37, C),  # 2nd toe
    (112, 20), (116, 11), (124, 7), (132, 9), (137, 16), (139, 30), (139.5, 46),  # big toe
    (141, 62), (140, 84), (134, 110), (127.5, 140), (126, 168), (128, 196), (126, 220), (116, 236),  # inner edge
]
_SOLE_GUIDES = [
    [(63.5, 63), (67, 65), (71, 63)], [(76, 52), (80, 54), (84, 51.5)], [(87.5, 43), (91.5, 45), (96, 42.5)],
    [(99.5, 33.5), (104, 35.5), (109.5, 33)], [(115, 37), (125, 40.5), (136, 36)],  # toe creases
    [(62, 88), (80, 78), (100, 70), (122, 64), (140, 70)],  # edge of the ball of the foot
    [(75, 204), (100, 196), (126, 202)],  # edge of the heel pad
]
SOLE_REGIONS = {  # pads and hollows of the sole, each a rounded shape (no bands across the foot)
    "toes": [(50, 0), (150, 0), (148, 42), (112, 44), (99, 42), (87, 50), (74, 64), (52, 74)],
    "ball-of-foot": [(62, 84), (70, 66), (88, 55), (112, 50), (132, 52), (143, 64), (139, 86), (118, 97), (94, 99),
                     (72, 97)],
    "arch": [(80, 112), (95, 101), (118, 101), (133, 113), (131, 150), (124, 180), (106, 192), (87, 188), (78, 162),
             (76, 134)],
    "heel": ellipse(100, 213, 28, 30, 10),
}
SOLE_LANDMARKS = {
    "arch": Landmark(104, 142, "in the middle of the arch of the {side}foot", ("front", 92, 380)),
}

# ---------------------------------------------------------------- muscles (pale shapes under the zones)
FRONT_MUSCLES = {
    "scalenes": [(89, 62), (92.5, 64), (93, 72), (90, 80), (84, 84.5), (79.5, 83), (84, 76), (87.5, 69)],
    "pectoralis major": [(97, 86), (86, 83.5), (72, 84), (61, 89), (56.5, 99), (58, 107), (64, 105), (72, 117),
                         (84, 123.5), (97, 121), (98.5, 104)],
    "tibialis anterior": [(71, 300), (78.5, 299), (80, 320), (82, 345), (86, 366), (83, 368), (77.5, 346), (72.5, 322)],
    "iliacus": [(62, 166), (71, 160), (83, 167), (88, 181), (84, 196), (80, 210), (76, 208), (74, 194), (64, 181)],
}
BACK_MUSCLES = {name: _flip(pts) for name, pts in {
    "quadratus lumborum": [(94, 148), (80, 150), (73.5, 159), (73, 171), (78, 178), (92, 177), (95, 163)],
    "erector spinae": [(97.5, 84), (92.5, 86), (90.5, 100), (89, 130), (86.5, 160), (87.5, 180), (92, 192),
                       (98, 195), (98.5, 150), (98.5, 110)],
    "infraspinatus": [(85.5, 101), (76, 98), (67, 95), (64, 102), (68, 112), (74, 122), (80, 129), (84, 117), (86, 106)],
    "gluteus maximus": [(93, 176), (78, 180), (64, 186), (58, 200), (60, 214), (70, 224), (84, 228), (96, 222),
                        (99, 206), (98, 190)],
    "forearm extensors": [(40.5, 148), (46, 151), (45.5, 165), (42, 182), (37.5, 194), (34, 192), (36, 175), (38, 160)],
}.items()}
SIDE_MUSCLES = {
    "gluteus medius": [(76, 172), (91, 165.5), (110, 170), (107.5, 182), (100, 193), (90, 198), (80, 190)],
    "vastus lateralis": [(94, 206), (105, 206), (112.5, 225), (113, 255), (110.5, 278), (101, 287), (91, 278),
                         (87, 250), (87.5, 224)],
}
HEAD_MUSCLES = {
    "suboccipitals": [(60, 118), (74, 119), (84, 124), (81, 134), (68, 137), (61, 131)],
    "masseter": [(106, 92), (122, 90), (128, 104), (126, 124), (114, 132), (104, 126), (102, 108)],
}
SOLE_MUSCLES = {
    "arch muscles": [(88, 212), (112, 212), (120, 160), (118, 110), (112, 80), (92, 80), (84, 110), (82, 160)],
}

# ---------------------------------------------------------------- frames (x0, y0, x1, y1), body's right side
# Edges cross limbs, never run along them: a frame that cuts an arm crosswise below the armpit
# stays clear of it further down, so no piece of arm floats free inside the frame.
_BODY_FRAMES = {
    "head and neck": (52, 0, 148, 100),
    "neck and shoulder": (14, 30, 186, 175),
    "upper back": (14, 58, 186, 200),
    "low back and pelvis": (55, 136, 145, 262),
    "hip and thigh": (55, 136, 145, 318),
    "knee and lower leg": (55, 252, 102, 400),  # one leg: clear of the other from mid-thigh down
    "foot": (60, 330, 102, 400),
    "legs": (54, 200, 146, 400),
    "upper body": (12, 0, 188, 245),
    "whole body": (0, 0, 200, 400),
}
FRONT_FRAMES = {**_BODY_FRAMES, "forearm and hand": (15, 128, 57, 240), "shoulder": (12, 60, 122, 178)}
BACK_FRAMES = {**_BODY_FRAMES, "forearm and hand": (143, 128, 185, 240), "shoulder": (78, 60, 188, 178)}
SIDE_FRAMES = {
    "low back and pelvis": (52, 130, 148, 250),
    "hip and thigh": (52, 140, 148, 318),
    "knee and lower leg": (60, 250, 140, 400),
    "whole body": (0, 0, 200, 400),
}

VIEW_DATA = {
    "front": View("front", "the front of the body", 200, 400, BODY_OUTLINE, _FRONT_GUIDES + _FRONT_LINES,
                  _FRONT_CLOSED, [], FRONT_REGIONS, FRONT_LANDMARKS, FRONT_MUSCLES, FRONT_FRAMES, symmetric=True),
    "back": View("back", "the back of the body", 200, 400, BODY_OUTLINE, _BACK_GUIDES + _BACK_LINES,
                 [], [], BACK_REGIONS, BACK_LANDMARKS, BACK_MUSCLES, BACK_FRAMES, symmetric=True),
    "side": View("side", "the right side of the body", 200, 400, _SIDE, _SIDE_GUIDES, _SIDE_CLOSED, [_SIDE_ARM],
                 SIDE_REGIONS, SIDE_LANDMARKS, SIDE_MUSCLES, SIDE_FRAMES, fallback=("front", 62, 230)),
    "head": View("head", "the right side of the head and neck", 200, 220, _HEAD, _HEAD_GUIDES, _HEAD_CLOSED, [],
                 HEAD_REGIONS, HEAD_LANDMARKS, HEAD_MUSCLES, {"head and neck": (0, 0, 200, 220)},
                 fallback=("front", 88, 40)),
    "sole": View("sole", "the sole of the right foot", 200, 250, _SOLE, _SOLE_GUIDES, [], [],
                 SOLE_REGIONS, SOLE_LANDMARKS, SOLE_MUSCLES, {"foot": (0, 0, 200, 250)},
                 fallback=("back", 114, 386)),
}

# Plain names of the regions, the same on every view that has them.
REGION_NAMES = {
    "face": "face", "side-of-neck": "side of the neck", "chest": "chest", "front-of-shoulder": "front of the shoulder",
    "front-upper-arm": "front of the upper arm", "inner-upper-arm": "inner upper arm", "front-forearm": "front of the forearm",
    "thumb-and-index": "thumb and index finger", "abdomen": "belly", "groin": "groin", "hip-front": "front of the hip",
    "front-thigh": "front of the thigh", "inner-thigh": "inner thigh", "outer-thigh": "outer thigh",
    "knee-front": "front of the knee", "shin": "shin", "front-ankle": "front of the ankle", "top-of-foot": "top of the foot",
    "big-toe": "big toe", "back-of-head": "back of the head", "back-of-neck": "back of the neck",
    "top-of-shoulder": "top of the shoulder", "shoulder-blade": "shoulder blade",
    "inner-shoulder-blade": "inner edge of the shoulder blade", "between-shoulder-blades": "between the shoulder blades",
    "mid-back": "mid back", "back-of-shoulder": "back of the shoulder", "back-of-upper-arm": "back of the upper arm",
    "outer-elbow": "outer elbow", "back-of-forearm": "back of the forearm", "back-of-wrist": "back of the wrist",
    "back-of-hand": "back of the hand", "low-back": "low back", "sacrum": "flat bone at the base of the spine",
    "tailbone": "tailbone", "buttock": "buttock", "lower-buttock": "lower buttock", "back-of-thigh": "back of the thigh",
    "back-of-knee": "back of the knee", "calf": "calf", "side-of-hip": "side of the hip", "outer-knee": "outer knee",
    "outer-calf": "outer calf", "outer-ankle": "outer ankle", "top-of-head": "top of the head", "forehead": "forehead",
    "eyebrow": "eyebrow", "behind-eye": "area behind the eye", "temple": "temple", "side-of-head": "side of the head",
    "ear": "ear", "behind-ear": "area behind the ear", "cheek": "cheek", "jaw": "jaw", "teeth": "teeth",
    "base-of-skull": "base of the skull", "throat": "throat", "heel": "heel", "arch": "arch of the foot",
    "ball-of-foot": "ball of the foot", "toes": "toes", "lower-belly": "lower belly",
}
