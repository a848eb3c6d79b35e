"""Practice profiles: read ``practice.yaml``, check it, and layer its style over the base.

A profile is a folder: ``practice.yaml``, its assets (logo) and an optional
``extra.css``. ``--practice`` takes a folder name under styles/practices/ or a
path to a profile folder anywhere.
"""
from __future__ import annotations

import functools
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import tinycss2.color4
import yaml

from . import typography
from .errors import Problem, SourceError, display
from .model import Practice
from .sources import read_yaml, validate

PROJECT = Path(__file__).resolve().parent.parent
STYLES = PROJECT / "styles"
LOCALES = Path(__file__).resolve().parent / "locales"
GENERIC_FAMILIES = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}
DEFAULT_PRACTICE = "default"


@dataclass
class Profile:
    """A loaded practice: its settings, its folder and its label catalogue."""

    practice: Practice
    folder: Path
    labels: dict

    @property
    def logo_path(self) -> Optional[Path]:
        return (self.folder / self.practice.logo) if self.practice.logo else None

    @property
    def extra_css(self) -> Optional[Path]:
        p = self.folder / "extra.css"
        return p if p.is_file() else None

    def css(self, paper: Optional[str] = None) -> str:
        """The practice's layer: custom properties over the base stylesheet, and the page size."""
        p = self.practice
        fam = lambda names: ", ".join(f'"{n}"' if n not in GENERIC_FAMILIES else n for n in names) + ", sans-serif"
        size = {"a4": "A4", "letter": "letter"}[paper or p.paper]
        return (
            ":root {\n"
            f"  --primary: {p.colors.primary};\n  --accent: {p.colors.accent};\n  --text: {p.colors.text};\n"
            f"  --font-body: {fam(p.fonts.body)};\n  --font-headings: {fam(p.fonts.headings)};\n"
            "}\n"
            f"@page {{ size: {size}; }}\n"
        ) + typography.css(p.language)

    @property
    def figure_colors(self) -> dict[str, str]:
        c = self.practice.colors
        return {"marker": c.marker, "essential": c.essential, "spillover": c.spillover}


def rgb(value: str) -> Optional[tuple[int, int, int]]:
    """An opaque CSS colour as 0-255 sRGB, or None when it is not one (or cannot be drawn on the cover)."""
    color = tinycss2.color4.parse_color(value)
    if color is None or isinstance(color, str) or color.alpha != 1:
        return None
    try:
        coords = color.to("srgb").coordinates
    except NotImplementedError:
        return None
    return tuple(round(min(1, max(0, c)) * 255) for c in coords)


def languages(folder: Optional[Path] = None) -> list[str]:
    """Languages with a label catalogue: the project's, and those a profile folder brings in labels/."""
    own = sorted(p.stem for p in (folder / "labels").glob("*.yaml")) if folder else []
    return sorted({p.stem for p in LOCALES.glob("*.yaml")} | set(own))


_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def label_problems(data, path: Path, english: dict) -> list[Problem]:
    """A label catalogue checked against the English one: every key, no other, placeholders kept."""
    name = display(path)
    if not isinstance(data, dict):
        return [Problem(name, "(top level)", "must map label keys to texts, like book/locales/en.yaml")]
    problems = [Problem(name, key, "missing (every key of book/locales/en.yaml needs a translation)")
                for key in english if key not in data]
    for key, value in data.items():
        if key not in english:
            problems.append(Problem(name, str(key), "unknown label key (not in book/locales/en.yaml)"))
            continue
        want = english[key]
        if isinstance(want, list):
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
                problems.append(Problem(name, key, "must be a list of texts"))
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(name, key, "must be a text"))
            continue
        if sorted(_PLACEHOLDER.findall(value)) != sorted(_PLACEHOLDER.findall(want)):
            keep = ", ".join("{%s}" % p for p in _PLACEHOLDER.findall(want)) or "none"
            problems.append(Problem(name, key, f"placeholders must be the English ones ({keep}), got {value!r}"))
        elif ("|" in want) != ("|" in value):
            problems.append(Problem(name, key, f"must give singular|plural like the English {want!r}"))
    return problems


def label_file(language: str, folder: Optional[Path] = None) -> Path:
    """The label catalogue of LANGUAGE: the profile's labels/LANG.yaml if it brings one, else book/locales/."""
    lang = language.split("-")[0]
    if folder is not None and (folder / "labels" / f"{lang}.yaml").is_file():
        return folder / "labels" / f"{lang}.yaml"
    return LOCALES / f"{lang}.yaml"


@functools.lru_cache(maxsize=None)
def _english() -> dict:
    return yaml.safe_load((LOCALES / "en.yaml").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _labels(path: Path) -> dict:
    problems: list[Problem] = []
    data = read_yaml(path, problems)
    if not problems:
        problems = label_problems(data, path, _english())
    if problems:
        raise SourceError(problems)
    return data


def labels(language: str, folder: Optional[Path] = None) -> dict:
    """The complete, checked label catalogue of LANGUAGE (an incomplete one is an error, not a fallback).
    The key ``language`` says which language the labels are in."""
    found = _labels(label_file(language, folder))
    if language.split("-")[0] != "en":
        found = {k: [typography.text(x, language) for x in v] if isinstance(v, list) else typography.text(v, language)
                 for k, v in found.items()}
    return {**found, "language": language}


@functools.lru_cache(maxsize=None)
def font_installed(family: str) -> bool:
    if family.lower() in GENERIC_FAMILIES:
        return True
    try:
        out = subprocess.run(["fc-list", f":family={family}", "family"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(family.lower() in (n.strip().lower() for n in line.split(",")) for line in out.splitlines())


def resolve(name_or_path: Optional[str]) -> Path:
    """A profile folder from a name under styles/practices/ or a path."""
    value = name_or_path or DEFAULT_PRACTICE
    candidate = Path(value)
    if ("/" in value or value.startswith(".")) or (candidate.is_dir() and not (STYLES / "practices" / value).is_dir()):
        return candidate
    return STYLES / "practices" / value


def load(name_or_path: Optional[str] = None) -> Profile:
    """Load and check a practice profile; raise SourceError naming file and field."""
    folder = resolve(name_or_path)
    path = folder / "practice.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.name for p in (STYLES / "practices").iterdir() if (p / "practice.yaml").is_file()))
        raise SourceError([Problem(display(path), "", f"practice profile not found (known practices: {known})")])
    problems: list[Problem] = []
    raw = read_yaml(path, problems)
    practice = validate(Practice, raw if raw is not None else ({} if not problems else None), path, problems)
    if practice:
        name = display(path)
        for field in ("primary", "accent", "text", "marker", "essential", "spillover"):
            value = getattr(practice.colors, field)
            if rgb(value) is None:
                problems.append(Problem(name, f"colors.{field}", f"not a CSS colour: {value!r} "
                                        "(use an opaque #hex, rgb(), hsl() or colour name)"))
        for field in ("body", "headings"):
            for family in getattr(practice.fonts, field):
                if not font_installed(family):
                    problems.append(Problem(name, f"fonts.{field}", f"font {family!r} is not installed (fc-list finds no such family)"))
        if practice.logo:
            logo = (folder / practice.logo).resolve()
            if not logo.is_relative_to(folder.resolve()):
                problems.append(Problem(name, "logo", f"{practice.logo!r} is outside the profile folder"))
            elif not logo.is_file():
                problems.append(Problem(name, "logo", f"file not found: {practice.logo}"))
            elif logo.suffix.lower() not in (".svg", ".png"):
                problems.append(Problem(name, "logo", f"must be an SVG or PNG file, got {logo.suffix or 'no extension'}"))
        if practice.language.split("-")[0] not in languages(folder):
            problems.append(Problem(name, "language", f"unknown language {practice.language!r}: no label catalogue (known: "
                                    f"{', '.join(languages())}; a profile may bring its own labels/LANG.yaml)"))
        elif not known_locale(practice.language):
            problems.append(Problem(name, "language", f"{practice.language!r} is not a language code Babel knows"))
        else:
            try:
                found = labels(practice.language, folder.resolve())
            except SourceError as e:
                problems += e.problems
    if problems:
        raise SourceError(problems)
    return Profile(practice=practice, folder=folder.resolve(), labels=found)


def known_locale(language: str) -> bool:
    import babel

    try:
        babel.Locale.parse(language.replace("-", "_"))
        return True
    except (ValueError, babel.UnknownLocaleError):
        return False
