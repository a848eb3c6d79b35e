"""Practice profiles: loading by name or path, validation, layered styles, locked-down resources."""
import re
import shutil

import pytest
from pypdf import PdfReader

from conftest import ROOT, cli
from book import practice

SAMPLES = ROOT / "styles" / "practices"


@pytest.fixture
def profile(tmp_path):
    """A copy of the sports clinic's profile in a folder outside the project."""
    dest = tmp_path / "my-clinic"
    shutil.copytree(SAMPLES / "stride-sports", dest)
    return dest


def edit(folder, old, new):
    path = folder / "practice.yaml"
    text = path.read_text()
    assert old in text, f"sample changed: {old!r}"
    path.write_text(text.replace(old, new, 1))


# The German sample translates what handouts show, not yet the book's prose.
@pytest.mark.parametrize("name,flags", [("default", []), ("stride-sports", []), ("cabinet-lumiere", []),
                                        ("praxis-nord", ["--allow-untranslated"])])
def test_samples_pass_check(name, flags, capsys):
    from book import sources

    assert cli("check", "--practice", name, *flags) == 0
    assert f"ok: {len(sources.load(ROOT / 'chapters').spots)} spots" in capsys.readouterr().out


def test_samples_look_different():
    loaded = {n: practice.load(n) for n in ("default", "stride-sports", "cabinet-lumiere")}
    assert len({p.practice.colors.primary for p in loaded.values()}) == 3
    assert {p.practice.paper for p in loaded.values()} == {"a4", "letter"}
    assert loaded["cabinet-lumiere"].labels["press_it"] == "Le presser"
    assert "--primary: #0b6e4f" in loaded["stride-sports"].css()


def test_profile_copied_elsewhere_loads_by_path(profile, tmp_path):
    edit(profile, "name: Stride Sports Clinic", "name: My Copied Clinic")
    out = tmp_path / "h.pdf"
    assert cli("handout", "12", "--practice", profile, "-o", out) == 0
    reader = PdfReader(out)
    assert "My Copied Clinic" in reader.pages[0].extract_text()
    assert reader.metadata.author == "My Copied Clinic"
    assert round(float(reader.pages[0].mediabox.width)) == 612, "the profile's Letter paper is used"


def test_defaults_live_in_one_place(tmp_path):
    folder = tmp_path / "bare"
    folder.mkdir()
    (folder / "practice.yaml").write_text("name: Bare Clinic\n")
    loaded = practice.load(str(folder))
    assert loaded.practice.paper == "a4" and loaded.practice.colors.primary == practice.Practice().colors.primary


@pytest.mark.parametrize("old,new,field,message", [
    ('primary: "#0b6e4f"', 'primary: "not-a-colour"', "colors.primary", "not a CSS colour"),
    ("logo: logo.svg", "logo: missing.svg", "logo", "file not found"),
    ("logo: logo.svg", "logo: ../../escape.svg", "logo", "outside the profile folder"),
    ("body: [Liberation Sans]", "body: [Comic Nonexistent Sans]", "fonts.body", "is not installed"),
    ("language: en", "language: xx", "language", "unknown language 'xx'"),
    ("paper: letter", "paper: a5", "paper", "Input should be 'a4' or 'letter'"),
    ("name: Stride Sports Clinic", "name: Stride\nmotto: Go", "motto", "unknown field"),
])
def test_bad_profile_is_exit_2_naming_file_and_field(profile, tmp_path, capsys, old, new, field, message):
    edit(profile, old, new)
    out = tmp_path / "out"
    assert cli("build", "--practice", profile, "--out", out) == 2
    err = capsys.readouterr().err
    assert re.search(rf"my-clinic/practice\.yaml: {re.escape(field)}: .*{re.escape(message)}", err), err
    assert "Traceback" not in err
    assert not out.exists()


def test_unknown_practice_name_lists_known_ones(capsys):
    assert cli("check", "--practice", "nowhere") == 2
    err = capsys.readouterr().err
    assert "practice profile not found" in err and "stride-sports" in err


@pytest.mark.parametrize("url", ["https://example.com/x.css", "file:///etc/hostname"])
def test_resources_outside_the_project_are_refused(profile, tmp_path, capsys, url):
    (profile / "extra.css").write_text(f'@import url("{url}");\n')
    out = tmp_path / "h.pdf"
    assert cli("handout", "2", "--practice", profile, "-o", out) == 2
    err = capsys.readouterr().err
    assert "refused to load" in err and url in err
    assert not out.exists()


def test_extra_css_is_layered_last(profile, tmp_path):
    (profile / "extra.css").write_text(".practice-name { font-size: 30pt; }\n")
    import pdfplumber

    out = tmp_path / "h.pdf"
    assert cli("handout", "2", "--practice", profile, "-o", out) == 0
    with pdfplumber.open(out) as pdf:
        sizes = {round(w["size"]) for w in pdf.pages[0].extract_words(extra_attrs=["size"]) if w["text"] == "Stride"}
    assert 30 in sizes


def test_practice_new_scaffolds_a_profile_that_loads(tmp_path, monkeypatch, capsys):
    from book import scaffold

    path = scaffold.new_practice("harbour-physio", root=tmp_path)
    text = path.read_text()
    assert "name: Harbour Physio" in text and "# paper: a4" in text and "# qr_url:" in text
    loaded = practice.load(str(path.parent))
    assert loaded.practice.name == "Harbour Physio"
    from book.errors import SourceError

    with pytest.raises(SourceError, match="already exists"):
        scaffold.new_practice("harbour-physio", root=tmp_path)
    with pytest.raises(SourceError, match="NAME"):
        scaffold.new_practice("Bad Name", root=tmp_path)


def test_branded_book_has_cover_and_presented_by_page(tiny, tmp_path):
    out = tmp_path / "out"
    assert cli("build", "--chapters", tiny, "--practice", "stride-sports", "--out", out) == 0
    reader = PdfReader(out / "book" / "tiny-test-book.pdf")
    first = " ".join(reader.pages[i].extract_text() for i in range(3))
    assert "Stride Sports Clinic" in first and "(541) 555-0142" in first
    # the book on its trim (6 x 9 in by default), the handouts on the practice's paper (Letter)
    assert [round(float(v)) for v in reader.pages[0].mediabox[2:]] == [432, 648]
    handout = PdfReader(next((out / "handouts").glob("*.pdf")))
    assert round(float(handout.pages[0].mediabox.width)) == 612
    import zipfile

    with zipfile.ZipFile(out / "book" / "tiny-test-book.epub") as z:
        css = z.read("EPUB/style/book.css").decode()
        title = z.read("EPUB/titlepage.xhtml").decode()
    assert "#0b6e4f" in css and "Stride Sports Clinic" in title


def test_every_language_catalogue_has_every_label():
    import yaml

    catalogues = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in practice.LOCALES.glob("*.yaml")}
    assert {"en", "fr"} <= set(catalogues)
    for lang, labels in catalogues.items():
        assert set(labels) == set(catalogues["en"]), f"{lang}.yaml: {set(labels) ^ set(catalogues['en'])}"


def test_colours_must_be_drawable_and_footer_text_bounded(profile, tmp_path, capsys):
    edit(profile, 'primary: "#0b6e4f"', 'primary: "hsl(150deg 80% 24%)"')
    assert cli("check", "--practice", profile) == 0
    edit(profile, 'primary: "hsl(150deg 80% 24%)"', 'primary: "oklch(0.5 0.1 200)"')
    assert cli("check", "--practice", profile) == 2
    assert "colors.primary: not a CSS colour" in capsys.readouterr().err
    edit(profile, 'footer: "Open', 'disclaimer: "' + "Long words. " * 30 + '"\nfooter: "Open')
    assert cli("check", "--practice", profile) == 2
    assert "disclaimer: String should have at most 260 characters" in capsys.readouterr().err
