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
    for p in root.findall(f".//{SVG}g[@class='marker']/{SVG}path"):
        if p.get("stroke") == "white":
            continue
        nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", p.get("d"))]
        out.append(((nums[0] + nums[2]) / 2, (nums[1] + nums[3]) / 2))
    return out


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
            assert name in bodymap.regions(loc["view"]), f"{path.name}: region {name} not on the {loc['view']} view"
    assert bodymap.validate(loc["view"], loc["marker"], ref["essential"], ref.get("spillover") or []) == []


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
@pytest.mark.parametrize("view", bodymap.VIEWS)
def test_zones_clipped_to_outline(view):
    regs = bodymap.regions(view)
    root = parse(bodymap.figure(view, bodymap.landmarks(view)[0], regs[:2], regs[2:4], uid="t1"))
    clips = {c.get("id"): c for c in root.iter(f"{SVG}clipPath")}
    zones = [g for g in root.iter(f"{SVG}g") if "zone" in (g.get("class") or "")]
    assert {g.get("class") for g in zones} == {"zone essential", "zone spillover"}
    outline = outline_d(root)
    for g in zones:
        ref = re.fullmatch(r"url\(#(.+)\)", g.get("clip-path")).group(1)
        assert ref.startswith("t1-")
        assert outline in [p.get("d") for p in clips[ref].iter(f"{SVG}path")]
        assert len(g.findall(f"{SVG}path")) == 2
    spill = next(g for g in zones if g.get("class") == "zone spillover")
    pattern = re.fullmatch(r"url\(#(.+)\)", spill.get("fill")).group(1)
    assert root.find(f".//{SVG}pattern[@id='{pattern}']") is not None


@pytest.mark.parametrize("view", bodymap.VIEWS)
def test_svg_is_standalone(view):
    svg = bodymap.figure(view, bodymap.landmarks(view)[0], bodymap.regions(view)[:1], [], uid="x")
    root = parse(svg)
    assert root.tag == f"{SVG}svg" and root.get("viewBox") and root.get("width") and root.get("height")
    assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text.startswith("Trigger point (X)")
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
    ess = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "zone essential")
    assert ess.get("fill") == "#0055aa"


@pytest.mark.parametrize("view", ["front", "back"])
def test_sides_on_full_body(view):
    lm = bodymap.landmarks(view)[0]
    (rx, ry), = markers(parse(bodymap.figure(view, lm, bodymap.regions(view)[:1], [], side="right")))
    (lx, ly), = markers(parse(bodymap.figure(view, lm, bodymap.regions(view)[:1], [], side="left")))
    assert ly == ry and lx == pytest.approx(200 - rx)
    both = markers(parse(bodymap.figure(view, lm, bodymap.regions(view)[:1], [], side="both")))
    assert sorted(both) == sorted([(rx, ry), (lx, ly)])
    # the body's right side is on the viewer's left on the front view, on the viewer's right on the back view
    assert (rx < 100) == (view == "front")


@pytest.mark.parametrize("view", ["side", "head", "sole"])
def test_sides_on_close_ups(view):
    lm = bodymap.landmarks(view)[0]
    right = parse(bodymap.figure(view, lm, bodymap.regions(view)[:1], []))
    left = parse(bodymap.figure(view, lm, bodymap.regions(view)[:1], [], side="left"))
    width = view_box(right)[2]
    (rx, ry), = markers(right)
    (lx, ly), = markers(left)
    assert ly == ry and lx == pytest.approx(width - rx)
    (r_outline,), (l_outline,) = parse_path(outline_d(right)), parse_path(outline_d(left))
    assert r_outline[0][0] == pytest.approx(width - l_outline[0][0], abs=0.11)
    both = parse(bodymap.figure(view, lm, bodymap.regions(view)[:1], [], side="both"))
    assert markers(both) == [(rx, ry)]
    assert "both sides" in bodymap.describe(view, lm, bodymap.regions(view)[:1], [], side="both")


def test_raw_marker_percent():
    root = parse(bodymap.figure("front", [40, 25], ["chest"], []))
    (x, y), = markers(root)
    assert (x, y) == (80, 100)
    assert "chest" in bodymap.describe("front", [40, 25], ["chest"], [])


# ---------------------------------------------------------------- text
def test_describe():
    text = bodymap.describe("side", "vastus-lateralis", ["outer-thigh", "outer-knee"], ["front-thigh"])
    assert text == ("Trigger point (X) on the outer front of the lower right thigh, a hand's width above the knee. "
                    "Main pain: outer thigh and outer knee. May also hurt: front of the thigh.")
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


def test_focus_zooms_in_on_the_marker_and_keeps_it_in_view():
    import re as _re

    full = bodymap.figure("back", "thoracolumbar-corner", ["low-back"], ["buttock"], side="left")
    zoom = bodymap.figure("back", "thoracolumbar-corner", ["low-back"], ["buttock"], side="left", focus=True)
    vb = lambda svg: [float(v) for v in _re.search(r'viewBox="([^"]+)"', svg).group(1).split()]
    fx, fy, fw, fh = vb(full)
    zx, zy, zw, zh = vb(zoom)
    assert zw < fw and zh < fh, "the window is smaller than the whole body"
    mx = float(_re.search(r'<g class="marker"><path d="M(\S+) (\S+)', zoom).group(1)) + 5
    my = float(_re.search(r'<g class="marker"><path d="M(\S+) (\S+)', zoom).group(2)) + 5
    assert zx <= mx <= zx + zw and zy <= my <= zy + zh
    head = bodymap.figure("head", "masseter", ["jaw"], [], focus=True)
    assert vb(head)[:2] == [0, 0], "close-ups are always drawn whole"


def test_free_shape_zone_is_drawn_clipped_described_and_mirrored():
    import re as _re
    from book.model import FreeZone

    zone = FreeZone(points=[(60, 80), (70, 80), (70, 90), (60, 90)], label="the inner ankle")
    assert bodymap.validate("front", "tibialis-anterior", [zone], []) == []
    right = bodymap.figure("front", "tibialis-anterior", [zone], [], side="right")
    left = bodymap.figure("front", "tibialis-anterior", [zone], [], side="left")
    group = lambda svg: _re.search(r'<g class="zone essential" clip-path="url\(#[^)]+\)"[^>]*>(.*?)</g>', svg).group(1)
    first_x = lambda svg: float(_re.search(r'd="M(-?[\d.]+)', group(svg)).group(1))
    assert first_x(right) == 120 and first_x(left) == 80, "60% of a 200-unit view, mirrored for the left"
    assert "Main pain: the inner ankle." in bodymap.describe("front", "tibialis-anterior", [zone], [])
    bad = FreeZone(points=[(60, 80), (170, 80), (70, 90)], label="off the page")
    (problem,) = bodymap.validate("front", "tibialis-anterior", [bad], [])
    assert problem[0] == "referral.essential" and "percentages" in problem[1]
