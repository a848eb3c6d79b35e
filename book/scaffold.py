"""``make_book.py practice new NAME``: a commented practice profile to edit.

The comments are generated from the schema (book/model.py, Practice), so they
never drift from what the loader accepts.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import BaseModel

from .errors import Problem, SourceError, display, echo
from .model import Practice
from .practice import PROJECT, STYLES


def _lines(model: type[BaseModel], indent: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        doc = field.description or ""
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            out.append(f"{indent}# {name}:{'  # ' + (annotation.__doc__ or '').strip().splitlines()[0] if annotation.__doc__ else ''}")
            out += _lines(annotation, indent + "  ")
            continue
        default = field.get_default(call_default_factory=True)
        shown = "" if default is None else (f"[{', '.join(repr(d) if ' ' in str(d) else str(d) for d in default)}]"
                                             if isinstance(default, list) else f'"{default}"' if isinstance(default, str) and default.startswith("#") else str(default))
        out.append(f"{indent}# {name}: {shown}" + (f"    # {doc}" if doc else ""))
    return out


def new_practice(name: str, root: Path = STYLES / "practices") -> Path:
    """Create root/NAME/practice.yaml; refuse a bad name or an existing folder."""
    if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", name):
        raise SourceError([Problem("command line", "NAME", f"use lower-case letters, digits and dashes, got {echo(name)}")])
    folder = root / name
    if folder.exists():
        raise SourceError([Problem(display(folder), "", "already exists; choose another name")])
    schema = Path(os.path.relpath(PROJECT / "docs" / "schema" / "practice.schema.json", folder)).as_posix()
    body = [
        f"# yaml-language-server: $schema={schema}",
        f"# Practice profile '{name}'. State only what differs from the defaults shown in the comments;",
        "# every field, its default and its meaning: docs/fields.md (generated from book/model.py, class Practice).",
        "# Put the logo (SVG or PNG, at most 4096 x 4096 pixels) in this folder; an optional extra.css here is applied last.",
        "# Nothing else in the folder is read: templates are not allowed.",
        "",
        f"name: {name.replace('-', ' ').title()}",
        *[line for line in _lines(Practice) if not line.startswith("# name:")],
        "",
    ]
    folder.mkdir(parents=True)
    (folder / "practice.yaml").write_text("\n".join(body), encoding="utf-8")
    return folder / "practice.yaml"
