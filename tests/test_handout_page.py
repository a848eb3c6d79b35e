"""The handout page as a client gets it: read back from the PDF.

The body map's box is measured from the tagged PDF (the Figure element's layout box), not from the
drawing inside it, so these tests hold whatever the figure engine draws in the box.
"""
import re

import pdfplumber
import pikepdf
import pytest
from pypdf import PdfReader

from conftest import ROOT, cli
from book import build, practice, render, sources
from book import pdf as pdf_writer

CHAPTERS = ROOT / "chapters"
PX_MM = 25.4 / 96  # WeasyPrint writes a Figure's BBox in CSS pixels from the page's top left
PAPER_MM = {"a4": (210, 297), "letter": (215.9, 279.4)}


@pytest.fixture(scope="module")
def book():
    return sources.load(CHAPTERS)


def figure_boxes(path, profile=None) -> dict[int, list[tuple[float, float]]]:
    """Per page (from 0): (width, height) in mm of every tagged figure but the practice's logo and QR
    code, in reading order (on a handout page the body map comes first, then the how-to-press picture)."""
    header = [profile.practice.name, profile.labels["qr_alt"]] if profile else []
    out: dict[int, list] = {}
    with pikepdf.open(path) as pdf:
        pages = {p.objgen: i for i, p in enumerate(pdf.pages)}

        def walk(node):
            if isinstance(node, pikepdf.Array):
                for child in node:
                    walk(child)
                return
            if not isinstance(node, pikepdf.Dictionary):
                return
            alt = str(node.get("/Alt", ""))
            if node.get("/S") == "/Figure" and not any(alt == h or alt.startswith(h + " ") for h in header):
                x1, y1, x2, y2 = (float(v) for v in node.A.BBox)
                out.setdefault(pages[node.Pg.objgen], []).append(((x2 - x1) * PX_MM, (y2 - y1) * PX_MM))
            if "/K" in node:
                walk(node.K)

        walk(pdf.Root.StructTreeRoot.K)
    return out


def blank_band_mm(page, footer_words: str) -> float:
    """The white space between the lowest thing drawn on the page and the rule that opens the footer."""
    words = page.extract_words()
    first = footer_words.split()[:3]
    footer_text = max(w["top"] for i, w in enumerate(words) if [x["text"] for x in words[i:i + 3]] == first)
    # The footer's top border: WeasyPrint draws it as a frame around the footer box.
    rule = min(o["top"] for o in page.rects + page.lines
               if o["top"] < footer_text < o["bottom"] and o["width"] > 0.8 * page.width)
    ink = [o["bottom"] for o in page.chars + page.rects + page.lines + page.curves if o["bottom"] < rule - 0.1]
    return (rule - max(ink)) * 25.4 / 72


@pytest.mark.parametrize("practice_name", ["default", "stride-sports", "cabinet-lumiere"])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_body_map_leads_and_the_page_is_filled(book, tmp_path, paper, practice_name):
    """Every stock sheet: a body map at least 90 mm tall, the largest thing on the page, and no blank band
    above the footer taller than 8% of the page."""
    profile = practice.load(practice_name)
    footer = profile.practice.disclaimer or profile.labels["disclaimer"]
    for start in range(0, len(book.spots), 5):  # packets of five: each page is laid out on its own
        spots = book.spots[start:start + 5]
        out = tmp_path / f"packet-{start}.pdf"
        pdf_writer.write(build.render_handout(book, profile, spots, render.Personal(), paper), out)
        boxes = figure_boxes(out, profile)
        with pdfplumber.open(out) as pdf:
            assert len(pdf.pages) == len(spots) + (len(spots) > 1)
            for spot, (i, page) in zip(spots, enumerate(pdf.pages[-len(spots):], len(pdf.pages) - len(spots))):
                (width, height), *others = boxes[i]
                assert height >= 89.9, f"spot {spot.number} on {paper}: body map {height:.0f} mm tall"
                assert height >= width
                assert all(width * height > 2 * w * h for w, h in others)  # the largest thing on the page
                band = blank_band_mm(page, footer)
                assert band <= 0.08 * PAPER_MM[paper][1], f"spot {spot.number} on {paper}: {band:.0f} mm blank above the footer"


def test_a_short_text_gives_a_taller_body_map(book):
    """The spare room goes to the figure: the shortest spot's figure grows past the minimum."""
    profile = practice.load(None)
    short = min(book.spots, key=lambda s: len(" ".join([s.summary, *s.location.find, *s.press.steps])))
    document = build.render_handout(book, profile, [short], render.Personal(), "a4")
    html_first = render.handout_html(book, [short], profile, render.Personal())
    assert 'style="height: 90mm"' in html_first
    figure = build._find(document.pages[0]._page_box, "bodymap")
    assert figure.height * PX_MM > 95


def test_hold_given_is_the_only_hold_time_on_the_page(tmp_path):
    out = tmp_path / "h.pdf"
    assert cli("handout", "15", "--hold", "45", "-o", out) == 0
    text = " ".join(PdfReader(out).pages[0].extract_text().split())
    assert "Hold each press for 45 seconds, twice." in text  # the dose box
    times = re.findall(r"(\d+)(?:\s*(?:to|-)\s*\d+)?\s*(?:seconds|secs?\b|s\b)|\b(?:a|one|half a) minute", text)
    assert times == ["45"], times  # the dose box says it; no step repeats it


def test_dose_reads_as_a_person_says_it(tmp_path):
    en, fr = tmp_path / "en.pdf", tmp_path / "fr.pdf"
    assert cli("handout", "8", "--times-per-day", "2", "-o", en) == 0
    assert cli("handout", "8", "--practice", "cabinet-lumiere", "-o", fr) == 0
    text = " ".join(PdfReader(en).pages[0].extract_text().split())
    assert "Hold each press for about a minute, twice." in text and "Twice a day." in text
    assert "1 time" not in text and "2 times" not in text
    assert re.search(r"4 to 6 out of 10", text)
    text = " ".join(PdfReader(fr).pages[0].extract_text().split())
    assert "Tenez chaque pression pendant environ une minute, deux fois." in text and "Une fois par jour." in text


def test_stock_sheet_has_blanks_and_no_date_or_side(tmp_path, book):
    out = tmp_path / "stock.pdf"
    # What `build` writes for each spot: no client, nothing personal.
    pdf_writer.write(build.render_handout(book, practice.load(None), [book.spot(8)], render.Personal(), "a4"), out)
    text = " ".join(PdfReader(out).pages[0].extract_text().split())
    assert "left / right / both" in text
    assert not re.search(r"\b(?:left|right|both) sides?\b", text)
    assert not re.search(r"\b20\d\d\b", text) and not re.search(
        r"(?:January|February|March|April|May|June|July|August|September|October|November|December) \d", text)
    with pdfplumber.open(out) as pdf:  # the blanks are ruled lines to write on
        page = pdf.pages[0]
        rules = {round(r["width"]) for r in page.rects if r["top"] < page.height / 4 and r["height"] < 15 and 80 < r["width"] < 200}
        assert len(rules) >= 2, rules


def test_personalised_sheet_prints_what_was_given(tmp_path):
    out = tmp_path / "p.pdf"
    assert cli("handout", "8", "--client", "Ana Souza", "--side", "left", "--date", "2026-03-05", "-o", out) == 0
    text = " ".join(PdfReader(out).pages[0].extract_text().split())
    assert "Ana Souza" in text and "left side" in text and "March 5, 2026" in text
    assert "left / right / both" not in text


def test_packet_has_a_cover_and_page_numbers(tmp_path):
    out = tmp_path / "packet.pdf"
    assert cli("handout", "2", "8", "15", "--client", "Ana Souza", "--therapist", "Sam Ortiz",
               "--date", "2026-03-05", "--side", "left", "-o", out) == 0
    reader = PdfReader(out)
    assert len(reader.pages) == 4
    texts = [" ".join(p.extract_text().split()) for p in reader.pages]
    for n, text in enumerate(texts, 1):
        assert f"Page {n} of 4" in text and "Ana Souza" in text
    cover = texts[0]
    assert "Your self-care plan" in cover and "Sam Ortiz" in cover and "March 5, 2026" in cover
    for number, name in ((2, "Low back"), (8, "Outer thigh above the knee"), (15, "front of the hip")):
        assert re.search(rf"\b{number} [^|]*{name}", cover), (number, cover)
    assert cover.count("left side") == 3 and cover.count("about a minute, twice") == 3


def test_single_sheet_has_no_page_numbers(tmp_path):
    out = tmp_path / "one.pdf"
    assert cli("handout", "8", "--client", "Ana Souza", "-o", out) == 0
    assert "Page 1" not in PdfReader(out).pages[0].extract_text()


def test_notes_go_to_every_page_or_to_one_spot(tmp_path):
    out = tmp_path / "notes.pdf"
    assert cli("handout", "2", "8", "15", "--notes", "Before runs.", "--notes", "8: Only after runs.",
               "--notes", "2: Use the wall.", "-o", out) == 0
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(out).pages[1:]]
    assert all("Before runs." in p for p in pages)
    assert ["Only after runs." in p for p in pages] == [False, True, False]
    assert ["Use the wall." in p for p in pages] == [True, False, False]


def test_a_note_for_a_spot_not_in_the_packet_is_exit_2(tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert cli("handout", "2", "8", "--notes", "9: Gently.", "-o", out) == 2
    assert "--notes: a note for spot 9, which is not in this handout" in capsys.readouterr().err
    assert not out.exists()


def test_a_270_character_note_fits_on_spot_4_on_letter(tmp_path):
    note = ("Press this one lightly: the nerves to your arm run close by. Do it after your warm-up, not before, "
            "and stop at once if your hand tingles. Use two fingertips, never a ball. Tell me next week whether "
            "the ache in your shoulder blade eased and how well you slept that night.")
    assert len(note) == 270
    out = tmp_path / "n.pdf"
    assert cli("handout", "4", "--practice", "stride-sports", "--client", "Ana Souza", "--notes", note, "-o", out) == 0
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    assert "how well you slept that night." in " ".join(reader.pages[0].extract_text().split())


def test_notes_too_long_say_how_many_characters_fit(tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert cli("handout", "4", "--practice", "stride-sports", "--notes", "Press gently and breathe. " * 40, "-o", out) == 2
    err = capsys.readouterr().err
    found = re.search(r"notes: 1039 characters of notes do not fit on spot 4's letter page; about (\d+) characters fit", err)
    assert found, err
    assert 200 <= int(found.group(1)) < 1039
    assert not out.exists()


def test_batch_notes_per_spot(tmp_path):
    rows = tmp_path / "clients.csv"
    rows.write_text('name,spots,notes\nAna,2 8,"For both. | 8: Only the thigh."\n', encoding="utf-8")
    out = tmp_path / "packets"
    assert cli("handout", "--batch", rows, "-o", out) == 0
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(out / "ana.pdf").pages[1:]]
    assert all("For both." in p for p in pages)
    assert ["Only the thigh." in p for p in pages] == [False, True]


def test_a_step_that_states_the_dose_is_an_error(tiny, tmp_path, capsys):
    spot = tiny / "spots" / "01-knee.md"
    steps = ["Press the spot.", "Hold it for 30 to 90 seconds.", "Do it twice.", "Hold for {hold}.", "Rest {pause}."]
    spot.write_text(spot.read_text().replace("  steps: [Press the spot., Hold it., Let go slowly.]",
                                             "  steps:\n" + "".join(f'    - "{step}"\n' for step in steps).rstrip("\n")))
    assert cli("check", "--chapters", tiny) == 2
    err = capsys.readouterr().err
    assert "01-knee.md: press.steps[1]: step 2 states the dose ('30 to 90 seconds')" in err
    assert "01-knee.md: press.steps[2]: step 3 states the dose ('twice')" in err
    assert "01-knee.md: press.steps[4]: unknown placeholder {pause}" in err
    assert "press.steps[3]" not in err


def test_check_lays_out_every_handout(tiny, capsys):
    spot = tiny / "spots" / "01-knee.md"
    long_steps = "\n".join(f"    - Step {i}, " + "press slowly and breathe out, then let go " * 3 for i in range(11))
    spot.write_text(spot.read_text().replace("  steps: [Press the spot., Hold it., Let go slowly.]", "  steps:\n" + long_steps))
    assert cli("check", "--chapters", tiny) == 2
    err = capsys.readouterr().err
    assert re.search(r"01-knee\.md: handout: .*does not fit on one (a4|letter) page", err), err


def test_a_footer_too_long_blames_the_practice(tmp_path, capsys):
    profile = tmp_path / "wordy"
    profile.mkdir()
    (profile / "practice.yaml").write_text(
        "name: Wordy Clinic\ndisclaimer: " + "This sheet is general advice and not a plan of care. " * 4 + "\n"
        "footer: Open every day of the week from seven in the morning to nine at night\n"
        "contact:\n  address: 1 Very Long Road Name, Somewhere Quite Far Away, County of Elsewhere\n")
    out = tmp_path / "x.pdf"
    assert cli("handout", "8", "--practice", profile, "-o", out) == 2
    err = capsys.readouterr().err
    assert re.search(r"wordy/practice\.yaml: disclaimer: the footer .* runs \d+ mm past the foot of the a4 page", err), err
    assert "client" not in err
    assert not out.exists()


def test_contact_line_and_qr_caption_never_break_mid_item(tmp_path):
    out = tmp_path / "s.pdf"
    assert cli("handout", "6", "--practice", "stride-sports", "-o", out) == 0
    lines = [line.strip() for line in PdfReader(out).pages[0].extract_text().splitlines()]
    assert any("desk@stride-sports.example" in line for line in lines)
    assert not any(line.startswith(("·", "|")) or line.endswith(("·", "|")) for line in lines)


def test_show_name_false_leaves_the_name_to_the_logo(tmp_path):
    folder = tmp_path / "logo-only"
    source = ROOT / "styles" / "practices" / "stride-sports"
    folder.mkdir()
    (folder / "logo.svg").write_bytes((source / "logo.svg").read_bytes())
    (folder / "practice.yaml").write_text("name: Stride Sports Clinic\nlogo: logo.svg\nshow_name: false\n")
    out = tmp_path / "n.pdf"
    assert cli("handout", "6", "--practice", folder, "-o", out) == 0
    assert "Stride Sports Clinic" not in PdfReader(out).pages[0].extract_text()
