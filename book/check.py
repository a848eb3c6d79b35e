"""``make_book.py check``: everything the build would reject, without writing anything.

Problems (exit status 2) are what stops a build: the sources and the practice (``build.load``: its logo
and its label catalogue are checked there). Warnings are printed and do not stop
it: client text above reading grade 8.
"""
from __future__ import annotations

from . import build, readability
from .errors import display
from .model import Book
from .practice import Profile


def check(job: build.Job) -> tuple[Book, Profile, list[str]]:
    """Raise SourceError with every problem the build would meet; return the warnings."""
    book, profile = build.load(job)  # the sources, the practice, its logo and its label catalogue
    # Handout fit on both papers, footer and disclaimer fit: checked with the handout layout (handouts/).
    warnings = []
    if book.meta.language.startswith("en"):  # the Flesch-Kincaid grade is a measure of English
        for spot in book.spots:
            grade = readability.grade(readability.client_text(spot))
            if grade > readability.MAX_GRADE:
                warnings.append(f"{display(spot.source)}: client text: reads at grade {grade:.1f}; aim for "
                                f"{readability.MAX_GRADE} or lower (shorter sentences, plainer words)")
    return book, profile, warnings
