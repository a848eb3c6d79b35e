"""The command line: exit codes, messages, nothing written on bad input."""
import subprocess
import sys

from conftest import ROOT, cli


def test_check_ok(tiny, capsys):
    assert cli("check", "--chapters", tiny) == 0
    assert "ok: 2 spots" in capsys.readouterr().out


def test_broken_source_exits_2_and_writes_nothing(tiny, tmp_path, capsys):
    (tiny / "spots" / "01-knee.md").write_text((tiny / "spots" / "01-knee.md").read_text().replace("references: [devan2004]", "references: [nope]"))
    out = tmp_path / "out"
    assert cli("build", "--chapters", tiny, "--out", out) == 2
    err = capsys.readouterr().err
    assert "spots/01-knee.md: references: unknown reference key 'nope'" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_unknown_spot_on_handout_is_exit_2(tiny, tmp_path, capsys):
    assert cli("handout", "99", "--chapters", tiny, "-o", tmp_path / "x.pdf") == 2
    assert "SPOT: no spot '99'" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_bad_argument_is_exit_2(tiny, capsys):
    assert cli("handout", "1", "--chapters", tiny, "--hold", "forever") == 2
    assert "--hold" in capsys.readouterr().err


def test_real_process_exit_codes(tiny, tmp_path):
    """The script itself, as a user runs it: 0 on success, 2 on bad input, and no traceback."""
    run = lambda *a: subprocess.run([sys.executable, str(ROOT / "make_book.py"), *map(str, a)],
                                    capture_output=True, text=True, cwd=tmp_path)
    assert run("check", "--chapters", tiny).returncode == 0
    (tiny / "book.yaml").write_text("title: [unclosed\n")
    bad = run("check", "--chapters", tiny)
    assert bad.returncode == 2
    assert "book.yaml: line 1: invalid YAML" in bad.stderr and "Traceback" not in bad.stderr
    assert run("build", "--help").returncode == 0


def test_output_path_mistakes_are_exit_2(tiny, tmp_path, capsys):
    folder = tmp_path / "adir"
    folder.mkdir()
    assert cli("handout", "1", "--chapters", tiny, "-o", folder) == 2
    assert "adir: output: cannot write: is a folder" in capsys.readouterr().err
    afile = tmp_path / "afile"
    afile.write_text("x")
    assert cli("build", "--chapters", tiny, "--out", afile) == 2
    assert "afile: --out: cannot make an output folder here" in capsys.readouterr().err
    assert cli("figure", "1", "--chapters", tiny, "-o", afile / "x.svg") == 2
    assert "cannot write" in capsys.readouterr().err
    assert afile.read_text() == "x"


def test_bad_source_date_epoch_is_exit_2(tiny, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    assert cli("build", "--chapters", tiny, "--out", tmp_path / "out") == 2
    assert "SOURCE_DATE_EPOCH: must be whole seconds since 1970" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_too_long_names_are_exit_2(tiny, tmp_path, capsys):
    assert cli("handout", "1", "--chapters", tiny, "--client", "A" * 80, "-o", tmp_path / "x.pdf") == 2
    assert "--client: 80 characters; at most 60" in capsys.readouterr().err
