"""The one exception type for bad input, and the one place that makes input safe to echo.

Every message may quote what the user wrote; ``Problem`` escapes control characters and
line breaks and caps the length, so one problem is always one readable line.
"""
from __future__ import annotations

import os
import re
import reprlib
from dataclasses import dataclass
from pathlib import Path

ECHO_LIMIT = 80
# Characters XML cannot carry or a terminal would act on: C0/C1 controls (but tab, newline, carriage
# return), DEL, lone surrogates, the two non-characters, and the line/paragraph separators.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = ECHO_LIMIT
_repr.maxlevel, _repr.maxlist, _repr.maxdict, _repr.maxtuple = 3, 6, 6, 6


def escape(text: str) -> str:
    """TEXT with every control character, line break and separator written as an escape (\\n, \\x07)."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def echo(value) -> str:
    """A value the user gave, quoted for a message: repr-like, at most about 80 characters, escaped.

    Never walks more than a few levels or items of a nested value, so a huge or self-referencing
    input costs nothing to describe.
    """
    if isinstance(value, str):
        text = repr(shorten(value, ECHO_LIMIT))
    else:
        try:
            text = _repr.repr(value)
        except RecursionError:
            text = "(a value nested too deeply)"
    return shorten(escape(text), ECHO_LIMIT + 2)


def bad_characters(text: str) -> str | None:
    """A description of the first character in TEXT that no output may hold, or None."""
    m = CONTROL.search(text)
    return f"control character U+{ord(m.group()):04X} is not allowed" if m else None


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        file, field = shorten(escape(self.file), 200), shorten(escape(self.field), 120)
        message = shorten(escape(self.message), 400)
        return f"{file}: {field}: {message}" if field else f"{file}: {message}"


class SourceError(Exception):
    """Raised once with every problem found in the sources, never half-way."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def display(path: Path | str) -> str:
    """A path as the user wrote it: relative to the working directory when possible."""
    p = Path(path)
    try:  # links are not followed: build/handouts/x.pdf stays that, not the published set it points into
        return str(Path(os.path.abspath(p)).relative_to(os.path.abspath(Path.cwd())))
    except (ValueError, OSError, RuntimeError):
        return str(p)


def _fields_at(model, loc: tuple) -> list[str]:
    """The field names a model accepts at LOC (the path of an unknown field, its own name last)."""
    import typing

    from pydantic import BaseModel

    def inner(annotation):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        for arg in typing.get_args(annotation):
            found = inner(arg)
            if found:
                return found
        return None

    for part in loc[:-1]:
        if model is None or isinstance(part, int) or part not in model.model_fields:
            continue
        model = inner(model.model_fields[part].annotation)
    return list(model.model_fields) if model is not None else []


def pydantic_problems(file: str, exc, prefix: str = "", model=None) -> list[Problem]:
    """Turn a pydantic ValidationError into one Problem per field. With MODEL, an unknown field gets
    the closest known one ("did you mean `cautions`?"); the input is echoed, capped."""
    import difflib

    out = []
    for err in exc.errors(include_url=False, include_context=False, include_input=True):
        loc = ".".join(str(x) for x in err["loc"] if not str(x).startswith("function-"))
        field = f"{prefix}{loc}" if loc else prefix.rstrip(".")
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "extra_forbidden":
            known = _fields_at(model, tuple(err["loc"])) if model is not None else []
            close = difflib.get_close_matches(str(err["loc"][-1]), known, n=1, cutoff=0.6)
            msg = f"unknown field; did you mean `{close[0]}`?" if close else "unknown field"
            if known and not close:
                msg += f" (known: {', '.join(known)})"
        elif "input" in err and err["type"] not in ("value_error",):
            msg = f"{msg}, got {echo(err['input'])}"
        out.append(Problem(file, field or "(top level)", msg.replace("Value error, ", "")))
    return out
