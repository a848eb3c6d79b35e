"""Read chapters/ (YAML front matter + Markdown) and book.yaml into the model.

Every problem in every file is collected first; ``load`` raises one
SourceError with all of them, so an author fixes everything in one pass.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import BaseModel, ValidationError

from . import bodymap
from .errors import Problem, SourceError, display, pydantic_problems
from .model import GENERATED, Book, BookMeta, Reference, Section, SectionMeta, Spot, SpotMeta

log = logging.getLogger("book")

CITATION = re.compile(r"\[@([\w-]+(?:\s*;\s*@[\w-]+)*)\]")
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:", re.M)
SPOT_LINK = re.compile(r"\]\(spot:([^)]*)\)")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)]*)\)")
REFERENCE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def citation_keys(text: str) -> list[str]:
    """The reference keys cited as [@key] or [@a; @b] in Markdown text, in order."""
    return [k.strip().lstrip("@") for m in CITATION.finditer(text) for k in m.group(1).split(";")]


def read_yaml(path: Path, problems: list[Problem], text: Optional[str] = None, line_offset: int = 0) -> Any:
    """Parse YAML, reporting a syntax error with its line number."""
    name = display(path)
    try:
        if text is None:
            text = path.read_text(encoding="utf-8")
        return yaml.safe_load(text)
    except FileNotFoundError:
        problems.append(Problem(name, "", "file not found"))
    except UnicodeDecodeError as e:
        problems.append(Problem(name, "", f"not UTF-8 text ({e.reason})"))
    except yaml.YAMLError as e:
        # The construct's start (e.g. an unclosed '[') is where the author must look; else the problem's spot.
        mark = getattr(e, "context_mark", None) or getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1 + line_offset}" if mark else "YAML"
        problems.append(Problem(name, where, f"invalid YAML: {getattr(e, 'problem', None) or e}"))
    return None


def split_front_matter(path: Path, problems: list[Problem]) -> tuple[Any, str]:
    """Return (front matter data, Markdown body) of a source file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        problems.append(Problem(display(path), "", f"cannot read: {e}"))
        return None, ""
    m = re.match(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", text, re.S | re.M)
    if not m:
        problems.append(Problem(display(path), "front matter", "file must start with YAML front matter between '---' lines"))
        return None, text
    data = read_yaml(path, problems, m.group(1), line_offset=1)
    if data is not None and not isinstance(data, dict):
        problems.append(Problem(display(path), "front matter", "must be a mapping of fields"))
        data = None
    return data, text[m.end():]


def validate(model: type[BaseModel], data: Any, path: Path, problems: list[Problem], **extra) -> Optional[Any]:
    if data is None:
        if not any(p.file == display(path) for p in problems):  # empty, not merely unreadable
            problems.append(Problem(display(path), "(top level)", "is empty; see book/model.py for its fields"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(display(path), "(top level)", "must be a mapping of fields"))
        return None
    try:
        return model.model_validate({**data, **extra})
    except ValidationError as e:
        problems.extend(pydantic_problems(display(path), e))
        return None


def check_markdown(path: Path, body: str, problems: list[Problem]) -> None:
    """Footnotes must have text, text must have a reference, each note one call; no images."""
    calls = FOOTNOTE_REF.findall(body)
    refs, defs = set(calls), set(FOOTNOTE_DEF.findall(body))
    for label in sorted({c for c in calls if calls.count(c) > 1}):
        problems.append(Problem(display(path), f"footnote [^{label}]", "is called more than once; give each call its own note"))
    for target in IMAGE.findall(body):
        problems.append(Problem(display(path), f"image {target}",
                                "images are not supported in the prose; figures are drawn from each spot's "
                                "location and referral"))
    for label in sorted(refs - defs):
        problems.append(Problem(display(path), f"footnote [^{label}]", "is referenced but has no text ([^%s]: ...)" % label))
    for label in sorted(defs - refs):
        problems.append(Problem(display(path), f"footnote [^{label}]", "has text but is never referenced"))


def read_source(path: Path, model: type[BaseModel], problems: list[Problem]) -> tuple[Optional[Any], str]:
    """(validated front matter, Markdown body) of a source file; (None, body) when it has problems."""
    data, body = split_front_matter(path, problems)
    meta = validate(model, data, path, problems)
    if meta is not None:
        check_markdown(path, body, problems)
    return meta, body


def load_section(path: Path, problems: list[Problem]) -> Optional[Section]:
    meta, body = read_source(path, SectionMeta, problems)
    if meta is None:
        return None
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return Section(**meta.model_dump(), slug=slug, source=path, body=body)


_NUMBER = r"(?:\d+(?:\s*(?:-|to|or|and)\s*\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|a few|few|several|half a)"
# A hold time or a count of presses: "30 to 90 seconds", "a minute", "60 s", "twice", "2 rounds", "10 times".
DOSE_IN_STEP = re.compile(
    rf"\b(?:{_NUMBER}[\s-]+(?:seconds?|minutes?)\b|\d+\s*(?:s|secs?|mins?)\b(?!-)"
    rf"|twice|thrice|{_NUMBER}\s+(?:more\s+)?(?:times|rounds?|reps?|repetitions?|sets?)\b)", re.I)
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def check_steps(path: Path, steps: list[str], problems: list[Problem]) -> None:
    """Steps never state the dose: it comes from press.hold_seconds, rounds and times_per_day, and a step
    may say "Hold for {hold}." where the time belongs. Other braces are mistakes."""
    for i, step in enumerate(steps):
        found = DOSE_IN_STEP.search(step)
        if found:
            problems.append(Problem(display(path), f"press.steps[{i}]",
                                    f"step {i + 1} states the dose ({found.group(0)!r}); hold times and counts come from "
                                    "press.hold_seconds, rounds and times_per_day: leave them out, or write "
                                    "'Hold for {hold}.'"))
        for name in PLACEHOLDER.findall(step):
            if name != "hold":
                problems.append(Problem(display(path), f"press.steps[{i}]",
                                        f"unknown placeholder {{{name}}}; the only one is {{hold}}"))


def load_spot(path: Path, problems: list[Problem]) -> Optional[Spot]:
    meta, body = read_source(path, SpotMeta, problems)
    if meta is None:
        return None
    loc, ref = meta.location, meta.referral
    for field, msg in bodymap.validate(loc.view, loc.marker, ref.essential, ref.spillover):
        problems.append(Problem(display(path), field, msg))
    check_steps(path, meta.press.steps, problems)
    return Spot(**meta.model_dump(), source=path, body=body)


def load(chapters: Path) -> Book:
    """Load and cross-check a whole book; raise SourceError listing every problem."""
    chapters = Path(chapters)
    problems: list[Problem] = []
    if not chapters.is_dir():
        raise SourceError([Problem(display(chapters), "", "chapters folder not found")])

    meta_path = chapters / "book.yaml"
    meta = validate(BookMeta, read_yaml(meta_path, problems), meta_path, problems)

    ref_path = chapters / "references.yaml"
    references: dict[str, Reference] = {}
    raw_refs = read_yaml(ref_path, problems) if ref_path.exists() else {}
    if raw_refs is not None and not isinstance(raw_refs, dict):
        problems.append(Problem(display(ref_path), "(top level)", "must map reference keys to entries"))
    elif raw_refs:
        for key, entry in raw_refs.items():
            if not REFERENCE_KEY.match(str(key)):
                problems.append(Problem(display(ref_path), str(key), "a reference key uses only letters, digits, '-' and '_'"))
            try:
                references[str(key)] = Reference.model_validate(entry or {})
            except ValidationError as e:
                problems.extend(pydantic_problems(display(ref_path), e, prefix=f"{key}."))

    def parts(names: list[str], field: str) -> list:
        out: list = []
        for name in names:
            if name in GENERATED:
                out.append(name)
                continue
            path = chapters / name
            if not path.is_file():
                problems.append(Problem(display(meta_path), field, f"file not found: {name}"))
                continue
            section = load_section(path, problems)
            if section:
                out.append(section)
        return out

    front = parts(meta.front_matter, "front_matter") if meta else []
    back = parts(meta.back_matter, "back_matter") if meta else []
    if meta and meta.spots:
        spot_paths = []
        for name in meta.spots:
            if (chapters / name).is_file():
                spot_paths.append(chapters / name)
            else:
                problems.append(Problem(display(meta_path), "spots", f"file not found: {name}"))
    else:
        spot_paths = sorted((chapters / "spots").glob("*.md"))
    spots = [s for s in (load_spot(p, problems) for p in spot_paths) if s]
    if meta and not meta.spots:
        spots.sort(key=lambda s: s.number)
    if meta and not spot_paths:
        problems.append(Problem(display(chapters), "spots", "no spot chapters found (chapters/spots/*.md)"))

    # Cross-checks between files.
    seen_numbers: dict[int, Path] = {}
    seen_slugs: dict[str, Path] = {}
    numbers = {s.number for s in spots}
    all_loaded = len(spots) == len(spot_paths)  # links into a broken file are not reported twice
    for s in spots:
        name = display(s.source)
        if s.number in seen_numbers:
            problems.append(Problem(name, "number", f"{s.number} is also used by {display(seen_numbers[s.number])}"))
        seen_numbers.setdefault(s.number, s.source)
        if s.slug in seen_slugs:
            problems.append(Problem(name, "slug", f"'{s.slug}' is also used by {display(seen_slugs[s.slug])}"))
        seen_slugs.setdefault(s.slug, s.source)
        for key in s.references:
            if key not in references:
                problems.append(Problem(name, "references", f"unknown reference key '{key}' (not in references.yaml)"))
        for n in s.see_also:
            if n not in numbers and all_loaded:
                problems.append(Problem(name, "see_also", f"no spot number {n}"))
    for item in [*spots, *(x for x in front + back if isinstance(x, Section))]:
        for key in citation_keys(item.body):
            if key not in references:
                problems.append(Problem(display(item.source), f"[@{key}]", "unknown reference key (not in references.yaml)"))
        for target in SPOT_LINK.findall(item.body):
            if not target.isdigit() or (int(target) not in numbers and all_loaded):
                problems.append(Problem(display(item.source), f"(spot:{target})", "link to a spot that does not exist"))

    if problems or meta is None:
        raise SourceError(problems)
    log.debug("loaded %d spots from %s", len(spots), chapters)
    return Book(meta=meta, front=front, spots=spots, back=back, references=references, root=chapters)
