"""Incremental builds: each output records what it was made from, and is made again only when that changed.

As Make and Sphinx do, a build writes ``OUT/.manifest.json``: for each output, a fingerprint (SHA-256) of
everything it is made from, namely

- the project's code, templates, locales and base stylesheets, and the versions of the libraries that lay
  out and write the files;
- the practice folder (profile, logo, extra.css, labels) and the font files its families resolve to;
- the options (paper, PDF variant) and SOURCE_DATE_EPOCH;
- the sources: the whole chapters folder for the books; for a spot's handout, the chapters folder without
  the other spots' files, so that changing one spot makes only its own handout (and the books) again.

Files are read with ``lstat``: a symlink counts by where it points, never by what it points to, and
anything but a regular file counts by its type only, so fingerprinting reads nothing outside its folders.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import stat
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Iterable, Optional

MANIFEST = ".manifest.json"
PROJECT = Path(__file__).resolve().parent.parent
CODE = (PROJECT / "book", PROJECT / "handouts")
BASE_STYLES = PROJECT / "styles"  # its top-level stylesheets; practices/ are fingerprinted one by one
LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "pyphen", "fonttools", "pillow", "ebooklib",
             "lxml", "jinja2", "markdown-it-py", "mdit-py-plugins", "babel", "segno", "pyyaml", "pydantic")
SKIP_DIRS = {"__pycache__", ".git"}


def _walk(folder: Path, exclude: frozenset = frozenset()) -> Iterable[tuple[str, bytes]]:
    """(relative path, what it holds) for every entry under FOLDER, in a stable order."""
    folder = Path(folder)
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            path = Path(root) / name
            if path.resolve() in exclude or name.endswith((".pyc", ".tmp")):
                continue
            rel = path.relative_to(folder).as_posix()
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                yield rel, b"link:" + os.fsencode(os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                yield rel, hashlib.sha256(path.read_bytes()).digest()
            else:
                yield rel, b"special:%o" % stat.S_IFMT(info.st_mode)


def _digest(parts: Iterable) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def _versions() -> list[str]:
    out = [platform.python_version()]
    for name in LIBRARIES:
        try:
            out.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name} absent")
    return out


def _font_files(families: Iterable[str]) -> list[str]:
    """The font files each family resolves to, with their sizes and times."""
    out = []
    for family in sorted(set(families)):
        try:
            listed = subprocess.run(["fc-list", f":family={family}", "file"], capture_output=True, text=True,
                                    timeout=20).stdout
        except (OSError, subprocess.TimeoutExpired):
            listed = ""
        for line in sorted(listed.splitlines()):
            path = line.strip().rstrip(":")
            try:
                info = os.stat(path)
                out.append(f"{family}|{path}|{info.st_size}|{info.st_mtime_ns}")
            except OSError:
                out.append(f"{family}|{path}|missing")
    return out


def fingerprints(book, profile, outputs: dict[str, Optional[object]], options: dict) -> dict[str, str]:
    """A fingerprint per output path. OUTPUTS maps each path (relative to OUT) to the spot it is the
    handout of, or None for an output made from the whole book."""
    fonts = profile.practice.fonts
    common = [
        *_versions(),
        *(f"{a}:{b.hex()}" for folder in CODE for a, b in _walk(folder)),
        *(f"{p.name}:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in sorted(BASE_STYLES.glob("*.css"))),
        *(f"{a}:{b.hex()}" for a, b in _walk(profile.folder)),
        *_font_files([*fonts.body, *fonts.headings]),
        json.dumps(options, sort_keys=True, default=str),
        "SOURCE_DATE_EPOCH=" + os.environ.get("SOURCE_DATE_EPOCH", ""),
    ]
    spot_files = frozenset(Path(s.source).resolve() for s in book.spots)
    whole = _digest([*common, *(f"{a}:{b.hex()}" for a, b in _walk(book.root))])
    result = {}
    for name, spot in outputs.items():
        if spot is None:
            result[name] = whole
        else:
            others = spot_files - {Path(spot.source).resolve()}
            result[name] = _digest([*common, f"handout {spot.number}",
                                    *(f"{a}:{b.hex()}" for a, b in _walk(book.root, others))])
    return result


def previous(out: Path) -> dict[str, str]:
    """The fingerprints the last build in OUT recorded; empty when there is none or it is unreadable."""
    try:
        data = json.loads((Path(out) / MANIFEST).read_text(encoding="utf-8"))
        outputs = data.get("outputs", {})
        return {str(k): str(v) for k, v in outputs.items()} if isinstance(outputs, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


def manifest(fingerprints: dict[str, str]) -> bytes:
    return json.dumps({"version": 1, "outputs": fingerprints}, indent=1, sort_keys=True).encode() + b"\n"


def carry(old: Path, new: Path) -> None:
    """Put an unchanged output into the new set: a hard link (same bytes, no copy), else a copy."""
    new.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(old, new)
    except OSError:
        import shutil

        shutil.copy2(old, new)
