"""The body-map engine: names the chapters use, geometry, clipping, sides, validation, SVG rendering."""
import base64
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from book import bodymap

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
CHAPTERS = sorted((ROOT / "chapters" / "spots").glob("*.md")) + sorted((ROOT / "tests" / "fixtures").glob("*/spots/*.md"))


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    m = re.match(r"---\s*\n(.*?)\n---\s*(\n|$)", text, re.S)
    assert m, f"{path}: no YAML front matter"
    return yaml.safe_load(m.group(1))


# ---------------------------------------------------------------- path parsing, independent of the engine
def parse_path(d: str) -> list[list[tuple[float, float]]]:
    """Flatten an M/L/C/Z path into polygons (one per subpath)."""
    tokens = re.findall(r"[MLCZ]|-?\d+(?:\.\d+)?", d)
    polys, cur, pos, i = [], [], (0.0, 0.0), 0
    cmd = None
    while i < len(tokens):
        t = tokens[i]
        if t in "MLCZ":
            cmd = t
            i += 1
            if cmd == "Z":
                polys.append(cur)
                cur = []
            continue
        nums = [float(v) for v in tokens[i:i + (6 if cmd == "C" else 2)]]
        i += len(nums)
        if cmd in "ML":
            if cmd == "M" and cur:
                polys.append(cur)
                cur = []
            pos = (nums[0], nums[1])
            cur.append(pos)
        else:
            (x0, y0), (x1, y1, x2, y2, x3, y3) = pos, nums
            for k in range(1, 17):
                s = k / 16
                u = 1 - s
                cur.append((u**3 * x0 + 3 * u * u * s * x1 + 3 * u * s * s * x2 + s**3 * x3,
                            u**3 * y0 + 3 * u * u * s * y1 + 3 * u * s * s * y2 + s**3 * y3))
            pos = (x3, y3)
    if cur:
        polys.append(cur)
    return polys


def point_in_polygon(x, y, poly) -> bool:
    hit = False
    for (x1, y1), (x2, y2) in zip(poly, poly[1:] + poly[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def outline_d(root: ET.Element) -> str:
    return root.find(f".//{SVG}path[@class='outline']").get("d")


def markers(root: ET.Element) -> list[tuple[float, float]]:
    """Centres of the drawn X marks (each X is a halo path plus an ink path with the same d)."""
    out = []
    for p in root.findall(f".//{SVG}g[@class='marker']/{SVG}path[@class='x']"):
        nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", p.get("d"))]
        out.append(((nums[0] + nums[2]) / 2, (nums[1] + nums[3]) / 2))
    return out


def mm_per_unit(root: ET.Element) -> float:
    """Printed millimetres per SVG user unit."""
    assert root.get("width").endswith("mm")
    return float(root.get("width")[:-2]) / view_box(root)[2]


def x_size_mm(root: ET.Element) -> tuple[float, float]:
    """Printed width and height of the first X with its halo."""
    halo = root.find(f".//{SVG}g[@class='marker']/{SVG}path[@class='x-halo']")
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", halo.get("d"))]
    xs, ys, w = nums[0::2], nums[1::2], float(halo.get("stroke-width"))
    k = mm_per_unit(root)
    return (max(xs) - min(xs) + w) * k, (max(ys) - min(ys) + w) * k


def panels(root: ET.Element) -> list[tuple[ET.Element, tuple[float, float, float, float]]]:
    """Each view drawn (its group) with its frame, the rectangle it is clipped to."""
    clips = {c.get("id"): c.find(f"{SVG}rect") for c in root.iter(f"{SVG}clipPath")}
    out = []
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "panel":
            r = clips[re.fullmatch(r"url\(#(.+)\)", g.get("clip-path")).group(1)]
            x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
            out.append((g, (x, y, x + w, y + h)))
    return out


def body_in_frame(g: ET.Element, frame):
    """The silhouette (outline and overlays) of a panel inside its frame, as shapely geometry."""
    from shapely.geometry import Polygon, box
    from shapely.ops import unary_union

    shapes = [Polygon(poly).buffer(0) for p in g.findall(f"{SVG}path[@class='body']") for poly in parse_path(p.get("d"))]
    return unary_union(shapes).intersection(box(*frame))


def view_box(root: ET.Element) -> list[float]:
    return [float(v) for v in root.get("viewBox").split()]


# ---------------------------------------------------------------- names the chapters use
@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_names_exist(path):
    meta = front_matter(path)
    loc, ref = meta["location"], meta["referral"]
    assert loc["view"] in bodymap.VIEWS
    if isinstance(loc["marker"], str):
        assert loc["marker"] in bodymap.landmarks(loc["view"])
    for name in ref.get("essential", []) + (ref.get("spillover") or []):
        if isinstance(name, str):  # free shapes ({points, label}) are checked by validate below
            view, _, region = name.rpartition(":")
            assert region in bodymap.regions(view or loc["view"]), f"{path.name}: region {name} not on its view"
    assert bodymap.validate(loc["view"], loc["marker"], ref["essential"], ref.get("spillover") or [],
                            meta["muscles"][0]) == []
    assert meta["muscles"][0].lower() in bodymap.muscles(loc["view"]), f"{path.name}: main muscle has no shape"


DOCUMENTED = {
    "head": ["suboccipitals", "masseter"],
    "front": ["scalenes", "pectoralis", "tibialis-anterior", "iliacus"],
    "back": ["thoracolumbar-corner", "upper-erector", "l5-erector", "upper-outer-buttock", "infraspinatus",
             "forearm-extensors"],
    "side": ["gluteus-medius", "vastus-lateralis"],
    "sole": ["arch"],
}


def documented_regions() -> dict[str, list[str]]:
    """The region lists of docs/regions.md."""
    text = (ROOT / "docs" / "regions.md").read_text(encoding="utf-8")
    block = text.split("Regions (a name may appear")[1].split("Landmarks")[0]
    out = {}
    for m in re.finditer(r"^- (\w+): (.*?)(?=^- |\Z)", block, re.S | re.M):
        out[m.group(1)] = [n.strip() for n in m.group(2).replace("\n", " ").split(",") if n.strip()]
    return out


def test_documented_names_exist():
    docs = documented_regions()
    assert set(docs) == set(bodymap.VIEWS)
    for view, names in docs.items():
        assert set(names) <= set(bodymap.regions(view)), (view, set(names) - set(bodymap.regions(view)))
        assert set(bodymap.regions(view)) <= set(names), f"docs/regions.md misses {view} regions"
    for view, names in DOCUMENTED.items():
        assert set(names) <= set(bodymap.landmarks(view))


# ---------------------------------------------------------------- geometry
@pytest.mark.parametrize("view", bodymap.VIEWS)
def test_landmarks_inside_outline(view):
    for name in bodymap.landmarks(view):
        root = parse(bodymap.figure(view, name, [bodymap.regions(view)[0]], []))
        (poly,) = parse_path(outline_d(root))
        (x, y), = markers(root)
        assert point_in_polygon(x, y, poly), f"{view}: landmark {name} at {x}, {y} is outside the outline"


@pytest.mark.parametrize("view", bodymap.VIEWS)
def test_regions_overlap_the_body(view):
    """Each region covers some of the body (a region lying entirely outside would draw nothing)."""
    from book.bodymap.geometry import flatten
    from book.bodymap.views import VIEW_DATA

    outline = flatten(VIEW_DATA[view].outline)
    for name, pts in VIEW_DATA[view].regions.items():
        poly = flatten(pts, steps=4)
        cx, cy = sum(p[0] for p in poly) / len(poly), sum(p[1] for p in poly) / len(poly)
        assert point_in_polygon(cx, cy, outline) or any(point_in_polygon(x, y, outline) for x, y in poly), name


def test_front_back_outline_symmetric():
    from book.bodymap.geometry import flatten
    from book.bodymap.views import BODY_OUTLINE

    poly = flatten(BODY_OUTLINE)
    mirrored = {(round(200 - x, 1), round(y, 1)) for x, y in poly}
    assert len(mirrored & {(round(x, 1), round(y, 1)) for x, y in poly}) > 0.9 * len(poly)


def test_head_proportion():
    """Adult proportions: the head is about 1/7 to 1/7.5 of the height."""
    from book.bodymap.geometry import flatten
    from book.bodymap.views import BODY_OUTLINE

    ys = [y for _, y in flatten(BODY_OUTLINE)]
    height = max(ys) - min(ys)
    chin = 59  # chin level of the front view
    assert 1 / 8 < (chin - min(ys)) / height < 1 / 6.8


# ---------------------------------------------------------------- drawing
@pytest.fixture(scope="module")
def book():
    from book import sources

    return sources.load(ROOT / "chapters")


def spot_svg(spot, side="right", size="handout") -> ET.Element:
    loc, ref = spot.location, spot.referral
    return parse(bodymap.figure(loc.view, loc.marker, ref.essential, ref.spillover, side=side, uid=f"s{spot.number}",
                                muscle=spot.muscles[0], box_mm=bodymap.SIZES[size]))


def test_the_x_has_one_printed_size_on_every_figure(book):
    dims = [v for s in book.spots for size in ("handout", "book") for v in x_size_mm(spot_svg(s, size=size))]
    assert max(dims) - min(dims) < 0.03, "one size on handouts and in the book alike (to the drawing's 0.01 mm)"
    assert 3.6 <= min(dims) and max(dims) <= 4.6, "about 4 mm with its halo"


@pytest.mark.parametrize("size", ["handout", "book", "epub"])
def test_figure_fits_its_box_and_marks_keep_their_printed_size(book, size):
    box_w, box_h = bodymap.SIZES[size]
    for s in book.spots:
        root = spot_svg(s, size=size)
        k = mm_per_unit(root)
        assert float(root.get("width")[:-2]) == pytest.approx(box_w)
        assert float(root.get("height")[:-2]) <= box_h + 0.01
        assert min(float(t.get("font-size")) * k for t in root.iter(f"{SVG}text")) >= 9 * 25.4 / 72, "key text >= 9 pt"
        widths = {float(p.get("stroke-width")) * k for p in root.iter(f"{SVG}path") if p.get("class") == "outline"}
        assert widths and all(0.3 <= w <= 0.4 for w in widths), "outline about 0.35 mm"


def test_zone_paths_are_curves_inside_the_outline(book):
    from shapely.geometry import Polygon
    from shapely.ops import unary_union

    seen = set()
    for s in book.spots:
        for side in ("right", "left", "both"):
            root = spot_svg(s, side)
            for g, frame in panels(root):
                body = unary_union([Polygon(poly).buffer(0) for p in g.findall(f"{SVG}path[@class='body']")
                                    for poly in parse_path(p.get("d"))])
                for z in g.findall(f"{SVG}path"):
                    if not (z.get("class") or "").startswith(("zone", "muscle")):
                        continue
                    seen.add(z.get("class"))
                    d = z.get("d")
                    assert set(re.findall(r"[A-Za-z]", d)) == {"M", "C", "Z"}, f"spot {s.number}: zone not all curves"
                    for poly in parse_path(d):
                        shape = Polygon(poly).buffer(0)
                        assert shape.difference(body).area < 0.002 * shape.area + 0.01, \
                            f"spot {s.number} {side}: a {z.get('class')} path leaves the outline"
    assert seen == {"zone essential", "zone spillover", "muscle", "muscle-edge"}


def test_no_zone_is_a_rectangle(book):
    """Every zone piece is rounded: well away from its bounding box's corners."""
    from shapely.geometry import Point, Polygon

    for s in book.spots:
        for g, _ in panels(spot_svg(s)):
            for z in g.findall(f"{SVG}path"):
                if (z.get("class") or "").startswith("zone"):
                    for poly in parse_path(z.get("d")):
                        shape = Polygon(poly).buffer(0)
                        x0, y0, x1, y1 = shape.bounds
                        corners = [Point(x, y) for x in (x0, x1) for y in (y0, y1)]
                        assert sum(shape.buffer(0.05).contains(c) for c in corners) <= 1, f"spot {s.number}"


def test_every_frame_holds_one_connected_piece_of_body(book):
    for s in book.spots:
        for side in ("right", "left", "both"):
            for g, frame in panels(spot_svg(s, side)):
                piece = body_in_frame(g, frame)
                parts = [p for p in getattr(piece, "geoms", [piece]) if p.area > 0.05]
                assert len(parts) == 1, f"spot {s.number} {side}: {g.get('data-frame')} leaves {len(parts)} pieces"


@pytest.mark.parametrize("view", bodymap.VIEWS)
def test_named_frames_never_leave_a_loose_piece(view):
    from shapely.geometry import box
    from book.bodymap.views import VIEW_DATA
    from book.bodymap import shapes

    v = VIEW_DATA[view]
    for flip in (False, True):
        sil = shapes.body(bodymap._flip_pts(v, v.outline, flip), [bodymap._flip_pts(v, o, flip) for o in v.overlays])
        for name, (a, b, c, d) in bodymap.frames(view).items():
            rect = (v.width - c, b, v.width - a, d) if flip else (a, b, c, d)
            piece = sil.intersection(box(*rect))
            parts = [p for p in getattr(piece, "geoms", [piece]) if p.area > 0.5]
            assert len(parts) == 1, f"{view} {name} (mirrored: {flip}): {len(parts)} pieces"


def test_the_key_never_covers_the_body(book):
    from shapely.geometry import box

    for s in book.spots:
        for side in ("right", "both"):
            root = spot_svg(s, side)
            r = root.find(f".//{SVG}rect[@class='legend-box']")
            key = box(*(float(r.get(k)) for k in ("x", "y")), float(r.get("x")) + float(r.get("width")),
                      float(r.get("y")) + float(r.get("height")))
            vb = view_box(root)
            assert box(vb[0], vb[1], vb[0] + vb[2], vb[1] + vb[3]).buffer(0.01).contains(key), "the key is inside the figure's box"
            for g, frame in panels(root):
                assert not key.intersects(body_in_frame(g, frame)), f"spot {s.number}: the key covers the body"
                assert not key.intersects(box(*frame)), f"spot {s.number}: the key is inside a view"


def test_frames_zoom_in(book):
    """No spot is shown on a whole body; the side views are zoomed too."""
    for s in book.spots:
        for g, _ in panels(spot_svg(s)):
            assert g.get("data-frame") not in ("whole body", "whole"), f"spot {s.number}"
    frames = {s.number: [g.get("data-frame") for g, _ in panels(spot_svg(s))] for s in book.spots}
    assert frames[6] == ["hip and thigh"] and frames[8] == ["hip and thigh"]
    assert frames[5] == ["forearm and hand"] and frames[10] == ["foot"]


def test_multi_view_figures_show_both_views_with_one_key(book):
    for number, views in ((14, ["back", "front"]), (4, ["front", "back"]), (2, ["back", "front"])):
        root = spot_svg(book.spot(number))
        assert [g.get("data-view") for g, _ in panels(root)] == views
        assert len(root.findall(f".//{SVG}g[@class='legend']")) == 1
        labels = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "view-label"]
        assert labels == [v.title() for v in views]
        (_, f0), (_, f1) = panels(root)
        assert f0[2] < f1[0], "side by side"
    front = next(g for g, _ in panels(spot_svg(book.spot(14))) if g.get("data-view") == "front")
    assert front.find(f"{SVG}path[@class='zone essential']") is not None, "spot 14's main pain is on the front"
    text = bodymap.describe("back", "infraspinatus", book.spot(14).referral.essential, book.spot(14).referral.spillover,
                            muscle="infraspinatus")
    assert text.startswith("Seen from the back and the front. ") and "in the infraspinatus" in text
    assert "Main pain: front of the shoulder." in text


def test_every_size_frames_the_same_body_part(book):
    """Handouts, the PDF book and the EPUB zoom in the same way; only the printed size differs."""
    for s in book.spots:
        frames = {size: [(g.get("data-view"), g.get("data-frame")) for g, _ in panels(spot_svg(s, size=size))]
                  for size in bodymap.SIZES}
        assert len({tuple(f) for f in frames.values()}) == 1, f"spot {s.number}: {frames}"


def test_text_alternative_names_every_view_and_the_muscle(book):
    for s in book.spots:
        loc, ref = s.location, s.referral
        root = spot_svg(s)
        text = root.find(f"{SVG}desc").text
        assert text == bodymap.describe(loc.view, loc.marker, ref.essential, ref.spillover, muscle=s.muscles[0])
        for g, _ in panels(root):
            assert bodymap._SEEN[g.get("data-view")] in text.split(". ")[0], f"spot {s.number}: {text}"
        assert f"in the {s.muscles[0]}" in text


def test_the_main_muscle_is_drawn_under_the_zones(book):
    for s in book.spots:
        (g, _), *_ = panels(spot_svg(s))
        classes = [p.get("class") for p in g.findall(f"{SVG}path")]
        assert "muscle" in classes, f"spot {s.number}"
        zones = [i for i, c in enumerate(classes) if (c or "").startswith("zone")]
        assert all(classes.index("muscle") < i for i in zones), "pale muscle beneath the zones"


@pytest.mark.parametrize("view", bodymap.VIEWS)
def test_svg_is_standalone(view):
    svg = bodymap.figure(view, bodymap.landmarks(view)[0], bodymap.regions(view)[:1], [], uid="x")
    root = parse(svg)
    assert root.tag == f"{SVG}svg" and root.get("viewBox") and root.get("width") and root.get("height")
    assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text.startswith("Seen from ")
    assert "<script" not in svg and "href" not in svg and "@import" not in svg
    assert {e.get("font-family") for e in root.iter(f"{SVG}text")} == {"sans-serif"}
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert ids and all(i.startswith("x-") for i in ids)
    assert [t.text for t in root.iter(f"{SVG}text")] == ["Trigger point", "Main pain", "May also hurt"]


def test_labels_and_colors():
    svg = bodymap.figure("front", "iliacus", ["groin"], ["front-thigh"], colors={"essential": "#0055aa"},
                         labels={"legend_marker": "Point gâchette", "legend_essential": "Douleur principale",
                                 "legend_spillover": "Douleur possible"})
    root = parse(svg)
    assert [t.text for t in root.iter(f"{SVG}text")] == ["Point gâchette", "Douleur principale", "Douleur possible"]
    ess = next(p for p in root.iter(f"{SVG}path") if p.get("class") == "zone essential")
    assert ess.get("fill") == "#0055aa"


@pytest.mark.parametrize("view", ["front", "back"])
def test_sides_on_full_body(view):
    lm = bodymap.landmarks(view)[0]
    zone = bodymap.regions(view)[:1]
    right, left = (parse(bodymap.figure(view, lm, zone, [], side=s)) for s in ("right", "left"))
    ((rx, ry),), ((lx, ly),) = markers(right), markers(left)
    ((_, (r0, _, r1, _)),), ((_, (l0, _, l1, _)),) = panels(right), panels(left)
    assert ly == pytest.approx(ry) and lx - l0 == pytest.approx(l1 - l0 - (rx - r0), abs=0.02), "mirrored in its frame"
    both = parse(bodymap.figure(view, lm, zone, [], side="both"))
    assert len(markers(both)) == 2
    # the body's right side is on the viewer's left on the front view, on the viewer's right on the back view
    from book.bodymap.views import VIEW_DATA
    assert (VIEW_DATA[view].landmarks[lm].x < 100) == (view == "front")


@pytest.mark.parametrize("view", ["side", "head", "sole"])
def test_sides_on_close_ups(view):
    lm = bodymap.landmarks(view)[0]
    right = parse(bodymap.figure(view, lm, bodymap.regions(view)[:1], []))
    left = parse(bodymap.figure(view, lm, bodymap.regions(view)[:1], [], side="left"))
    ((rx, ry),), ((lx, ly),) = markers(right), markers(left)
    ((_, (r0, _, r1, _)),), ((_, (l0, _, l1, _)),) = panels(right), panels(left)
    assert ly == pytest.approx(ry) and lx - l0 == pytest.approx(l1 - l0 - (rx - r0), abs=0.02)
    both = parse(bodymap.figure(view, lm, bodymap.regions(view)[:1], [], side="both"))
    assert len(markers(both)) == 1
    assert "both sides" in bodymap.describe(view, lm, bodymap.regions(view)[:1], [], side="both")


def test_raw_marker_percent():
    assert bodymap._to_units(bodymap.VIEW_DATA["front"], [40, 25]) == (80, 100)
    assert len(markers(parse(bodymap.figure("front", [40, 25], ["chest"], [])))) == 1
    assert "chest" in bodymap.describe("front", [40, 25], ["chest"], [])


# ---------------------------------------------------------------- text
def test_describe():
    text = bodymap.describe("side", "vastus-lateralis", ["outer-thigh", "outer-knee"], ["front-thigh"],
                            muscle="vastus lateralis")
    assert text == ("Seen from the side. Trigger point (X) on the outer front of the lower right thigh, a hand's width "
                    "above the knee, in the vastus lateralis muscle. Main pain: outer thigh and outer knee. "
                    "May also hurt: front of the thigh.")
    assert "left thigh" in bodymap.describe("side", "vastus-lateralis", ["outer-thigh"], [], side="left")


def test_overview():
    spots = [(1, "side", "vastus-lateralis"), (2, "back", "thoracolumbar-corner"), (3, "head", "masseter"),
             (4, "sole", [50, 50]), (5, "front", [40, 25]), (6, "sole", "arch")]
    root = parse(bodymap.overview(spots, uid="ov"))
    numbers = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.isdigit()]
    assert sorted(numbers, key=int) == ["1", "2", "3", "4", "5", "6"]
    assert "front" in root.find(f"{SVG}desc").text.lower()
    text = bodymap.overview_description(spots)
    assert "1: on the outer front of the lower right thigh" in text and "6:" in text


def test_overview_marks_the_side_pressed():
    """A packet for the left side numbers its spots on the left of the body (the viewer's right on the front
    view, the viewer's left on the back view); "both" numbers each spot twice."""
    def dots(side):
        root = parse(bodymap.overview([(1, "front", [40, 25], side), (2, "back", [60, 25], side)], box_mm=(100, 100)))
        return [float(c.get("cx")) for g in root.iter(f"{SVG}g") if g.get("class") == "spots"
                for c in g.iter(f"{SVG}circle")]

    right, left, both = dots("right"), dots("left"), dots("both")
    front_mid, back_mid = (left[0] + right[0]) / 2, (left[1] + right[1]) / 2
    assert front_mid < 50 < back_mid  # the front view at the left of the box, the back view at its right
    assert right[0] < front_mid < left[0] and left[1] < back_mid < right[1]
    assert len(both) == 4 and sorted(both) == sorted(right + left)
    assert "left" in bodymap.overview_description([(5, "front", [40, 25], "left")])


def test_overview_markers_sit_where_their_spots_are(book):
    """Each numbered dot lies in the spot's region on the overview: 10 on the arch side of the foot, not the heel."""
    from book.bodymap import overview_position
    from book.bodymap.views import FRONT_REGIONS, BACK_REGIONS
    from book.bodymap.geometry import flatten

    where, x, y = overview_position("sole", "arch")
    assert where == "front" and 375 < y < 392, "on the foot seen from the front"
    assert point_in_polygon(x, y, flatten(FRONT_REGIONS["top-of-foot"])), "on the foot, by its inner arch"
    expect = {3: ("front", "shin"), 9: ("front", "chest"), 15: ("front", "hip-front"), 2: ("back", "low-back"),
              5: ("back", "back-of-forearm"), 11: ("back", "between-shoulder-blades"), 12: ("back", "buttock"),
              13: ("back", "low-back"), 14: ("back", "shoulder-blade"), 6: ("back", "buttock")}
    for number, (view, region) in expect.items():
        s = book.spot(number)
        where, x, y = overview_position(s.location.view, s.location.marker)
        regs = FRONT_REGIONS if where == "front" else BACK_REGIONS
        assert where == view and point_in_polygon(x, y, flatten(regs[region])), f"spot {number}"


def test_every_landmark_has_an_overview_place_inside_the_body():
    from book.bodymap import overview_position
    from book.bodymap.geometry import flatten
    from book.bodymap.views import BODY_OUTLINE

    outline = flatten(BODY_OUTLINE)
    for view in bodymap.VIEWS:
        for name in bodymap.landmarks(view):
            where, x, y = overview_position(view, name)
            assert where in ("front", "back")
            assert point_in_polygon(x, y, outline), (view, name)


# ---------------------------------------------------------------- validation
def test_validate_ok():
    assert bodymap.validate("front", "pectoralis", ["chest"], ["front-of-shoulder"]) == []
    assert bodymap.validate("front", [40, 25], ["chest"], []) == []


def test_validate_unknown_view():
    ((field, msg),) = bodymap.validate("top", "arch", ["arch"], [])
    assert field == "location.view" and "top" in msg
    assert all(v in msg for v in bodymap.VIEWS)


def test_validate_unknown_names():
    problems = bodymap.validate("side", "vastus-lateral", ["outer-thig", "outer-knee"], ["chest"])
    fields = [f for f, _ in problems]
    assert fields == ["location.marker", "referral.essential", "referral.spillover"]
    marker_msg, ess_msg, spill_msg = (m for _, m in problems)
    assert "vastus-lateral" in marker_msg and "gluteus-medius" in marker_msg and "vastus-lateralis" in marker_msg
    assert "outer-thig" in ess_msg and all(r in ess_msg for r in bodymap.regions("side"))
    assert "'chest'" in spill_msg and "side" in spill_msg


def test_validate_marker_positions():
    ((f1, m1),) = bodymap.validate("front", [120, 50], ["chest"], [])
    assert f1 == "location.marker" and "0 to 100" in m1
    ((f2, m2),) = bodymap.validate("front", [2, 2], ["chest"], [])
    assert f2 == "location.marker" and "outside" in m2
    ((f3, _),) = bodymap.validate("head", "nose", ["jaw"], [])
    assert f3 == "location.marker"
    assert bodymap.validate("sole", ["a", 3], ["arch"], [])[0][0] == "location.marker"


def test_figure_rejects_bad_data():
    with pytest.raises(ValueError, match="unknown region"):
        bodymap.figure("front", "pectoralis", ["nowhere"], [])
    with pytest.raises(ValueError, match="side"):
        bodymap.figure("front", "pectoralis", ["chest"], [], side="middle")


# ---------------------------------------------------------------- rendering
def test_weasyprint_renders_every_view(tmp_path):
    """Every view renders in WeasyPrint's own SVG renderer without a warning (see conftest)."""
    weasyprint = pytest.importorskip("weasyprint")
    imgs = []
    for view in bodymap.VIEWS:
        regs = bodymap.regions(view)
        for side in ("right", "left", "both"):
            svg = bodymap.figure(view, bodymap.landmarks(view)[0], regs[:2], regs[2:3], side=side, uid=f"{view}{side}")
            imgs.append(base64.b64encode(svg.encode()).decode())
    svg = bodymap.overview([(1, "front", "iliacus"), (2, "head", "masseter")], uid="ov")
    imgs.append(base64.b64encode(svg.encode()).decode())
    html = "".join(f'<img style="width:60mm" src="data:image/svg+xml;base64,{i}">' for i in imgs)
    pdf = weasyprint.HTML(string=f"<html><body>{html}</body></html>").write_pdf()
    assert pdf.startswith(b"%PDF")


def test_free_shape_zone_is_drawn_described_and_mirrored():
    from book.model import FreeZone

    zone = FreeZone(points=[(36, 78), (44, 78), (44, 86), (36, 86)], label="the inner knee")
    assert bodymap.validate("front", "tibialis-anterior", [zone], []) == []

    def zone_x(side):
        root = parse(bodymap.figure("front", "tibialis-anterior", [zone], [], side=side))
        ((g, (x0, _, x1, _)),) = panels(root)
        (poly,) = parse_path(g.find(f"{SVG}path[@class='zone essential']").get("d"))
        return (sum(p[0] for p in poly) / len(poly) - x0) / (x1 - x0)

    assert zone_x("right") == pytest.approx(1 - zone_x("left"), abs=0.02), "mirrored for the left side"
    assert "Main pain: the inner knee." in bodymap.describe("front", "tibialis-anterior", [zone], [])
    bad = FreeZone(points=[(60, 80), (170, 80), (70, 90)], label="off the page")
    (problem,) = bodymap.validate("front", "tibialis-anterior", [bad], [])
    assert problem[0] == "referral.essential" and "percentages" in problem[1]
    other = FreeZone(points=[(20, 22), (30, 22), (30, 30)], label="the front of the shoulder", view="front")
    root = parse(bodymap.figure("back", "infraspinatus", [other], []))
    assert [g.get("data-view") for g, _ in panels(root)] == ["back", "front"], "a free shape may be on another view"


def test_validate_other_views_and_the_muscle():
    assert bodymap.validate("back", "infraspinatus", ["front:front-of-shoulder"], ["back-of-shoulder"], "Infraspinatus") == []
    ((f1, m1),) = bodymap.validate("back", "infraspinatus", ["top:front-of-shoulder"], [])
    assert f1 == "referral.essential" and "unknown view 'top'" in m1
    ((f2, m2),) = bodymap.validate("back", "infraspinatus", [], ["front:shoulder-blade"])
    assert f2 == "referral.spillover" and "on the front view" in m2 and "front-of-shoulder" in m2
    ((f3, m3),) = bodymap.validate("back", "infraspinatus", ["shoulder-blade"], [], "deltoid")
    assert f3 == "muscles" and "'deltoid'" in m3 and "back view" in m3 and "infraspinatus" in m3


def test_a_main_muscle_without_a_shape_is_reported_with_its_file_and_field(tmp_path):
    import shutil
    from book import sources
    from book.errors import SourceError

    tiny = tmp_path / "tiny"
    shutil.copytree(ROOT / "tests" / "fixtures" / "tiny", tiny)
    knee = tiny / "spots" / "01-knee.md"
    knee.write_text(knee.read_text(encoding="utf-8").replace("muscles: [vastus lateralis]", "muscles: [sartorius]"),
                    encoding="utf-8")
    with pytest.raises(SourceError) as e:
        sources.load(tiny)
    (msg,) = [str(p) for p in e.value.problems]
    assert msg.startswith("tiny/spots/01-knee.md: muscles: ") or "01-knee.md: muscles: the main muscle 'sartorius'" in msg


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_figure_command_previews_a_figure_at_a_size(tmp_path, suffix):
    import subprocess
    import sys

    out = tmp_path / f"f{suffix}"
    run = subprocess.run([sys.executable, str(ROOT / "make_book.py"), "figure", "14", "--side", "left", "--size", "book",
                          "-o", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    data = out.read_bytes()
    if suffix == ".svg":
        root = parse(data.decode())
        assert float(root.get("width")[:-2]) == bodymap.SIZES["book"][0]
        assert "left" in root.find(f"{SVG}desc").text
    else:
        from PIL import Image
        import io

        img = Image.open(io.BytesIO(data))
        assert img.format == "PNG" and abs(img.width - bodymap.SIZES["book"][0] / 25.4 * 300) < 3
        assert len(set(img.convert("RGB").resize((60, 60)).tobytes())) > 10, "something is drawn"
    bad = subprocess.run([sys.executable, str(ROOT / "make_book.py"), "figure", "14", "-o", str(tmp_path / "f.gif")],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "f.gif: -o: must end in .svg or .png" in bad.stderr
    assert not (tmp_path / "f.gif").exists()


def _spot_svg(spot, box):
    loc, ref = spot.location, spot.referral
    args = (loc.view, loc.marker, ref.essential, ref.spillover)
    return (bodymap.figure(*args, muscle=spot.muscles[0], box_mm=box),
            bodymap.drawn_size(*args, muscle=spot.muscles[0], box_mm=box))


def test_two_views_go_one_above_the_other_only_in_a_tall_narrow_box(book):
    """Spot 4's figure has a front and a back view: side by side in the book's and the EPUB's boxes; in a
    handout's tall, narrow figure column, one above the other, where each is drawn at least 1.5 times as
    large as it would be side by side."""
    spot = book.spot(4)

    def views(box):
        svg, size = _spot_svg(spot, box)
        labels = [(float(t.get("x")), float(t.get("y"))) for t in parse(svg).iter(f"{SVG}text")
                  if t.get("class") == "view-label"]
        frames = [float(r.get("width")) for r in parse(svg).iter(f"{SVG}rect") if r.get("class") == "frame"]
        return labels, frames, size

    for box in (bodymap.SIZES["book"], bodymap.SIZES["epub"], (120, 70)):
        ((x1, y1), (x2, y2)), _, _ = views(box)
        assert y1 == y2 and x1 < x2, box  # side by side
    (_, beside_frames, _), ((a, b), stacked_frames, (w, _)) = views((56, 60)), views((56, 150))
    assert a[0] == b[0] and b[1] > a[1] + 40 and w <= 56  # one above the other, inside the box
    assert stacked_frames[0] >= 1.5 * beside_frames[0]


def test_a_whole_body_view_is_framed_taller_to_fill_a_tall_box(book):
    """Spot 9's chest frame is wider than tall: in a tall box the front view runs on below it, at
    the same scale, so the drawing fills the box instead of floating in white."""
    spot = book.spot(9)
    svg, (w, h) = _spot_svg(spot, (90, 150))
    assert h < 140  # on its own frame the chest is shorter than the box
    height = float(re.search(r'height="([\d.]+)mm"', svg).group(1))
    assert abs(height - 150) < 1.0
    frames = [float(r.get("height")) for svg_ in (svg, _spot_svg(spot, (90, h))[0])
              for r in parse(svg_).iter(f"{SVG}rect") if r.get("class") == "frame"]
    assert frames[0] > frames[1] + 150 - h - 1  # the frame itself grew by the room, not the white around it
