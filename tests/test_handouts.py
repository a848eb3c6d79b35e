"""Client handouts and packets, rendered from the real chapters and read back from the PDF."""
import re

import pdfplumber
import pikepdf
import pytest
from pypdf import PdfReader

from conftest import ROOT, cli
from book import build, practice, render, sources

CHAPTERS = ROOT / "chapters"
NOTE = "Do this before your run, not after. Go lighter on the left side, and tell me next week how it felt."


@pytest.fixture(scope="module")
def book():
    return sources.load(CHAPTERS)


@pytest.mark.parametrize("paper,practice_name", [
    ("a4", "default"), ("a4", "stride-sports"), ("a4", "cabinet-lumiere"),
    ("letter", "default"), ("letter", "stride-sports"), ("letter", "cabinet-lumiere")])
def test_every_spot_fits_one_page_even_with_client_and_notes(book, paper, practice_name):
    profile = practice.load(practice_name)
    personal = render.Personal(client="Zoë Example-Longname", therapist="Sam Ortiz", notes=NOTE)
    for start in range(0, len(book.spots), 5):  # packets: render_handout raises if a spot runs onto a second page
        spots = book.spots[start:start + 5]
        document = build.render_handout(book, profile, spots, personal, paper)
        assert len(document.pages) == len(spots) + 1  # the cover, then a page per spot
        for i, spot in enumerate(spots, 1):
            assert [n for n, page in enumerate(document.pages) if f"handout-{i}" in page.anchors] == [i], spot.number
    width_mm = document.pages[0].width * 25.4 / 96
    assert abs(width_mm - {"a4": 210, "letter": 215.9}[paper]) < 1


def small_text_allowed(profile, client: str = "") -> set[str]:
    """Words that may be printed below 12 pt: footer, contact line, QR caption, figure legend, and a packet's
    page header (the client's name, "Page N of M")."""
    p, t = profile.practice, profile.labels
    texts = [p.disclaimer or t["disclaimer"], t["not_diagnosis"], p.footer or "", p.name,
             *(v or "" for v in p.contact.model_dump().values()), t["scan"], p.qr_url or "",
             t["legend_marker"], t["legend_essential"], t["legend_spillover"], "X", "·",
             t["page_of"].format(n=1, m=1), client]
    words = {w for text in texts for w in re.findall(r"\w+", text.lower())}
    # SVG text (the legend) is extracted without its spaces.
    return words | {re.sub(r"\W+", "", t[k].lower()) for k in ("legend_marker", "legend_essential", "legend_spillover")}


@pytest.mark.parametrize("practice_name", ["default", "stride-sports"])
def test_body_text_is_at_least_12pt_and_fonts_are_embedded(tmp_path, practice_name):
    out = tmp_path / "h.pdf"
    assert cli("handout", "2", "8", "15", "--practice", practice_name, "--client", "Ana", "--notes", NOTE, "-o", out) == 0
    allowed = small_text_allowed(practice.load(practice_name), "Ana") | set("0123456789")
    with pdfplumber.open(out) as pdf:
        assert len(pdf.pages) == 4
        for page in pdf.pages[1:]:
            words = page.extract_words(extra_attrs=["size"])
            big = [w for w in words if w["size"] >= 11.95]
            assert len(big) > 150, "most of the page is body text"
            small = {w["text"] for w in words if w["size"] < 11.95}
            stray = {w for w in small if not set(re.findall(r"\w+", w.lower())) <= allowed}
            assert not stray, f"text below 12 pt outside the footer and legend: {sorted(stray)[:10]}"
    with pikepdf.open(out) as pdf:
        for font in pdf.pages[0].Resources.Font.values():
            desc = font.get("/FontDescriptor") or font.DescendantFonts[0].FontDescriptor
            assert any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont


def test_packet_prints_client_name_literally_in_spot_order(tmp_path):
    out = tmp_path / "packet.pdf"
    name = "<b>Zoë & Co</b>"
    assert cli("handout", "2", "8", "15", "--client", name, "--side", "left", "-o", out) == 0
    reader = PdfReader(out)
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) == 4
    for text, number in zip(texts[1:], (2, 8, 15)):
        assert name in text
        assert re.search(rf"SPOT {number}\b", text, re.I)
        assert "left side" in text
    meta = reader.metadata
    assert meta.author == "Trigger Point Self-Care"
    assert "Spot 2" in meta.title and name in meta.title
    with pikepdf.open(out) as pdf:
        assert str(pdf.Root.Lang) == "en"


def test_side_left_mirrors_the_figure(book):
    profile = practice.load(None)
    spot = book.spot(8)
    right = render.handout_html(book, [spot], profile, render.Personal(side="right"))
    left = render.handout_html(book, [spot], profile, render.Personal(side="left"))
    alt = lambda html: re.search(r'<figure class="bodymap"[^>]*><img src="([^"]+)" alt="([^"]+)"', html).groups()
    (src_r, alt_r), (src_l, alt_l) = alt(right), alt(left)
    assert "right thigh" in alt_r and "left thigh" in alt_l
    assert src_r != src_l


def test_qr_code_only_when_the_practice_has_a_url(tmp_path):
    with_qr, without = tmp_path / "qr.pdf", tmp_path / "plain.pdf"
    assert cli("handout", "6", "--practice", "stride-sports", "-o", with_qr) == 0
    assert cli("handout", "6", "-o", without) == 0
    lines = PdfReader(with_qr).pages[0].extract_text().splitlines()
    # The caption prints the host and the path on lines of their own: the URL never splits mid-word.
    assert "stride-sports.example" in lines and "/book" in lines
    assert "Scan to" not in PdfReader(without).pages[0].extract_text()
    with pdfplumber.open(with_qr) as pdf:
        assert len(pdf.pages[0].images) == 0, "the QR code is vector, not a bitmap"


def test_french_practice_prints_french_labels_and_date(tmp_path):
    out = tmp_path / "fr.pdf"
    assert cli("handout", "6", "--practice", "cabinet-lumiere", "--date", "2026-03-05", "--side", "both", "-o", out) == 0
    text = PdfReader(out).pages[0].extract_text()
    assert "5 mars 2026" in text and "Le presser" in text and "les deux" in text
    assert "Arrêtez et demandez conseil" in text


def test_more_than_four_spots_warns_but_writes(tmp_path, caplog):
    out = tmp_path / "big.pdf"
    assert cli("handout", "1", "2", "3", "4", "5", "-o", out) == 0
    assert len(PdfReader(out).pages) == 6  # the cover, then a page per spot
    assert any("5 spots in one packet" in r.getMessage() for r in caplog.records)


def test_too_long_notes_is_exit_2(tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert cli("handout", "2", "--notes", "word " * 200, "-o", out) == 2
    assert re.search(r"notes: \d+ characters of notes do not fit on spot 2's a4 page", capsys.readouterr().err)
    assert not out.exists()


def test_content_that_cannot_fit_fails_naming_the_spot(tiny, tmp_path, capsys):
    spot = tiny / "spots" / "01-knee.md"
    long_steps = "\n".join(f"    - Step {i}, " + "press slowly and breathe out, then hold still " * 4 for i in range(14))
    spot.write_text(spot.read_text().replace("  steps: [Press the spot., Hold it., Let go slowly.]", "  steps:\n" + long_steps))
    out = tmp_path / "x.pdf"
    assert cli("handout", "1", "--chapters", tiny, "-o", out) == 2
    err = capsys.readouterr().err
    assert re.search(r"01-knee\.md: handout: spot 1 does not fit on one a4 page: about \d+ mm", err), err
    assert not out.exists()


def test_batch_writes_good_rows_and_reports_bad_ones(tmp_path, caplog):
    rows = tmp_path / "clients.csv"
    rows.write_text(
        "name,spots,side,notes,hold\n"
        "Ana Souza,2 8,left,Before runs.,60\n"
        "Bad Row,2 99,right,,\n"
        "\"Zoë <&> Co\",15,both,,30-90\n"
        "Ana Souza,6,,,\n", encoding="utf-8")
    out = tmp_path / "packets"
    assert cli("handout", "--batch", rows, "-o", out) == 2
    written = sorted(p.name for p in out.glob("*.pdf"))
    assert written == ["ana-souza-2.pdf", "ana-souza.pdf", "zoe-co.pdf"]
    assert len(PdfReader(out / "ana-souza.pdf").pages) == 3
    assert "Zoë <&> Co" in PdfReader(out / "zoe-co.pdf").pages[0].extract_text()
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert any(re.search(r"clients\.csv:3: spots: no spot '99'", m) for m in errors), errors


def test_batch_with_a_bad_header_is_exit_2(tmp_path, capsys):
    rows = tmp_path / "clients.csv"
    rows.write_text("client,spot\nAna,2\n")
    assert cli("handout", "--batch", rows, "-o", tmp_path / "out") == 2
    assert "clients.csv:1: header: missing column(s): name, spots" in capsys.readouterr().err


def test_batch_rejects_surplus_cells_and_mixed_options(tmp_path, caplog, capsys):
    rows = tmp_path / "clients.csv"
    rows.write_text("name,spots,notes\nAna,2,before runs, not after\nBo,8,ok\n")
    out = tmp_path / "packets"
    assert cli("handout", "--batch", rows, "-o", out) == 2
    assert sorted(p.name for p in out.glob("*.pdf")) == ["bo.pdf"]
    assert any("clients.csv:2: (row): more cells than columns" in r.getMessage() for r in caplog.records)
    assert cli("handout", "2", "--batch", rows, "-o", out) == 2
    assert "SPOT: comes from the CSV's columns with --batch" in capsys.readouterr().err


def test_long_names_wrap_inside_the_page(tmp_path):
    out = tmp_path / "long.pdf"
    assert cli("handout", "2", "--practice", "stride-sports", "--client", "Maximiliana Theodora Konstantinopoulou-V",
               "--therapist", "Dr Bartholomew Featherstonehaugh", "-o", out) == 0
    with pdfplumber.open(out) as pdf:
        page = pdf.pages[0]
        assert all(c["x1"] <= page.width and c["bottom"] <= page.height for c in page.chars)
        assert "Featherstonehaugh" in page.extract_text()
