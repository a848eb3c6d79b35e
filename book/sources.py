"""Read chapters/ (YAML front matter + Markdown) and book.yaml into the model.

Every problem in every file is collected first; ``load`` raises one
SourceError with all of them, so an author fixes everything in one pass.
"""
from __future__ import annotations

import logging
import os
import re
import stat
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import BaseModel, ValidationError

from . import bodymap
from .errors import Problem, SourceError, bad_characters, display, echo, pydantic_problems, shorten
from .model import GENERATED, Book, BookMeta, Cautions, Reference, Section, SectionMeta, Spot, SpotMeta

log = logging.getLogger("book")

CITATION = re.compile(r"\[@([\w-]+(?:\s*;\s*@[\w-]+)*)\]")
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:", re.M)
SPOT_LINK = re.compile(r"\]\(spot:([^)]*)\)")
REFERENCE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
MAX_SOURCE_BYTES = 1_000_000  # a spot chapter is a few kilobytes
MAX_NAME = 255  # a file name in book.yaml or practice.yaml


COUNT_NAMES = ("spot_count", "spot_count_words", "Spot_count_words")
COUNT_VARIABLE = re.compile(r"\{\{\s*(spot_count|spot_count_words|Spot_count_words)\s*\}\}")


def count_words(n: int, language: str) -> str:
    """A number in words in the book's language ('fifteen'); digits where no words are known."""
    from num2words import num2words

    try:
        return num2words(n, lang=language.replace("-", "_"))
    except NotImplementedError:
        try:
            return num2words(n, lang=language.split("-")[0])
        except NotImplementedError:
            return str(n)


def fill_counts(text: Optional[str], n: int, language: str) -> Optional[str]:
    """Replace the spot-count variables: {{ spot_count }} -> 15, {{ spot_count_words }} -> fifteen,
    {{ Spot_count_words }} -> Fifteen. Nothing in the sources states the number of spots itself."""
    if not text or "{{" not in text:
        return text
    words = count_words(n, language)
    values = {"spot_count": str(n), "spot_count_words": words, "Spot_count_words": words[:1].upper() + words[1:]}
    return COUNT_VARIABLE.sub(lambda m: values[m.group(1)], text)


def unknown_variables(file: str, field: str, text: Optional[str]) -> list[Problem]:
    """A {{ name }} left in the text after the spot-count variables were filled in."""
    import difflib

    out = []
    for name in re.findall(r"\{\{\s*([^}]*?)\s*\}\}", text or ""):
        close = difflib.get_close_matches(name, COUNT_NAMES, n=1)
        out.append(Problem(file, field, f"unknown variable {{{{ {name} }}}}" +
                           (f"; did you mean `{{{{ {close[0]} }}}}`?" if close else f" (known: {', '.join(COUNT_NAMES)})")))
    return out


def citation_keys(text: str) -> list[str]:
    """The reference keys cited as [@key] or [@a; @b] in Markdown text, in order."""
    return [k.strip().lstrip("@") for m in CITATION.finditer(text) for k in m.group(1).split(";")]


# --------------------------------------------------------------------------- reading files

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(mode: int) -> Optional[str]:
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"is {kind}, not a regular file; it is not read"


def confine(path: Path, root: Optional[Path], folder: str = "chapters folder") -> tuple[Optional[Path], Optional[str]]:
    """(the real path, None) when PATH, links followed, is a regular file inside ROOT (already
    resolved); else (None, what is wrong). Only stats, never opens."""
    try:
        if "\x00" in str(path):
            return None, "holds a NUL character"
        real = path.resolve()
        if root is not None and not real.is_relative_to(root):
            return None, f"is outside the {folder}"
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        return None, "file not found"
    except (OSError, ValueError, RuntimeError) as e:
        return None, f"cannot be read ({getattr(e, 'strerror', None) or e})"
    wrong = _not_regular(mode)
    return (None, wrong) if wrong else (real, None)


def read_bytes(real: Path, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """A checked file's bytes, opened without blocking and checked again once open (the file may have
    been swapped since ``confine``); OSError or ValueError with a message for the user otherwise."""
    fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as f:
        wrong = _not_regular(os.fstat(fd).st_mode)
        if wrong:
            raise ValueError(wrong)
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"is larger than {limit // 1000} kB")
    return data


def read_file(path: Path, root: Optional[Path], problems: list[Problem], *, limit: int = MAX_SOURCE_BYTES,
              folder: str = "chapters folder", file: Optional[str] = None, field: str = "",
              name: Optional[str] = None) -> Optional[bytes]:
    """The bytes of PATH if it is a regular file inside ROOT, else None and a problem.

    The problem is reported on FILE and FIELD (by default the file itself); NAME is what the user
    wrote for the path, echoed in the message."""
    real, wrong = confine(path, root, folder)
    data = None
    if real is not None:
        try:
            data = read_bytes(real, limit)
        except (OSError, ValueError) as e:
            wrong = str(e) if isinstance(e, ValueError) else f"cannot be read ({e.strerror})"
    if wrong:
        problems.append(Problem(file or display(path), field, f"{echo(name)} {wrong}" if name is not None else wrong))
    return data


def decode(data: Optional[bytes], path: Path, problems: list[Problem]) -> Optional[str]:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append(Problem(display(path), "", f"not UTF-8 text ({e.reason} at byte {e.start})"))
        return None


# --------------------------------------------------------------------------- YAML


class Loader(yaml.SafeLoader):
    """PyYAML's safe loader with limits: an alias bomb, a deep nest or a duplicate key is a YAML
    error at its line, never gigabytes of memory or a silently dropped value.

    Sizes count every node as if each alias were written out in full."""

    MAX_NODES = 10_000
    MAX_DEPTH = 40

    def __init__(self, stream):
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0
        self._open: set[str] = set()  # anchors whose node is still being read
        self._measured: dict[int, tuple[int, int]] = {}

    def _measure(self, node) -> tuple[int, int]:
        """(nodes, depth) of NODE with every alias written out."""
        key = id(node)
        if key not in self._measured:
            if isinstance(node, yaml.ScalarNode):
                children = []
            elif isinstance(node, yaml.MappingNode):
                children = [n for pair in node.value for n in pair]
            else:
                children = node.value
            sizes = [self._measure(c) for c in children]
            self._measured[key] = (1 + sum(s for s, _ in sizes), 1 + max((d for _, d in sizes), default=0))
        return self._measured[key]

    def _grow(self, nodes: int, depth: int, mark) -> None:
        self._nodes += nodes
        if depth > self.MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, f"nested too deeply (more than {self.MAX_DEPTH} levels)", mark)
        if self._nodes > self.MAX_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"too many values (more than {self.MAX_NODES}, counting each alias in full)", mark)

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self._open:
                raise yaml.composer.ComposerError(None, None, f"alias *{event.anchor} is used inside its own anchor",
                                                  event.start_mark)
            if event.anchor in self.anchors:
                nodes, depth = self._measure(self.anchors[event.anchor])
                self._grow(nodes, self._depth + depth, event.start_mark)
            return super().compose_node(parent, index)
        self._grow(1, self._depth + 1, event.start_mark)
        anchor = getattr(event, "anchor", None)
        self._depth += 1
        if anchor:
            self._open.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            self._open.discard(anchor)

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(key_node, yaml.ScalarNode):
                continue
            key = self.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {echo(key)} (first on line {seen[key] + 1})", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (yaml.YAMLError, RecursionError):
            raise
        except (ValueError, TypeError, KeyError, OverflowError, IndexError) as e:
            raise yaml.constructor.ConstructorError(None, None, f"cannot read this value ({e})", node.start_mark) from None


# Dates stay text (YYYY-MM-DD); the schema checks them, so 2026-13-45 is an error naming its field.
Loader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def parse_yaml(text: str) -> Any:
    """YAML text to data with the limits of ``Loader``; raises yaml.YAMLError."""
    loader = Loader(text)
    try:
        return loader.get_single_data()
    except RecursionError:
        mark = loader.get_mark()
        raise yaml.composer.ComposerError(None, None, "nested too deeply", mark) from None
    finally:
        loader.dispose()


def read_yaml(path: Path, problems: list[Problem], text: Optional[str] = None, line_offset: int = 0,
              root: Optional[Path] = None, folder: str = "chapters folder") -> Any:
    """Parse a YAML file (or TEXT from it), reporting a syntax error with its line number.

    The file must be a regular file inside ROOT when ROOT is given."""
    name = display(path)
    if text is None:
        text = decode(read_file(path, root, problems, folder=folder), path, problems)
        if text is None:
            return None
    try:
        return parse_yaml(text)
    except yaml.YAMLError as e:
        problems.append(yaml_problem(name, e, text or "", line_offset))
    return None


# Constructs that start before the problem is found: the author must look where they start.
_OPENED = ("while scanning a quoted scalar", "while parsing a flow", "while scanning a block scalar",
           "while scanning a double-quoted", "while scanning a single-quoted")


def yaml_problem(name: str, e: yaml.YAMLError, text: str, line_offset: int = 0) -> Problem:
    """A YAML syntax error as one Problem: the line where the mistake starts and, for the usual traps,
    what to do about it."""
    problem, context = getattr(e, "problem", None) or str(e), getattr(e, "context", None) or ""
    mark = getattr(e, "problem_mark", None)
    if context.startswith(_OPENED) and getattr(e, "context_mark", None):
        mark = e.context_mark
    line = mark.line if mark else None
    source = text.splitlines()[line] if line is not None and line < len(text.splitlines()) else ""
    value = source.split(":", 1)[1].strip() if ":" in source else source.strip()
    hint = ""
    if context.startswith("while parsing a flow"):
        hint = "; a `[` or `{` opened on this line is not closed"
    elif context.startswith(_OPENED):
        hint = "; a quote opened on this line is not closed"
    elif "{{" in source:
        hint = "; put text containing `{{ ... }}` in quotes"
    elif problem.startswith("mapping values are not allowed"):
        hint = "; put text containing `: ` in quotes, e.g. summary: \"Note: press gently.\""
    elif "'\\t'" in problem or "\t" in source[: len(source) - len(source.lstrip())]:
        hint = "; indent with spaces, not tabs"
    elif value[:1] in ("[", "{", "*", "&", "!", "%", "@", "`") and not context.startswith(_OPENED):
        hint = f"; text starting with `{value[:1]}` must be in quotes"
    where = f"line {line + 1 + line_offset}" if line is not None else "YAML"
    return Problem(name, where, f"invalid YAML: {problem}{hint}")


def split_front_matter(path: Path, problems: list[Problem], root: Optional[Path] = None) -> tuple[Any, str]:
    """Return (front matter data, Markdown body) of a source file (a regular file inside ROOT)."""
    text = decode(read_file(path, root, problems), path, problems)
    if text is None:
        return None, ""
    lines = text.split("\n")
    line = next((i for i, row in enumerate(lines, 1) if bad_characters(row)), None)
    if line is not None:
        problems.append(Problem(display(path), f"line {line}", bad_characters(lines[line - 1])))
        return None, ""
    m = re.match(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", text, re.S | re.M)
    if not m:
        problems.append(Problem(display(path), "front matter", "file must start with YAML front matter between '---' lines"))
        return None, text
    data = read_yaml(path, problems, "\n" + m.group(1))  # the '---' line first, so lines count from the file's top
    if data is not None and not isinstance(data, dict):
        problems.append(Problem(display(path), "front matter", "must be a mapping of fields"))
        data = None
    return data, text[m.end():]


def text_problems(data: Any, file: str, prefix: str = "") -> list[Problem]:
    """Characters no output can hold (control characters), in any key or value of DATA, by field."""
    out: list[Problem] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, str):
            wrong = bad_characters(value)
            if wrong:
                out.append(Problem(file, where or "(top level)", f"{wrong}, got {echo(value)}"))
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and bad_characters(key):
                    out.append(Problem(file, name, f"{bad_characters(key)} in a field name"))
                else:
                    walk(item, name)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{where}.{i}" if where else str(i))

    walk(data, prefix.rstrip("."))
    return out


def validate(model: type[BaseModel], data: Any, path: Path, problems: list[Problem], **extra) -> Optional[Any]:
    if data is None:
        if not any(p.file == display(path) for p in problems):  # empty, not merely unreadable
            problems.append(Problem(display(path), "(top level)", "is empty; see book/model.py for its fields"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(display(path), "(top level)", "must be a mapping of fields"))
        return None
    wrong = text_problems(data, display(path))
    if wrong:
        problems.extend(wrong)
        return None
    try:
        return model.model_validate({**data, **extra})
    except ValidationError as e:
        problems.extend(pydantic_problems(display(path), e, model=model))
        return None
    except RecursionError:
        problems.append(Problem(display(path), "(top level)", "nested too deeply"))
        return None


def markdown_tokens(body: str):
    """The prose as markdown-it tokens, parsed exactly as the renderer parses it."""
    from .render import _md  # the renderer owns the parser's configuration

    return _md.parse(body)


def check_markdown(path: Path, body: str, problems: list[Problem]) -> None:
    """Footnotes must have text, text must have a reference, each note one call and only paragraphs;
    no images."""
    name = display(path)
    calls = FOOTNOTE_REF.findall(body)
    refs, defs = set(calls), set(FOOTNOTE_DEF.findall(body))
    for label in sorted({c for c in calls if calls.count(c) > 1}):
        problems.append(Problem(name, f"footnote [^{label}]", "is called more than once; give each call its own note"))
    note = None  # the label of the footnote being read, if any
    for token in markdown_tokens(body):
        if token.type == "footnote_open":
            note = token.meta.get("label")
        elif token.type == "footnote_close":
            note = None
        elif note is not None and token.type.endswith("_open") and token.type != "paragraph_open":
            problems.append(Problem(name, f"footnote [^{note}]", "may hold only paragraphs of text, not a list, "
                                    "table, heading, quote or code; put those in the prose"))
            note = f"{note} "  # report each note once
        for child in token.children or []:
            if child.type == "image":
                problems.append(Problem(name, f"image {shorten(str(child.attrs.get('src', '')), 80)}",
                                        "images are not supported in the prose; figures are drawn from each "
                                        "spot's location and referral"))
            elif child.type == "footnote_ref" and note is not None:
                problems.append(Problem(name, f"footnote [^{child.meta.get('label')}]",
                                        f"is called from inside footnote [^{note.strip()}]; call it from the prose"))
    for label in sorted(refs - defs):
        problems.append(Problem(name, f"footnote [^{label}]", "is referenced but has no text ([^%s]: ...)" % label))
    for label in sorted(defs - refs):
        problems.append(Problem(name, f"footnote [^{label}]", "has text but is never referenced"))


def read_source(path: Path, model: type[BaseModel], problems: list[Problem],
                root: Optional[Path] = None) -> tuple[Optional[Any], str]:
    """(validated front matter, Markdown body) of a source file; (None, body) when it has problems."""
    data, body = split_front_matter(path, problems, root)
    meta = validate(model, data, path, problems)
    if meta is not None:
        check_markdown(path, body, problems)
    return meta, body


def load_section(path: Path, problems: list[Problem], root: Optional[Path] = None) -> Optional[Section]:
    meta, body = read_source(path, SectionMeta, problems, root)
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


def landmark_positions(view: str) -> dict[str, tuple[float, float]]:
    """Each landmark of a view at its [x, y] in percent of the view (the body's right side), as a
    chapter's ``location.marker`` may give it."""
    from .bodymap.views import VIEW_DATA

    v = VIEW_DATA[view]
    return {name: (round(lm.x / v.width * 100, 1), round(lm.y / v.height * 100, 1)) for name, lm in v.landmarks.items()}


def nearest_landmarks(view: str, marker, n: int = 3) -> list[tuple[str, tuple[float, float]]]:
    x, y = marker
    return sorted(landmark_positions(view).items(), key=lambda kv: (kv[1][0] - x) ** 2 + (kv[1][1] - y) ** 2)[:n]


def load_spot(path: Path, problems: list[Problem], root: Optional[Path] = None) -> Optional[Spot]:
    meta, body = read_source(path, SpotMeta, problems, root)
    if meta is None:
        return None
    loc, ref = meta.location, meta.referral
    for field, msg in bodymap.validate(loc.view, loc.marker, ref.essential, ref.spillover, meta.muscles[0]):
        if field == "location.marker" and "outside the body outline" in msg:
            msg += "; nearest landmarks: " + ", ".join(
                f"{name} [{x:g}, {y:g}]" for name, (x, y) in nearest_landmarks(loc.view, loc.marker))
        problems.append(Problem(display(path), field, msg))
    check_steps(path, meta.press.steps, problems)
    return Spot(**meta.model_dump(), source=path, body=body)


def load(chapters: Path) -> Book:
    """Load and cross-check a whole book; raise SourceError listing every problem.

    Every file read is a regular file inside the (resolved) chapters folder: a name in book.yaml
    that is absolute, climbs out with '..', or is a link to a file elsewhere is an error, and a
    FIFO or device is never opened."""
    chapters = Path(chapters)
    problems: list[Problem] = []
    if not chapters.is_dir():
        raise SourceError([Problem(display(chapters), "", "chapters folder not found")])
    root = chapters.resolve()

    meta_path = chapters / "book.yaml"
    meta = validate(BookMeta, read_yaml(meta_path, problems, root=root), meta_path, problems)

    ref_path = chapters / "references.yaml"
    references: dict[str, Reference] = {}
    raw_refs = read_yaml(ref_path, problems, root=root) if os.path.lexists(ref_path) else {}
    if raw_refs is not None and not isinstance(raw_refs, dict):
        problems.append(Problem(display(ref_path), "(top level)", "must map reference keys to entries"))
    elif raw_refs and not (wrong := text_problems(raw_refs, display(ref_path))):
        for key, entry in raw_refs.items():
            if not REFERENCE_KEY.match(str(key)):
                problems.append(Problem(display(ref_path), shorten(str(key), 80), "a reference key uses only letters, digits, '-' and '_'"))
                continue
            try:
                references[str(key)] = Reference.model_validate(entry or {})
            except ValidationError as e:
                problems.extend(pydantic_problems(display(ref_path), e, prefix=f"{key}.", model=Reference))
    elif raw_refs:
        problems.extend(wrong)

    def named(name: str, field: str) -> Optional[Path]:
        """chapters/NAME if it is a regular file inside the chapters folder; else a problem on book.yaml."""
        if len(name) > MAX_NAME or Path(name).is_absolute():
            why = "is too long for a file name" if len(name) > MAX_NAME else "is outside the chapters folder"
            problems.append(Problem(display(meta_path), field, f"{echo(name)} {why}"))
            return None
        real, wrong = confine(chapters / name, root)
        if wrong:
            problems.append(Problem(display(meta_path), field, f"{echo(name)} {wrong}"))
            return None
        return chapters / name

    # The safety catalogue: stop-signs for every handout and red flags by area (required: no handout goes without).
    cautions_path = chapters / "cautions.yaml"
    cautions = validate(Cautions, read_yaml(cautions_path, problems, root=root), cautions_path, problems)

    def parts(names: list[str], field: str) -> list:
        out: list = []
        for name in names:
            if name in GENERATED:
                out.append(name)
                continue
            path = named(name, field)
            section = load_section(path, problems, root) if path else None
            if section:
                out.append(section)
        return out

    front = parts(meta.front_matter, "front_matter") if meta else []
    back = parts(meta.back_matter, "back_matter") if meta else []
    if meta and meta.spots:
        spot_paths = [p for p in (named(name, "spots") for name in meta.spots) if p]
        missing = len(meta.spots) - len(spot_paths)
    else:
        spot_paths, missing = sorted((chapters / "spots").glob("*.md")), 0
    spots = [s for s in (load_spot(p, problems, root) for p in spot_paths) if s]
    if meta and not meta.spots:
        spots.sort(key=lambda s: s.number)
    if meta and not spot_paths and not missing:
        problems.append(Problem(display(chapters), "spots", "no spot chapters found (chapters/spots/*.md)"))

    # Cross-checks between files.
    seen_numbers: dict[int, Path] = {}
    seen_slugs: dict[str, Path] = {}
    numbers = {s.number for s in spots}
    all_loaded = len(spots) == len(spot_paths) and not missing  # links into a broken file are not reported twice
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
        if cautions is not None:
            for i, area in enumerate(s.caution_areas):
                if area not in cautions.areas:
                    known = ", ".join(cautions.areas) or "none"
                    problems.append(Problem(name, f"caution_areas.{i}",
                                            f"unknown area '{area}' ({display(cautions_path)} has: {known})"))
            s.red_flags = [flag for a in dict.fromkeys(s.caution_areas) for flag in cautions.areas.get(a, [])]
    for item in [*spots, *(x for x in front + back if isinstance(x, Section))]:
        for key in citation_keys(item.body):
            if key not in references:
                problems.append(Problem(display(item.source), f"[@{key}]", "unknown reference key (not in references.yaml)"))
        for target in SPOT_LINK.findall(item.body):
            if not target.isdigit() or (int(target) not in numbers and all_loaded):
                problems.append(Problem(display(item.source), f"(spot:{target})", "link to a spot that does not exist"))

    if problems or meta is None or cautions is None:
        raise SourceError(problems)
    n, lang = len(spots), meta.language
    meta = meta.model_copy(update={"subtitle": fill_counts(meta.subtitle, n, lang),
                                   "description": fill_counts(meta.description, n, lang)})
    for item in [*spots, *(x for x in front + back if isinstance(x, Section))]:
        item.body = fill_counts(item.body, n, lang)
        problems += unknown_variables(display(item.source), "text", item.body)
    problems += unknown_variables(display(meta_path), "subtitle", meta.subtitle)
    problems += unknown_variables(display(meta_path), "description", meta.description)
    if problems:
        raise SourceError(problems)
    log.debug("loaded %d spots from %s", len(spots), chapters)
    return Book(meta=meta, front=front, spots=spots, back=back, references=references, cautions=cautions,
                root=chapters)
