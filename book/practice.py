"""Practice profiles: read ``practice.yaml``, check it, and layer its style over the base.

A profile is a folder: ``practice.yaml``, its assets (logo) and an optional
``extra.css``. ``--practice`` takes a folder name under styles/practices/ or a
path to a profile folder anywhere.
"""
from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import tinycss2.color4
import yaml

from .errors import Problem, SourceError, display
from .model import Practice
from .sources import read_yaml, validate

PROJECT = Path(__file__).resolve().parent.parent
STYLES = PROJECT / "styles"
LOCALES = Path(__file__).resolve().parent / "locales"
GENERIC_FAMILIES = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}
DEFAULT_PRACTICE = "default"
PAPER_SIZES = {"a4": "A4", "letter": "letter"}
PAGE_HEIGHTS_MM = {"6x9": 228.6, "a5": 210, "a4": 297, "letter": 279.4}
# Book trim sizes: CSS page size; top, outer, bottom and inner margins in mm; body text in pt.
# Each text block is about 118-128 mm wide, 60-75 characters of the body font a line.
TRIMS = {
    "6x9": ("6in 9in", 17, 15, 20, 19, 10.5),
    "a5": ("A5", 16, 13, 19, 17, 10.5),
    "a4": ("A4", 24, 36, 28, 38, 11.5),
    "letter": ("letter", 22, 38, 26, 40, 11.5),
}


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

    def css(self, paper: Optional[str] = None, kind: str = "handout") -> str:
        """The practice's layer: custom properties over the base stylesheet, and the page size.

        For the book (KIND "book") PAPER is a trim size of ``TRIMS``: the page size, mirrored margins
        that keep lines at 60-75 characters, and the body text size."""
        p = self.practice
        fam = lambda names: ", ".join(f'"{n}"' if n not in GENERIC_FAMILIES else n for n in names) + ", sans-serif"
        root = (
            ":root {\n"
            f"  --primary: {p.colors.primary};\n  --accent: {p.colors.accent};\n  --text: {p.colors.text};\n"
            f"  --font-body: {fam(p.fonts.body)};\n  --font-headings: {fam(p.fonts.headings)};\n"
            "}\n"
        )
        if kind == "book":
            size, top, outer, bottom, inner, body = TRIMS[paper or p.book_paper]
            height = PAGE_HEIGHTS_MM[paper or p.book_paper] - top - bottom
            return (root + f":root {{ --text-height: {height:.1f}mm; }}\nhtml {{ font-size: {body}pt; }}\n"
                    f"@page {{ size: {size}; margin: {top}mm {outer}mm {bottom}mm {inner}mm; }}\n"
                    f"@page :left {{ margin: {top}mm {inner}mm {bottom}mm {outer}mm; }}\n")
        return root + f"@page {{ size: {PAPER_SIZES[paper or p.paper]}; }}\n"

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


def languages() -> list[str]:
    return sorted(p.stem for p in LOCALES.glob("*.yaml"))


@functools.lru_cache(maxsize=None)
def labels(language: str) -> dict:
    base = yaml.safe_load((LOCALES / "en.yaml").read_text(encoding="utf-8"))
    lang = language.split("-")[0]
    if lang != "en":
        base.update(yaml.safe_load((LOCALES / f"{lang}.yaml").read_text(encoding="utf-8")))
    return base


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
        if practice.language.split("-")[0] not in languages():
            problems.append(Problem(name, "language", f"unknown language {practice.language!r} (known: {', '.join(languages())})"))
    if problems:
        raise SourceError(problems)
    return Profile(practice=practice, folder=folder.resolve(), labels=labels(practice.language))
