"""Publishing: a build stopped at any moment leaves OUT exactly as before or exactly as the new build,
and the next build leaves no staging behind.

The old outputs are built with one practice and the new ones with another, so a mix of the two
(the book of one practice, the handouts of the other) would show."""
import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "PYTHONPATH": str(ROOT)}
MAKE = [sys.executable, str(ROOT / "make_book.py")]


def view(out: Path) -> dict:
    """What a reader of OUT sees: every file under OUT/book and OUT/handouts, links followed."""
    found = {}
    for part in ("book", "handouts"):
        for dirpath, _, filenames in os.walk(out / part, followlinks=True):
            for name in filenames:
                path = Path(dirpath) / name
                found[path.relative_to(out).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def leftovers(out: Path) -> list[str]:
    """Entries of OUT other than the published set: staging folders, temporary links."""
    current = os.readlink(out / ".current") if (out / ".current").is_symlink() else None
    return sorted(p.name for p in out.iterdir() if p.name not in ("book", "handouts", ".current", current))


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    """(chapters, the old set's view, the new set's view, an OUT holding the old set)."""
    base = tmp_path_factory.mktemp("publish")
    chapters = base / "chapters"
    shutil.copytree(FIXTURES / "tiny", chapters)
    old, new = base / "old", base / "new"
    for out, practice in ((old, "default"), (new, "stride-sports")):
        done = subprocess.run([*MAKE, "build", "--chapters", chapters, "--practice", practice, "--out", out],
                              env=ENV, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    old_view, new_view = view(old), view(new)
    assert old_view.keys() == new_view.keys() and all(old_view[k] != new_view[k] for k in old_view)
    return chapters, old_view, new_view, old


def new_build(chapters, out):
    return [*MAKE, "build", "--chapters", chapters, "--practice", "stride-sports", "--out", out]


def wait_for_staging(out: Path, process) -> None:
    """Until the build has made its staging set and started on its outputs (or it ended)."""
    for _ in range(3000):
        if process.poll() is not None or any(out.glob(f".build-{process.pid}-*/handouts")):
            return
        time.sleep(0.02)


def finish_and_check(chapters, out, new_view):
    done = subprocess.run(new_build(chapters, out), env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert view(out) == new_view
    assert [name for name in leftovers(out) if not name.endswith(".old")] == []


def strace_works() -> bool:
    """strace is installed and may trace here (a container may forbid ptrace)."""
    return shutil.which("strace") is not None and subprocess.run(
        ["strace", "-qq", "-o", os.devnull, "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not strace_works(), reason="strace is not installed or may not trace here")
def test_killed_at_each_rename_and_link(sets, tmp_path):
    """SIGKILL injected at syscalls of the main process: at the first and second file renamed into the
    staging set, at the swap of the set, and while the old set is removed after the swap."""
    chapters, old_view, new_view, old = sets
    out = tmp_path / "out"
    shutil.copytree(old, out, symlinks=True)
    # A republish renames the book's PDF, its EPUB, then the one link that switches the set.
    for inject, expected in (("rename:when=1", old_view), ("rename:when=2", old_view),
                             ("rename:when=3", old_view), ("symlink:when=1", old_view),
                             ("unlinkat:when=1", None)):
        syscall, when = inject.split(":")
        killed = subprocess.run(["strace", "-qq", "-o", os.devnull, "-e", f"trace={syscall}",
                                 "-e", f"inject={syscall}:signal=KILL:{when}", *new_build(chapters, out)],
                                env=ENV, capture_output=True, text=True)
        assert killed.returncode == -signal.SIGKILL and "built" not in killed.stdout, (inject, killed.stderr)
        seen = view(out)
        assert seen in (old_view, new_view), inject
        if expected is not None:
            assert seen == expected, inject
        if seen == new_view:  # killed after the swap: the next build starts from the new set
            shutil.rmtree(out)
            shutil.copytree(old, out, symlinks=True)
    finish_and_check(chapters, out, new_view)


def test_killed_build_leaves_old_set_and_next_build_cleans_up(sets, tmp_path):
    chapters, old_view, new_view, old = sets
    out = tmp_path / "out"
    shutil.copytree(old, out, symlinks=True)
    for group in (True, False):  # the whole process group (workers too), then the main process alone
        process = subprocess.Popen(new_build(chapters, out), env=ENV, start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_staging(out, process)
        (os.killpg if group else os.kill)(process.pid, signal.SIGKILL)
        process.wait()
        assert view(out) == old_view
        assert any(name.startswith(f".build-{process.pid}-") for name in leftovers(out)), "the kill left its staging"
    finish_and_check(chapters, out, new_view)


def test_killed_worker_is_one_line_and_leaves_old_set(sets, tmp_path):
    chapters, old_view, new_view, old = sets
    out = tmp_path / "out"
    shutil.copytree(old, out, symlinks=True)
    process = subprocess.Popen(new_build(chapters, out), env=ENV, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_staging(out, process)
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    def forked(pid: str) -> bool:
        """A worker: a fork of the build (the same command line), not a helper the build ran (the C
        compiler that ctypes asks for library names, multiprocessing's resource tracker)."""
        with contextlib.suppress(OSError):
            return Path(f"/proc/{pid}/cmdline").read_bytes() == Path(f"/proc/{process.pid}/cmdline").read_bytes()
        return False

    workers = []
    for _ in range(500):  # the pool forks its workers just after the staging set is made
        workers = [int(pid) for pid in children.read_text().split() if forked(pid)] if children.exists() else []
        if workers or process.poll() is not None:
            break
        time.sleep(0.01)
    if not workers:
        process.kill()
        process.wait()
        pytest.skip("no worker process to kill (finished already, or no /proc)")
    os.kill(workers[0], signal.SIGKILL)
    _, err = process.communicate()
    assert process.returncode == 1, err
    assert err.strip().splitlines() == ["a rendering process stopped unexpectedly (killed, or out of memory); "
                                        "files not finished were not written"]
    assert view(out) == old_view
    assert leftovers(out) == []


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_interrupted_build_says_one_line_and_exits_130(sets, tmp_path, how):
    chapters, old_view, new_view, old = sets
    out = tmp_path / "out"
    shutil.copytree(old, out, symlinks=True)
    process = subprocess.Popen(new_build(chapters, out), env=ENV, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_staging(out, process)
    if how == "ctrl-c":  # a terminal sends SIGINT to the whole foreground process group
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.terminate()
    _, err = process.communicate()
    assert process.returncode == 130, err
    assert err.strip().splitlines() == ["interrupted; files not finished were not written"]
    assert view(out) == old_view
    assert leftovers(out) == []


def test_folders_from_before_sets_are_replaced_and_foreign_files_kept(sets, tmp_path):
    """An OUT made before outputs were published as a set holds real book/ and handouts/ folders; the
    first build replaces them, keeping aside any file it does not make itself."""
    chapters, old_view, new_view, old = sets
    out = tmp_path / "out"
    for part in ("book", "handouts"):
        shutil.copytree(old / part, out / part)  # real folders, links followed
    (out / "handouts" / "ana-2-8.pdf").write_bytes(b"%PDF a client's packet")
    finish_and_check(chapters, out, new_view)
    assert (out / "handouts.old" / "ana-2-8.pdf").read_bytes() == b"%PDF a client's packet"
    assert not (out / "book.old").exists(), "a folder holding only build outputs is simply replaced"
