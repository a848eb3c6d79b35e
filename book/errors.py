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


def pydantic_problems(file: str, exc, prefix: str = "") -> list[Problem]:
    """Turn a pydantic ValidationError into one Problem per field."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"] if not str(x).startswith("function-"))
        field = f"{prefix}{loc}" if loc else prefix.rstrip(".")
        msg = err["msg"]
        if err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif "input" in err and err["type"] not in ("value_error",):
            msg = f"{msg}, got {err['input']!r}"
        out.append(Problem(file, field or "(top level)", msg.replace("Value error, ", "")))
    return out
