"""How-to-press pictures: validated data, the tool touching the drawn body, mirrored sides, text from the data."""
import shutil

import pytest
from lxml import etree
from shapely.geometry import LineString, MultiPoint, Point
from shapely.ops import unary_union

from conftest import ROOT, cli
from book import pictures, sources
from book.pictures.pose import LENGTH, build, surface
from book.pictures.scene import BALL, capsule
from book.render import Target, press_figure

SVG = "{http://www.w3.org/2000/svg}"
HANDOUT_MM = (50, 50)
BOOK = sources.load(ROOT / "chapters")
SPOTS = {s.number: s for s in BOOK.spots}


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"fixture changed: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_every_spot_has_a_picture_whose_data_validates():
    assert len(SPOTS) >= 2
    for n, spot in SPOTS.items():
        assert 1 <= len(spot.press.picture) <= 2, n
        for pic in spot.press.picture:
            assert pictures.problems(pic.pose, pic.tool, pic.at, pic.against, pic.push, pic.roll) == [], n


@pytest.mark.parametrize("field,bad,listed", [("pose", "sitting", "chair-sitting"), ("tool", "foam roller", "ball"),
                                              ("at", "elbow", "upper-forearm"), ("push", "hard", "in-and-up")])
def test_an_unknown_name_is_an_error_listing_the_known_ones(tmp_path, capsys, field, bad, listed):
    chapters = tmp_path / "chapters"
    shutil.copytree(ROOT / "chapters", chapters)
    good = {"pose": "supine-knees-bent", "tool": "ball", "at": "thoracolumbar-corner", "push": "weight"}[field]
    edit(chapters / "spots" / "02-low-back.md", f"{field}: {good}", f"{field}: {bad}")
    assert cli("check", "--chapters", chapters) == 2
    err = capsys.readouterr().err
    line = next(l for l in err.splitlines() if "02-low-back.md" in l)
    assert f"press.picture.0.{field}:" in line and repr(bad) in line and listed in line


def test_a_place_the_pose_does_not_show_is_an_error(tmp_path, capsys):
    chapters = tmp_path / "chapters"
    shutil.copytree(ROOT / "chapters", chapters)
    edit(chapters / "spots" / "02-low-back.md", "at: thoracolumbar-corner", "at: jaw")
    assert cli("check", "--chapters", chapters) == 2
    err = capsys.readouterr().err
    assert "press.picture.0" in err and "'jaw' is not drawn in the 'supine-knees-bent' pose" in err


def _cases():
    return [(n, i, side, box) for n, s in SPOTS.items() for i in range(len(s.press.picture))
            for side, box in (("right", (50, 50)), ("left", (50, 50)), ("right", (45, 45)), ("left", (60, 60)))]


@pytest.mark.parametrize("n,i,side,box", _cases())
def test_the_tool_touches_the_body_outline_at_handout_size(n, i, side, box):
    pic = SPOTS[n].press.picture[i]
    s = pictures.scene(pic, side, box)
    mm = s.extra["k"]  # body units per printed millimetre
    contact = Point(s.contact)
    assert s.outline().boundary.distance(contact) / mm <= 2.0, "the place is hidden inside the drawn body"
    if s.ball:  # on the surface, not sunk into the part it presses (other limbs may pass behind it)
        assert abs(Point(s.ball).distance(contact) - BALL) / mm <= 0.2
        group = s.body.parts[pictures.PLACES[pic.at].part].group
        pressed = unary_union([capsule(p) for p in s.body.parts.values() if p.group == group])
        assert pressed.intersection(Point(s.ball).buffer(BALL)).area / (3.14 * BALL ** 2) < 0.03
    else:
        assert s.extra["reached"], "the hand does not reach the spot"
        tips = [capsule(p) for name, p in s.body.parts.items()
                if p.group in s.tool_arms and name.split(".")[1] in ("fingers", "thumb")]
        assert min(t.distance(contact) for t in tips) / mm <= 2.0
    x, y, w, h = s.frame
    assert x < contact.x < x + w and y < contact.y < y + h
    assert s.arrow is not None, "no room for the push arrow"
    assert s.roll is not None or not pic.roll, "no room for the roll arrow"


def _pairs(d: str) -> list[tuple[float, float]]:
    nums = [float(v) for v in d.replace("M", " ").replace("L", " ").replace("Z", " ").split()]
    return [(round(a, 1), round(b, 1)) for a, b in zip(nums[0::2], nums[1::2])]


def _drawn(svg: str):
    root = etree.fromstring(svg.encode())
    inner = root.find(f"{SVG}svg")
    x, y, w, h = (float(v) for v in inner.get("viewBox").split())
    contact = inner.find(f".//{SVG}g[@class='contact']")
    arrow = inner.find(f".//{SVG}g[@class='arrow push']/{SVG}path[2]").get("d")
    nums = [float(v) for v in arrow.replace("M", " ").replace("L", " ").replace("Z", " ").split()]
    return root, (x, w), (float(contact.get("data-x")), float(contact.get("data-y"))), nums


@pytest.mark.parametrize("n", sorted(SPOTS))
def test_left_is_the_mirror_of_right(n):
    t = Target("epub")
    right = press_figure(SPOTS[n], t, side="right", box_mm=HANDOUT_MM)
    left = press_figure(SPOTS[n], t, side="left", box_mm=HANDOUT_MM)
    r_svg, l_svg = (t.images[f.src].decode() for f in (right, left))
    _, (x, w), rc, ra = _drawn(r_svg)
    _, (x2, w2), lc, la = _drawn(l_svg)
    assert (x, w) == (x2, w2)
    assert abs((lc[0] - x) - (x + w - rc[0])) < 0.05 and abs(lc[1] - rc[1]) < 0.05
    assert r_svg != l_svg
    parts = lambda svg: {p.get("class"): _pairs(p.get("d")) for p in etree.fromstring(svg.encode()).iter(f"{SVG}path")
                         if (p.get("class") or "").startswith("part ")
                         and not any(a.get("class") == "inset" for a in p.iterancestors())}  # the magnifier is a transformed copy
    r_parts, l_parts = parts(r_svg), parts(l_svg)
    assert r_parts.keys() == l_parts.keys() and len(r_parts) >= 4
    for name, pts in r_parts.items():
        drawn = MultiPoint(l_parts[name])
        assert len(pts) == len(l_parts[name])
        assert max(drawn.distance(Point(2 * x + w - a, b)) for a, b in pts) < 0.15, name
    mirrored = sorted((2 * x + w - a, b) for a, b in zip(ra[0::2], ra[1::2]))
    drawn = sorted(zip(la[0::2], la[1::2]))
    assert len(mirrored) == len(drawn) >= 3
    assert max(abs(p - q) for m, d in zip(mirrored, drawn) for p, q in zip(m, d)) < 0.05
    assert "right side" in right.alt and "left side" in left.alt


@pytest.mark.parametrize("n", sorted(SPOTS))
def test_the_text_alternative_names_pose_tool_and_place(n):
    spot = SPOTS[n]
    fig = press_figure(spot, Target("pdf"), box_mm=HANDOUT_MM)
    for pic in spot.press.picture:
        assert pictures.POSES[pic.pose].phrase in fig.alt
        assert pictures.TOOLS[pic.tool] in fig.alt
        assert pictures.PLACES[pic.at].phrase in fig.alt
        if pic.roll:
            assert "2 or 3 cm" in fig.alt


def test_the_svg_is_drawn_for_its_printed_box_with_arrows_of_fixed_size():
    sizes = {}
    for box in ((50, 50), (100, 100)):
        svg = pictures.figure(SPOTS[2].press.picture, box_mm=box)
        root = etree.fromstring(svg.encode())
        assert root.get("width") == f"{box[0]}mm" and root.get("height") == f"{box[1]}mm"
        assert root.find(f"{SVG}desc").text == pictures.describe(SPOTS[2].press.picture)
        inner = root.find(f"{SVG}svg")
        per_mm = float(inner.get("viewBox").split()[2]) / float(inner.get("width"))
        shaft = float(inner.find(f".//{SVG}g[@class='arrow push']/{SVG}path").get("stroke-width"))
        sizes[box] = shaft / per_mm
    assert sizes[(50, 50)] == pytest.approx(sizes[(100, 100)], rel=0.02) == pytest.approx(0.9, rel=0.05)


def test_two_pictures_share_the_box_and_the_text():
    pics = [SPOTS[2].press.picture[0], SPOTS[11].press.picture[0]]
    svg = pictures.figure(pics, box_mm=(100, 50))
    root = etree.fromstring(svg.encode())
    assert len(root.findall(f"{SVG}svg")) == 2
    text = pictures.describe(pics)
    assert pictures.POSES["supine-knees-bent"].phrase in text and "Or: standing with your back to a wall" in text


def test_a_spot_without_picture_data_has_no_picture(tiny):
    book = sources.load(tiny)
    assert press_figure(book.spot(1), Target("pdf")) is None
    assert press_figure(book.spot(2), Target("pdf")).alt.startswith("Lying on your back, a ball under the low back")


def test_every_pose_can_be_drawn():
    """Poses no chapter uses yet still stand on the floor and show a place."""
    for name, pose in pictures.POSES.items():
        place = next(k for k, v in pictures.PLACES.items() if v.view == pose.view)
        body = build(pose)
        point, _ = surface(body, pictures.PLACES[place])
        svg = pictures.figure([{"pose": name, "tool": "fingertips", "at": place, "against": None, "push": "in"}])
        assert "<path" in svg and name


def test_the_preview_command_writes_svg_and_png(tmp_path):
    assert cli("figure", "10", "--press", "-o", tmp_path / "p.svg") == 0
    assert etree.parse(str(tmp_path / "p.svg")).getroot().find(f"{SVG}desc").text.startswith("Sitting on a chair")
    assert cli("figure", "10", "--press", "--side", "left", "-o", tmp_path / "p.png") == 0
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert cli("figure", "10", "--press", "-o", tmp_path / "p.pdf") == 2
    assert not (tmp_path / "p.pdf").exists()


@pytest.mark.parametrize("n", sorted(SPOTS))
def test_a_magnifier_sits_in_free_space_and_shows_the_spot(n):
    pic = SPOTS[n].press.picture[0]
    s = pictures.scene(pic, "right", HANDOUT_MM)
    if pictures.POSES[pic.pose].support != "lying":
        assert s.inset is None
        return
    assert s.inset is not None, "a lying body leaves room for a magnifier"
    cx, cy, r, wx, wy, rw = s.inset
    x, y, w, h = s.frame
    lens = Point(cx, cy).buffer(r)
    assert x <= cx - r and cx + r <= x + w and y <= cy - r
    assert not lens.intersects(s.shapes()), "the magnifier covers the figure"
    assert not lens.intersects(LineString(s.arrow).buffer(1.3 * s.extra["k"])), "the magnifier covers the arrow"
    assert Point(wx, wy).buffer(rw).contains(Point(s.contact)) and (not s.ball or Point(wx, wy).buffer(rw).contains(Point(s.ball)))


def test_each_handout_page_gets_its_press_picture_for_the_side_treated(monkeypatch):
    import jinja2
    from book.practice import load as load_profile
    from book.render import Personal, handout_html

    seen = {}
    render = jinja2.Template.render

    def spy(self, *args, **kwargs):
        if self.name == "handout.html":
            seen.update(kwargs)
        return render(self, *args, **kwargs)

    monkeypatch.setattr(jinja2.Template, "render", spy)
    handout_html(BOOK, [SPOTS[2], SPOTS[9]], load_profile(None), Personal(side="left"))
    pages = seen["pages"]
    assert [p["press_figure"].alt for p in pages] == [pictures.describe(SPOTS[n].press.picture, "left") for n in (2, 9)]
    assert all(p["press_figure"].src.startswith("data:image/svg+xml;base64,") for p in pages)
