"""The author's path: schema files and field reference kept current, errors that say what to do,
`check` catching what the build would reject, and a book that grows by one spot without a code change."""
import json
import re
import shutil
import zipfile

import pdfplumber
import pytest
import yaml

from conftest import FIXTURES, ROOT, cli


def test_schema_files_and_field_reference_are_current():
    from book import schema

    stale = [str(path.relative_to(ROOT)) for path, text in schema.outputs().items()
             if not path.is_file() or path.read_text(encoding="utf-8") != text]
    assert stale == [], f"run `python3 make_book.py schema`: out of date: {stale}"
    spot = json.loads((ROOT / "docs" / "schema" / "spot.schema.json").read_text())
    assert spot["additionalProperties"] is False and "cautions" in spot["properties"]
    assert spot["properties"]["number"]["description"]
    reference = (ROOT / "docs" / "fields.md").read_text()
    from book.model import Practice, SpotMeta

    for model in (SpotMeta, Practice):
        for name, field in model.model_fields.items():
            assert f"| `{name}` |" in reference and (field.description or "") in reference


def test_schema_command_writes_the_files(tmp_path, capsys):
    assert cli("schema", "--docs", tmp_path) == 0
    names = sorted(p.name for p in (tmp_path / "schema").glob("*.json"))
    assert names == ["book.schema.json", "practice.schema.json", "references.schema.json", "section.schema.json",
                     "spot.schema.json"]
    assert (tmp_path / "fields.md").read_text().startswith("# Fields")


def test_scaffolded_profile_names_its_schema(tmp_path):
    from book.scaffold import new_practice

    path = new_practice("harbour-physio", tmp_path / "styles" / "practices")
    first = path.read_text().splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    # the real scaffold's relative path resolves to the schema file from styles/practices/NAME/
    assert (ROOT / "styles" / "practices" / "x" / "../../../docs/schema/practice.schema.json").resolve().is_file()


def _front(path):
    text = path.read_text(encoding="utf-8")
    return text, yaml.safe_load(text.split("---")[1])


def _problems(capsys):
    return capsys.readouterr().err


def test_unknown_field_suggests_the_known_one(tiny, capsys):
    spot = tiny / "spots" / "01-knee.md"
    text = spot.read_text(encoding="utf-8")
    spot.write_text(text.replace("\npress:", "\ncautons: [Stop if it hurts.]\npress:", 1), encoding="utf-8")
    assert cli("check", "--chapters", tiny) == 2
    err = _problems(capsys)
    assert "01-knee.md: cautons: unknown field; did you mean `cautions`?" in err


def test_unknown_nested_field_suggests_within_its_block(tiny, capsys):
    spot = tiny / "spots" / "01-knee.md"
    text = spot.read_text(encoding="utf-8")
    spot.write_text(re.sub(r"\n  hold_seconds:", "\n  hold_secs:", text, count=1), encoding="utf-8")
    assert cli("check", "--chapters", tiny) == 2
    assert "press.hold_secs: unknown field; did you mean `hold_seconds`?" in _problems(capsys)


def test_colon_in_text_says_to_quote_it_on_its_own_line(tiny, capsys):
    spot = tiny / "spots" / "01-knee.md"
    lines = spot.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("summary:"))
    lines[at] = "summary: Press gently: it should ache, never hurt."
    spot.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli("check", "--chapters", tiny) == 2
    err = _problems(capsys)
    assert f"01-knee.md: line {at + 1}: invalid YAML" in err and "put text containing `: ` in quotes" in err


def test_unclosed_bracket_is_reported_where_it_opens(tiny, capsys):
    spot = tiny / "spots" / "01-knee.md"
    lines = spot.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("pain_areas:"))
    lines[at] = "pain_areas: [knee, thigh"
    spot.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli("check", "--chapters", tiny) == 2
    err = _problems(capsys)
    assert f"line {at + 1}: invalid YAML" in err and "not closed" in err


def test_marker_outside_the_outline_names_the_nearest_landmarks(tiny, capsys):
    from book.sources import landmark_positions

    spot = tiny / "spots" / "01-knee.md"
    text, front = _front(spot)
    view = front["location"]["view"]
    spot.write_text(re.sub(r"\n  marker: .*", "\n  marker: [2, 2]", text, count=1), encoding="utf-8")
    assert cli("check", "--chapters", tiny) == 2
    err = _problems(capsys)
    assert "outside the body outline" in err and "nearest landmarks:" in err
    nearest = min(landmark_positions(view).items(), key=lambda kv: kv[1][0] ** 2 + kv[1][1] ** 2)
    assert f"{nearest[0]} [{nearest[1][0]:g}, {nearest[1][1]:g}]" in err


def test_regions_lists_landmarks_with_coordinates(capsys):
    from book import bodymap
    from book.sources import landmark_positions

    assert cli("regions") == 0
    out = capsys.readouterr().out
    for view in bodymap.VIEWS:
        for name, (x, y) in landmark_positions(view).items():
            assert f"    {name}: [{x:g}, {y:g}]" in out


def test_unknown_count_variable_is_an_error(tiny, capsys):
    meta = tiny / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + 'subtitle: "{{ spot_cuont }} spots"\n', encoding="utf-8")
    assert cli("check", "--chapters", tiny) == 2
    assert "subtitle: unknown variable {{ spot_cuont }}; did you mean `{{ spot_count }}`?" in _problems(capsys)


@pytest.mark.parametrize("isbn, ok", [("978-3-16-148410-0", True), ("0-306-40615-2", True),
                                      ("978-3-16-148410-1", False), ("12345", False)])
def test_isbn_is_checked(tiny, capsys, isbn, ok):
    meta = tiny / "book.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + f'isbn: "{isbn}"\n', encoding="utf-8")
    assert cli("check", "--chapters", tiny) == (0 if ok else 2)
    if not ok:
        assert "book.yaml: isbn:" in _problems(capsys)


def test_check_reports_a_missing_label(tmp_path, capsys):
    from book import practice

    profile = tmp_path / "lumiere"
    shutil.copytree(ROOT / "styles" / "practices" / "cabinet-lumiere", profile)
    (profile / "labels").mkdir()
    fr = (practice.LOCALES / "fr.yaml").read_text(encoding="utf-8")
    (profile / "labels" / "fr.yaml").write_text(
        "\n".join(l for l in fr.splitlines() if not l.startswith("on_page:")), encoding="utf-8")
    assert cli("check", "--practice", profile) == 2
    assert "labels/fr.yaml: on_page: missing" in _problems(capsys)


def test_check_warns_about_hard_client_text(tiny, capsys):
    spot = tiny / "spots" / "01-knee.md"
    lines = spot.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("summary:"))
    hard = ("The vastus lateralis is frequently implicated in patellofemoral dysfunction, necessitating "
            "comprehensive myofascial assessment and individualised rehabilitation. ")
    lines[at] = f'summary: "{hard * 3}"'
    spot.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli("check", "--chapters", tiny) == 0
    out = capsys.readouterr().out
    assert "warning: " in out and "01-knee.md: client text: reads at grade" in out


def test_a_sixteenth_spot_needs_no_code_change(tmp_path, capsys):
    """The real chapters and one more spot: check passes, the build makes a chapter, a map entry and a
    handout for it, and the counts in the text follow the sources."""
    from book import sources

    chapters = tmp_path / "chapters"
    shutil.copytree(ROOT / "chapters", chapters)
    count = len(sources.load(ROOT / "chapters").spots) + 1
    source = sorted((chapters / "spots").glob("*.md"))[-1]
    text = source.read_text(encoding="utf-8")
    text = re.sub(r"^number: \d+", f"number: {count}", text, count=1, flags=re.M)
    text = re.sub(r"^slug: .*", "slug: extra-spot", text, count=1, flags=re.M)
    text = re.sub(r"^title: .*", 'title: "The extra spot"', text, count=1, flags=re.M)
    (chapters / "spots" / f"{count}-extra-spot.md").write_text(text, encoding="utf-8")
    meta = chapters / "book.yaml"
    meta.write_text(re.sub(r"^subtitle: .*", 'subtitle: "{{ Spot_count_words }} trigger points you can press yourself"',
                           meta.read_text(encoding="utf-8"), count=1, flags=re.M), encoding="utf-8")

    assert cli("check", "--chapters", chapters) == 0
    assert f"ok: {count} spots" in capsys.readouterr().out
    out = tmp_path / "out"
    assert cli("build", "--chapters", chapters, "--out", out) == 0
    assert len(list((out / "handouts").glob("*.pdf"))) == count
    pdf_path = next((out / "book").glob("*.pdf"))
    with pdfplumber.open(pdf_path) as pdf:
        cover = pdf.pages[0].extract_text()
        contents = next(p.extract_text() for p in pdf.pages if (p.extract_text() or "").startswith("Contents"))
    from num2words import num2words

    assert num2words(count).capitalize() in cover
    assert re.search(rf"^{count} The extra spot[ .]+\d+$", contents, re.M)
    with zipfile.ZipFile(next((out / "book").glob("*.epub"))) as z:
        names = z.namelist()
        map_doc = z.read("EPUB/map.xhtml").decode()
    assert f"EPUB/spot-{count:02d}.xhtml" in names
    assert map_doc.count('class="key-number"') == count
