"""Gettext catalogues for the content, the way Sphinx and po4a keep them.

``update`` extracts every translatable text of the sources into ``chapters/locales/LANG.po``: the
text fields of each spot's and section's front matter, each Markdown block (paragraph, list item,
heading, footnote; inline markup such as ``[@key]``, ``[^1]`` and ``(spot:N)`` links kept inside the
message), ``book.yaml``'s title, subtitle, description, rights and subjects, and every string of any
other YAML catalogue in ``chapters/`` (e.g. ``cautions.yaml``). The English text is the ``msgid``,
the file and field or paragraph the ``msgctxt``. Merging keeps translations, marks an entry whose
English changed fuzzy (with the old English as ``#| msgid``) and moves unused ones to ``#~``.
Structural data (numbers, regions, markers, doses, slugs, muscles) is never extracted.

``translate`` applies a catalogue to a loaded Book and returns a translated copy; texts without a
finished translation stay English and are listed in ``book.translation`` so that ``require`` can
refuse (or, allowed, warn about) them for what is being built.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

import polib
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from . import typography
from .errors import Problem, SourceError, display
from .model import Book, BookMeta, FreeZone, Section, Spot, SpotMeta, Translation

log = logging.getLogger("book")

LOCALES = "locales"  # chapters/locales/LANG.po; a practice may bring its own PRACTICE/locales/LANG.po
NOT_CATALOGUES = {"book.yaml", "references.yaml"}
BOOK_FIELDS = ("title", "subtitle", "description", "rights", "subject")
SPOT_FIELDS = ("title", "plain_name", "helps", "pain_areas", "conditions", "summary", "location.description",
               "location.find", "referral.description", "referral.essential", "referral.spillover",
               "press.tools", "press.position", "press.steps", "tips", "cautions")
SECTION_FIELDS = ("title",)
_md = MarkdownIt("commonmark").use(footnote_plugin).enable("table")


@dataclass
class Text:
    """One translatable text: where it is, its English, and whether handouts show it."""

    ctx: str  # "spots/08-quads.md summary", "spots/08-quads.md ¶3"
    msgid: str
    line: int  # 1-based line of the source file, for the translator's reference
    comment: str  # what the field is, from book/model.py
    handout: bool  # shown on handouts (otherwise only in the book)

    @property
    def file(self) -> str:
        return self.ctx.split(" ", 1)[0]


def _norm(s: str) -> str:
    return " ".join(s.split())


def _description(model, path: str) -> str:
    """What a field is (its description in book/model.py), for the translator."""
    *parents, name = path.split(".")
    for part in parents:
        model = model.model_fields[part].annotation
    return model.model_fields[name].description or ""


ZONES = ("essential", "spillover")  # region names are structural; only a free shape's label is text


def _field_texts(obj, fields: tuple[str, ...]) -> Iterator[tuple[str, Any, str, Optional[int], bool]]:
    """(field path, owner, attribute, list index or None, is a zone label) for every text field."""
    for path in fields:
        owner = obj
        *parents, name = path.split(".")
        for p in parents:
            owner = getattr(owner, p)
        value = getattr(owner, name)
        if value is None:
            continue
        if isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, FreeZone):
                    yield f"{path} {i + 1} label", item, "label", None, True
                elif isinstance(item, str) and name not in ZONES:
                    yield f"{path} {i + 1}", owner, name, i, False
        elif isinstance(value, str):
            yield path, owner, name, None, False


def _get(owner, name, index):
    value = getattr(owner, name)
    return value[index] if index is not None else value


def _set(owner, name, index, text):
    if index is None:
        setattr(owner, name, text)
    else:
        getattr(owner, name)[index] = text


def _front_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


def _line_of(lines: list[str], text: str) -> int:
    """The line of the front matter where a text begins (its first words), for the #: reference."""
    words = text.split()[:4]
    probe = " ".join(words)
    for i, line in enumerate(lines):
        if probe and probe in " ".join(line.split()):
            return i + 1
    return 1


def _body_offset(lines: list[str]) -> int:
    """Number of lines before the Markdown body (the front matter and its fences)."""
    fences = [i for i, line in enumerate(lines) if line.strip() == "---"]
    return fences[1] + 1 if len(fences) > 1 else 0


def _block_tokens(body: str) -> list[tuple[int, int, str, str, int]]:
    """(first line, end line, text, raw first line of the text, heading level or 0), lines 0-based."""
    out = []
    tokens = _md.parse(body)
    for prev, tok in zip(tokens, tokens[1:]):
        if tok.type == "inline" and tok.map and prev.type in ("paragraph_open", "heading_open"):
            level = int(prev.tag[1]) if prev.type == "heading_open" else 0
            out.append((tok.map[0], tok.map[1], _norm(tok.content), tok.content.split("\n")[0], level))
    return out


def blocks(body: str) -> list[tuple[int, int, str]]:
    """Each Markdown block with inline text (paragraph, list item, heading, footnote):
    (first line, end line, text with its whitespace normalised), lines 0-based in BODY."""
    return [b[:3] for b in _block_tokens(body)]


def replace_blocks(body: str, translations: dict[int, str]) -> str:
    """BODY with the blocks numbered in TRANSLATIONS (0-based, as ``blocks`` counts) replaced, each on
    one line after its Markdown marker ('## ', '- ', '1. ', '[^1]: ', indentation)."""
    lines = body.split("\n")
    found = _block_tokens(body)
    for n in sorted(translations, reverse=True):
        start, end, _, raw, level = found[n]
        first = lines[start]
        col = first.find(raw) if raw else -1
        prefix = "#" * level + " " if level else first[:col] if col >= 0 else ""
        lines[start:end] = [prefix + _norm(translations[n])]
    return "\n".join(lines)


def _catalogue_texts(chapters: Path, problems: list[Problem]) -> Iterator[Text]:
    """Every string of every other YAML catalogue in chapters/ (e.g. cautions.yaml)."""
    from .sources import read_yaml

    for path in sorted(chapters.glob("*.yaml")):
        if path.name in NOT_CATALOGUES:
            continue
        data = read_yaml(path, problems, root=chapters.resolve())
        lines = _front_lines(path)
        for key, text in _strings(data):
            yield Text(f"{path.name} {key}", _norm(text), _line_of(lines, text), "", True)


def _strings(data, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, str):
        if data.strip():
            yield prefix or "(text)", data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _strings(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _strings(v, f"{prefix} {i + 1}" if prefix else str(i + 1))


def data(book: Book, name: str, value):
    """A YAML catalogue's data (e.g. cautions.yaml, as loaded) with its strings translated."""
    if not book.translation:
        return value
    done = book.translation.done

    def walk(v, prefix: str):
        if isinstance(v, str):
            return done.get(f"{name} {prefix or '(text)'}\x04{_norm(v)}", v)
        if isinstance(v, dict):
            return {k: walk(x, f"{prefix}.{k}" if prefix else str(k)) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x, f"{prefix} {i + 1}" if prefix else str(i + 1)) for i, x in enumerate(v)]
        return v

    return walk(value, "")


def _rel(book: Book, path: Path) -> str:
    try:
        return path.resolve().relative_to(book.root.resolve()).as_posix()
    except ValueError:
        return path.name


def _items(book: Book):
    """(file name, model object, its source path, field list, schema, handout?) for every source file."""
    for spot in book.spots:
        yield _rel(book, spot.source), spot, SPOT_FIELDS, SpotMeta, True
    for section in [*book.front, *book.back]:
        if isinstance(section, Section):
            yield _rel(book, section.source), section, SECTION_FIELDS, Section, False


def _walk(book: Book):
    """Every translatable text of a loaded book, with a way to put its translation back.

    Yields (Text, put) where put(translation) stores the translation in BOOK (and bodies are
    rewritten by the caller from the collected block translations)."""
    lines = _front_lines(book.root / "book.yaml")
    meta = book.meta
    for path, owner, name, index, _ in _field_texts(meta, BOOK_FIELDS):
        text = _get(owner, name, index)
        yield (Text(f"book.yaml {path}", _norm(text), _line_of(lines, text),
                    _description(BookMeta, name), False),
               lambda s, o=owner, n=name, i=index: _set(o, n, i, s))
    for file, item, fields, model, handout in _items(book):
        lines = _front_lines(item.source)
        for path, owner, name, index, label in _field_texts(item, fields):
            text = _get(owner, name, index)
            desc = FreeZone.model_fields["label"].description if label else _description(model, path.split(" ")[0])
            yield (Text(f"{file} {path}", _norm(text), _line_of(lines, text), desc or "", handout),
                   lambda s, o=owner, n=name, i=index: _set(o, n, i, s))
        offset = _body_offset(lines)
        for n, (start, _, text) in enumerate(blocks(item.body)):
            yield (Text(f"{file} ¶{n + 1}", text, offset + start + 1, "", False),
                   ("block", item, n))


def extract(book: Book) -> list[Text]:
    problems: list[Problem] = []
    texts = [t for t, _ in _walk(book)] + list(_catalogue_texts(book.root, problems))
    if problems:
        raise SourceError(problems)
    return [t for t in texts if t.msgid]


# ------------------------------------------------------------------ catalogues


def catalogue_path(chapters: Path, language: str, practice_folder: Optional[Path] = None) -> Path:
    """The catalogue of LANGUAGE: the practice's own locales/LANG.po if it brings one, else chapters/locales/."""
    lang = language.split("-")[0]
    if practice_folder is not None:
        own = practice_folder / LOCALES / f"{lang}.po"
        if os.path.lexists(own):
            return own
    return chapters / LOCALES / f"{lang}.po"


def read_po(path: Path) -> polib.POFile:
    """A catalogue, read only if it is a regular file inside the folder that holds its locales/ (the
    chapters folder or the practice's); given to polib as text, never as a path."""
    from .sources import read_file

    problems: list[Problem] = []
    raw = read_file(path, path.parent.parent.resolve(), problems, folder="folder holding its locales/")
    if raw is None:
        raise SourceError(problems)
    try:
        return polib.pofile("\n" + raw.decode("utf-8"), encoding="utf-8")
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise SourceError([Problem(display(path), "", f"not a readable gettext catalogue: {e}")]) from None


def _key(ctx: str, msgid: str) -> str:
    return f"{ctx}\x04{msgid}"


def update(book: Book, language: str) -> tuple[Path, dict[str, int]]:
    """Extract the book's texts into chapters/locales/LANGUAGE.po, merging with what is there.

    Returns the catalogue's path and its counts. Running it again without source changes leaves the
    file byte for byte as it was."""
    lang = language.split("-")[0]
    path = book.root / LOCALES / f"{lang}.po"
    old = read_po(path) if path.exists() else polib.POFile()
    texts = extract(book)
    live = [e for e in old if not e.obsolete]
    exact = {_key(e.msgctxt or "", e.msgid): e for e in live}
    by_ctx = {e.msgctxt: e for e in live}
    by_file_id: dict[tuple[str, str], polib.POEntry] = {}
    by_id: dict[str, polib.POEntry] = {}
    for e in live:
        if e.msgstr:
            by_file_id.setdefault(((e.msgctxt or "").split(" ", 1)[0], e.msgid), e)
            by_id.setdefault(e.msgid, e)

    new = polib.POFile(wrapwidth=78)
    new.metadata = old.metadata or {
        "Project-Id-Version": book.meta.title,
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    new.header = old.header or f"Translation of {book.meta.title} into {lang}. Translate msgstr; keep [@key], [^n] and (spot:N) as they are."
    used: set[int] = set()
    for t in texts:
        entry = polib.POEntry(msgctxt=t.ctx, msgid=t.msgid, msgstr="",
                              occurrences=[(f"{t.file}", str(t.line))], comment=t.comment or None)
        prev = exact.get(_key(t.ctx, t.msgid))
        if prev is not None:
            entry.msgstr, entry.flags, entry.previous_msgid = prev.msgstr, list(prev.flags), prev.previous_msgid
        elif (prev := by_file_id.get((t.file, t.msgid))) is not None:
            # The same English moved within its file: the translation still holds.
            entry.msgstr, entry.flags = prev.msgstr, list(prev.flags)
        elif (prev := by_ctx.get(t.ctx)) is not None and prev.msgstr:
            # Its English changed: keep the translation for the translator to check.
            entry.msgstr, entry.flags = prev.msgstr, ["fuzzy"]
            entry.previous_msgid = prev.previous_msgid if "fuzzy" in prev.flags and prev.previous_msgid else prev.msgid
        elif (prev := by_id.get(t.msgid)) is not None:
            entry.msgstr, entry.flags = prev.msgstr, ["fuzzy"]
        if prev is not None and entry.msgstr:
            used.add(id(prev))
        if "fuzzy" not in entry.flags:
            entry.previous_msgid = None
        new.append(entry)
    current = {_key(t.ctx, t.msgid) for t in texts}
    seen_obsolete = set()
    for e in [*live, *(e for e in old if e.obsolete)]:
        key = _key(e.msgctxt or "", e.msgid)
        if key in current or key in seen_obsolete or not e.msgstr or (id(e) in used and not e.obsolete):
            continue
        seen_obsolete.add(key)
        gone = polib.POEntry(msgctxt=e.msgctxt, msgid=e.msgid, msgstr=e.msgstr, flags=list(e.flags), obsolete=True)
        new.append(gone)
    text = str(new)
    if not text.endswith("\n"):
        text += "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        from .output import write_bytes

        write_bytes(path, text.encode("utf-8"))
    return path, counts(new)


def counts(po: polib.POFile) -> dict[str, int]:
    live = [e for e in po if not e.obsolete]
    fuzzy = sum(1 for e in live if "fuzzy" in e.flags)
    untranslated = sum(1 for e in live if not e.msgstr)
    return {"texts": len(live), "translated": len(live) - fuzzy - untranslated, "fuzzy": fuzzy,
            "untranslated": untranslated, "obsolete": sum(1 for e in po if e.obsolete)}


# ------------------------------------------------------------------ applying a catalogue


def translate(book: Book, language: str, practice_folder: Optional[Path] = None) -> Book:
    """A copy of BOOK in LANGUAGE, from its catalogue. Texts without a finished translation stay
    English and are listed in the copy's ``translation``; a missing catalogue leaves everything English."""
    path = catalogue_path(book.root, language, practice_folder)
    done: dict[str, str] = {}
    fuzzy: set[str] = set()
    if os.path.lexists(path):
        for e in read_po(path):
            if e.obsolete or not e.msgstr:
                continue
            key = _key(e.msgctxt or "", e.msgid)
            if "fuzzy" in e.flags:
                fuzzy.add(key)
            else:
                done[key] = typography.text(e.msgstr.strip(), language)
    copy = book.model_copy(deep=True)
    copy.meta.language = language
    missing: list[tuple[str, str, bool]] = []
    bodies: dict[int, tuple[Any, dict[int, str]]] = {}
    problems: list[Problem] = []
    walked = list(_walk(copy))
    catalogue_texts = [(t, None) for t in _catalogue_texts(book.root, problems)]
    for text, put in [*walked, *catalogue_texts]:
        if not text.msgid:
            continue
        key = _key(text.ctx, text.msgid)
        if key in done:
            if isinstance(put, tuple):
                _, item, n = put
                bodies.setdefault(id(item), (item, {}))[1][n] = done[key]
            elif put is not None:
                put(done[key])
        else:
            missing.append((text.ctx, "fuzzy" if key in fuzzy else "untranslated", text.handout))
    for item, translations in bodies.values():
        before = _shape(item.body)
        item.body = replace_blocks(item.body, translations)
        problems += _body_problems(book, item, before, path)
    if problems:
        raise SourceError(problems)
    copy.translation = Translation(language=language, catalogue=path, exists=path.is_file(), done=done,
                                   missing=missing)
    # The safety catalogue, and each spot's red flags taken from it, in the same language.
    copy.cautions = type(book.cautions).model_validate(data(copy, "cautions.yaml", book.cautions.model_dump()))
    for spot in copy.spots:
        spot.red_flags = [flag for a in dict.fromkeys(spot.caution_areas) for flag in copy.cautions.areas.get(a, [])]
    return copy


def _shape(body: str) -> list[str]:
    return [t.type for t in _md.parse(body) if t.block and not t.type.startswith("footnote")]


def _body_problems(book: Book, item, before: list[str], catalogue: Path) -> list[Problem]:
    """A translated body must keep the English one's blocks, footnotes, citations and spot links."""
    from .sources import CITATION, SPOT_LINK, check_markdown, citation_keys

    file = _rel(book, item.source)
    found: list[Problem] = []
    check_markdown(item.source, item.body, found)
    problems = [Problem(display(catalogue), f"{file} {p.field}", p.message) for p in found]
    if not problems and _shape(item.body) != before:  # (a lost footnote call also drops its note's blocks)
        problems.append(Problem(display(catalogue), file, "a translation changes the Markdown structure (it must "
                                "not start a heading, list or new paragraph); keep each block one paragraph"))
    for key in citation_keys(item.body):
        if key not in book.references:
            problems.append(Problem(display(catalogue), f"{file} [@{key}]", "unknown reference key (keep [@key] as in the English)"))
    numbers = {str(s.number) for s in book.spots}
    for target in SPOT_LINK.findall(item.body):
        if target not in numbers:
            problems.append(Problem(display(catalogue), f"{file} (spot:{target})", "link to a spot that does not exist"))
    return problems


_warned: set[tuple[str, int]] = set()


def require(book: Book, spots: Optional[list[Spot]] = None, allow: bool = False) -> int:
    """Refuse texts left English in what is being built: the whole book (SPOTS None) or the handouts
    of SPOTS (their front matter and the catalogues handouts show). With ALLOW, warn instead.
    Returns how many texts are left English."""
    tr = book.translation
    if tr is None:
        return 0
    if spots is None:
        missing = tr.missing
    else:
        files = {_rel(book, s.source) for s in spots}
        missing = [m for m in tr.missing if m[2] and (m[0].split(" ", 1)[0] in files or m[0].split(" ", 1)[0].endswith(".yaml"))]
    if not missing:
        return 0
    name = display(tr.catalogue)
    if not tr.exists:
        summary = f"no catalogue for {tr.language!r}; {len(missing)} texts have no translation " \
                  f"(make_book.py translations update {tr.language} starts one)"
    else:
        untranslated = sum(1 for m in missing if m[1] == "untranslated")
        fuzzy = len(missing) - untranslated
        summary = f"{untranslated} untranslated, {fuzzy} fuzzy, e.g. {', '.join(m[0] for m in missing[:3])}"
    if not allow:
        raise SourceError([Problem(name, "", summary + "; translate them, or build with --allow-untranslated")])
    if (name, len(missing)) not in _warned:
        _warned.add((name, len(missing)))
        log.warning("warning: %s: %d texts left in English (%s)", name, len(missing), summary)
    return len(missing)
