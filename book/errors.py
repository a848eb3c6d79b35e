"""The one exception type for bad input: it carries every problem found."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}" if self.field else f"{self.file}: {self.message}"


class SourceError(Exception):
    """Raised once with every problem found in the sources, never half-way."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def display(path: Path | str) -> str:
    """A path as the user wrote it: relative to the working directory when possible."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
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
    the closest known one ("did you mean `cautions`?")."""
    import difflib

    out = []
    for err in exc.errors():
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
            msg = f"{msg}, got {err['input']!r}"
        out.append(Problem(file, field or "(top level)", msg.replace("Value error, ", "")))
    return out
