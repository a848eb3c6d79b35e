"""The loader on good sources and on every kind of broken source."""
import re

import pytest

from book import sources
from book.errors import SourceError


def problems(chapters):
    with pytest.raises(SourceError) as e:
        sources.load(chapters)
    return [str(p) for p in e.value.problems]


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"fixture changed: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_good_book_loads(tiny):
    book = sources.load(tiny)
    assert [s.number for s in book.spots] == [1, 2]
    assert book.spot("knee").press.hold_seconds == (30, 90)
    assert book.spot(2).press.times_per_day == 2
    assert book.front[0].title == "Introduction" and book.front[1] == "map"
    assert set(book.references) == {"devan2004"}


def test_bad_yaml_names_file_and_line(tiny):
    edit(tiny / "spots" / "01-knee.md", "helps: Sore knees", "helps: [Sore knees")
    (msg,) = problems(tiny)
    assert re.match(r"\S*spots/01-knee\.md: line \d+: invalid YAML", msg), msg


def test_missing_field_is_named(tiny):
    edit(tiny / "spots" / "02-back.md", "slug: back\n", "")
    assert any(m.endswith("spots/02-back.md: slug: required field is missing") for m in problems(tiny))


def test_mistyped_field_is_named(tiny):
    edit(tiny / "spots" / "01-knee.md", "hold_seconds: [30, 90]", "hold_seconds: long")
    msgs = problems(tiny)
    assert any("01-knee.md: press.hold_seconds:" in m for m in msgs), msgs


def test_unknown_field_is_an_error(tiny):
    edit(tiny / "spots" / "01-knee.md", "helps: Sore knees", "helps: Sore knees\nhelp: typo")
    assert any("01-knee.md: help: unknown field" in m for m in problems(tiny))


def test_unknown_reference_key(tiny):
    edit(tiny / "spots" / "01-knee.md", "references: [devan2004]", "references: [nobody1999]")
    edit(tiny / "spots" / "01-knee.md", "[@devan2004]", "[@ghost2020]")
    msgs = problems(tiny)
    assert any("01-knee.md: references: unknown reference key 'nobody1999'" in m for m in msgs), msgs
    assert any("01-knee.md: [@ghost2020]: unknown reference key" in m for m in msgs), msgs


def test_duplicate_number_and_slug(tiny):
    edit(tiny / "spots" / "02-back.md", "number: 2", "number: 1")
    edit(tiny / "spots" / "02-back.md", "slug: back", "slug: knee")
    msgs = problems(tiny)
    assert any("02-back.md: number: 1 is also used by" in m for m in msgs), msgs
    assert any("02-back.md: slug: 'knee' is also used by" in m for m in msgs), msgs


def test_footnote_without_text(tiny):
    edit(tiny / "spots" / "01-knee.md", "[^1]: Footnote text for the PDF foot.", "")
    assert any("01-knee.md: footnote [^1]: is referenced but has no text" in m for m in problems(tiny))


def test_unknown_region_lists_known_ones(tiny):
    edit(tiny / "spots" / "01-knee.md", "essential: [outer-knee]", "essential: [kneee]")
    msgs = problems(tiny)
    assert any("01-knee.md: referral.essential: unknown region 'kneee'" in m and "outer-knee" in m for m in msgs), msgs


def test_link_to_missing_spot(tiny):
    edit(tiny / "spots" / "02-back.md", "(spot:1)", "(spot:9)")
    assert any("02-back.md: (spot:9): link to a spot that does not exist" in m for m in problems(tiny))


def test_all_problems_reported_at_once(tiny):
    edit(tiny / "spots" / "01-knee.md", "slug: knee\n", "")
    edit(tiny / "spots" / "02-back.md", "pressure: [5, 7]", "pressure: [7, 5]")
    edit(tiny / "book.yaml", "author: Test Author\n", "")
    msgs = problems(tiny)
    assert any("01-knee.md: slug" in m for m in msgs)
    assert any("02-back.md: press.pressure" in m for m in msgs)
    assert any("book.yaml: author" in m for m in msgs)


def test_empty_front_matter_is_an_error_not_a_missing_chapter(tiny):
    path = tiny / "spots" / "02-back.md"
    path.write_text("---\n# nothing yet\n---\nSome prose.\n")
    assert any(m.endswith("spots/02-back.md: (top level): is empty; see book/model.py for its fields") for m in problems(tiny))


def test_empty_book_yaml_is_an_error(tiny):
    (tiny / "book.yaml").write_text("")
    assert any(m.endswith("book.yaml: (top level): is empty; see book/model.py for its fields") for m in problems(tiny))


def test_prose_that_would_break_the_epub_is_refused(tiny):
    edit(tiny / "spots" / "02-back.md", "Prose about the back.", "Prose ![photo](x.png) about[^a] the[^a] back.\n\n[^a]: Note.")
    edit(tiny / "front" / "intro.md", "kind: introduction", "kind: intro duction")
    msgs = problems(tiny)
    assert any("02-back.md: image x.png: images are not supported" in m for m in msgs), msgs
    assert any("02-back.md: footnote [^a]: is called more than once" in m for m in msgs), msgs
    assert any("intro.md: kind:" in m for m in msgs), msgs


def test_reference_keys_are_plain_words(tiny):
    (tiny / "references.yaml").write_text((tiny / "references.yaml").read_text() + "\nSmith 2001:\n  authors: [Smith A]\n"
                                          "  title: T\n  journal: J\n  year: 2001\n")
    assert any("references.yaml: Smith 2001: a reference key uses only letters" in m for m in problems(tiny))
