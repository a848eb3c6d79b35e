"""``make_book.py check``: everything the build would reject, without writing anything.

Problems (exit status 2) are what stops a build: the sources and the practice (``build.load``), a label
catalogue that lacks a label, a logo that is not a readable image. Warnings are printed and do not stop
it: client text above reading grade 8.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from . import build, readability
from .errors import Problem, SourceError, display
from .model import Book
from .practice import LOCALES, Profile


def catalogue_problems(languages: set[str]) -> list[Problem]:
    """Every label of the English catalogue must be in each catalogue used."""
    english = yaml.safe_load((LOCALES / "en.yaml").read_text(encoding="utf-8"))
    problems = []
    for lang in sorted(languages - {"en"}):
        path = LOCALES / f"{lang}.yaml"
        labels = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in english:
            if key not in labels:
                problems.append(Problem(display(path), key, f"missing label (English: {english[key]!r})"))
    return problems


def image_problems(path: Path, where: str) -> list[Problem]:
    """A logo must be a PNG that decodes or an SVG that parses (no external entities)."""
    try:
        if path.suffix.lower() == ".png":
            from PIL import Image

            with Image.open(path) as image:
                image.verify()
        else:
            from lxml import etree

            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            root = etree.parse(str(path), parser).getroot()
            if not root.tag.endswith("svg"):
                raise ValueError(f"its root element is <{etree.QName(root).localname}>, not <svg>")
    except Exception as e:  # any decoding failure is the same problem for the author
        return [Problem(where, "logo", f"{display(path)} is not a readable {path.suffix[1:].upper()} image: {e}")]
    return []


def check(job: build.Job) -> tuple[Book, Profile, list[str]]:
    """Raise SourceError with every problem the build would meet; return the warnings."""
    book, profile = build.load(job)
    problems = catalogue_problems({book.meta.language.split("-")[0], profile.practice.language.split("-")[0]})
    if profile.logo_path:
        problems += image_problems(profile.logo_path, display(profile.folder / "practice.yaml"))
    # Handout fit on both papers, footer and disclaimer fit: checked with the handout layout (handouts/).
    if problems:
        raise SourceError(problems)
    warnings = []
    if book.meta.language.startswith("en"):  # the Flesch-Kincaid grade is a measure of English
        for spot in book.spots:
            grade = readability.grade(readability.client_text(spot))
            if grade > readability.MAX_GRADE:
                warnings.append(f"{display(spot.source)}: client text: reads at grade {grade:.1f}; aim for "
                                f"{readability.MAX_GRADE} or lower (shorter sentences, plainer words)")
    return book, profile, warnings
