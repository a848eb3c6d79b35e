"""JSON Schema files and a field reference, generated from the one schema (book/model.py).

``make_book.py schema`` writes ``docs/schema/*.schema.json`` (editors that speak the YAML language
server complete and check fields as the author types) and ``docs/fields.md`` (every field with its
type, default and description). A test keeps both current.
"""
from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from .model import BookMeta, Practice, Reference, SectionMeta, SpotMeta

DOCS = Path(__file__).resolve().parent.parent / "docs"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

# file stem -> (what it describes, where such files live, the type)
SOURCES: dict[str, tuple[str, str, Any]] = {
    "spot": ("The YAML front matter of a spot chapter", "chapters/spots/NN-slug.md", SpotMeta),
    "section": ("The YAML front matter of a front- or back-matter file", "chapters/front/*.md, chapters/back/*.md",
                SectionMeta),
    "book": ("The book's metadata and the order of its parts", "chapters/book.yaml", BookMeta),
    "references": ("Every cited work, by key", "chapters/references.yaml", dict[str, Reference]),
    "practice": ("A practice profile", "styles/practices/NAME/practice.yaml", Practice),
}


def schema(name: str) -> dict:
    what, where, kind = SOURCES[name]
    body = TypeAdapter(kind).json_schema()
    body.pop("title", None)
    body.pop("description", None)
    return {"$schema": DIALECT, "$id": f"{name}.schema.json", "title": what,
            "description": f"{what} ({where}). Generated from book/model.py by `make_book.py schema`.", **body}


def schema_text(name: str) -> str:
    return json.dumps(schema(name), indent=2, ensure_ascii=False) + "\n"


def _type(annotation) -> str:
    """A field's type in plain words."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation is type(None):
        return "null"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin is typing.Union or str(origin) == "types.UnionType":
        return " or ".join(_type(a) for a in args if a is not type(None))
    if origin in (list, tuple):
        inner = ", ".join(_type(a) for a in args if a is not Ellipsis)
        return f"list of {inner}" if origin is list else f"[{inner}]"
    if origin is dict:
        return f"mapping of {_type(args[0])} to {_type(args[1])}"
    return getattr(annotation, "__name__", str(annotation))


def _default(field) -> str:
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "see below"
    return f"`{json.dumps(value, ensure_ascii=False)}`"


def _models(kind) -> list[type[BaseModel]]:
    """A model and every model it holds, in order of first appearance."""
    found: list[type[BaseModel]] = []

    def visit(annotation):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in found:
                found.append(annotation)
                for f in annotation.model_fields.values():
                    visit(f.annotation)
        for arg in typing.get_args(annotation):
            visit(arg)

    visit(kind)
    return found


def fields_markdown() -> str:
    """docs/fields.md: every field of every source file, from the model's descriptions."""
    out = ["# Fields of every source file", "",
           "Generated from `book/model.py` by `python3 make_book.py schema`; do not edit by hand.",
           "Unknown fields are errors. JSON Schema files for editors are in [schema/](schema/).", ""]
    seen: set = set()
    for name, (what, where, kind) in SOURCES.items():
        out += [f"## {what}", "", f"`{where}`, schema [`schema/{name}.schema.json`](schema/{name}.schema.json).", ""]
        for model in _models(kind):
            if model in seen:
                out += [f"### {model.__name__}", "", f"As [above](#{model.__name__.lower()}).", ""]
                continue
            seen.add(model)
            doc = (model.__doc__ or "").strip().replace("\n    ", " ").replace("\n", " ")
            out += [f"### {model.__name__}", "", doc, "", "| field | type | default | meaning |", "|---|---|---|---|"]
            for key, field in model.model_fields.items():
                if key in ("source", "body", "slug") and model.__name__ in ("Spot", "Section"):
                    continue
                desc = (field.description or "").replace("|", "\\|").replace("\n", " ")
                out.append(f"| `{key}` | {_type(field.annotation)} | {_default(field)} | {desc} |")
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def outputs(docs: Path = DOCS) -> dict[Path, str]:
    """Every generated file and its text."""
    files = {docs / "schema" / f"{name}.schema.json": schema_text(name) for name in SOURCES}
    files[docs / "fields.md"] = fields_markdown()
    return files


def write(docs: Path = DOCS) -> list[Path]:
    from .output import write_bytes

    written = []
    for path, text in outputs(docs).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            write_bytes(path, text.encode("utf-8"))
        written.append(path)
    return written
