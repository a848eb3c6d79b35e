"""Practice profiles: read ``practice.yaml``, check it, and layer its style over the base.

A profile is a folder: ``practice.yaml``, its assets (logo) and an optional
``extra.css``. ``--practice`` takes a folder name under styles/practices/ or a
path to a profile folder anywhere.
"""
from __future__ import annotations

import base64
import functools
import io
import os
import re
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import tinycss2.color4
import yaml

from . import typography
from .errors import Problem, SourceError, display, echo
from .model import Practice
from .sources import MAX_NAME, decode, read_file, read_yaml, validate

PROJECT = Path(__file__).resolve().parent.parent
STYLES = PROJECT / "styles"
LOCALES = Path(__file__).resolve().parent / "locales"
GENERIC_FAMILIES = {"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"}
DEFAULT_PRACTICE = "default"
PAPER_SIZES = {"a4": "A4", "letter": "letter"}
PAGE_HEIGHTS_MM = {"6x9": 228.6, "a5": 210, "a4": 297, "letter": 279.4}
# Book trim sizes: CSS page size; top, outer, bottom and inner margins in mm; body text in pt.
# Each text block is about 118-128 mm wide, 60-75 characters of the body font a line.
TRIMS = {
    "6x9": ("6in 9in", 17, 15, 20, 19, 10.5),
    "a5": ("A5", 16, 13, 19, 17, 10.5),
    "a4": ("A4", 24, 36, 28, 38, 11.5),
    "letter": ("letter", 22, 38, 26, 40, 11.5),
}


MAX_LOGO_BYTES = 1_000_000
MAX_LOGO_PIXELS = 4096  # a side, in pixels
MAX_CSS_BYTES = 256_000
SVG_NS = "http://www.w3.org/2000/svg"
FOREIGN_NS = {"http://www.w3.org/1999/xhtml", "http://www.w3.org/2001/XInclude"}
SVG_REFUSED = {"script", "foreignObject", "iframe", "embed", "object", "handler", "listener", "audio", "video"}
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)|@import|javascript:|vbscript:", re.I)


@dataclass
class Profile:
    """A loaded practice: its settings, its folder and its label catalogue, and the checked bytes of its
    logo and extra.css, read once when the profile loads. Nothing else in the folder is ever read."""

    practice: Practice
    folder: Path
    labels: dict
    logo: Optional[bytes] = None  # a checked SVG or PNG
    extra_css: Optional[str] = None

    @property
    def logo_type(self) -> Optional[str]:
        if not self.logo:
            return None
        return "image/png" if self.logo.startswith(b"\x89PNG") else "image/svg+xml"

    @property
    def logo_uri(self) -> Optional[str]:
        """The logo as a data: URI, so layout never opens the logo file itself."""
        return f"data:{self.logo_type};base64,{base64.b64encode(self.logo).decode()}" if self.logo else None

    def css(self, paper: Optional[str] = None, kind: str = "handout") -> str:
        """The practice's layer: custom properties over the base stylesheet, and the page size.

        For the book (KIND "book") PAPER is a trim size of ``TRIMS``: the page size, mirrored margins
        that keep lines at 60-75 characters, and the body text size."""
        p = self.practice
        fam = lambda names: ", ".join(f'"{n}"' if n not in GENERIC_FAMILIES else n for n in names) + ", sans-serif"
        root = (
            ":root {\n"
            f"  --primary: {p.colors.primary};\n  --accent: {p.colors.accent};\n  --text: {p.colors.text};\n"
            f"  --font-body: {fam(p.fonts.body)};\n  --font-headings: {fam(p.fonts.headings)};\n"
            "}\n"
        )
        if kind == "book":
            size, top, outer, bottom, inner, body = TRIMS[paper or p.book_paper]
            height = PAGE_HEIGHTS_MM[paper or p.book_paper] - top - bottom
            return (root + f":root {{ --text-height: {height:.1f}mm; }}\nhtml {{ font-size: {body}pt; }}\n"
                    f"@page {{ size: {size}; margin: {top}mm {outer}mm {bottom}mm {inner}mm; }}\n"
                    f"@page :left {{ margin: {top}mm {inner}mm {bottom}mm {outer}mm; }}\n" + typography.css(p.language))
        return root + f"@page {{ size: {PAPER_SIZES[paper or p.paper]}; }}\n" + typography.css(p.language)

    @property
    def figure_colors(self) -> dict[str, str]:
        c = self.practice.colors
        return {"marker": c.marker, "essential": c.essential, "spillover": c.spillover}


def rgb(value: str) -> Optional[tuple[int, int, int]]:
    """An opaque CSS colour as 0-255 sRGB, or None when it is not one (or cannot be drawn on the cover)."""
    color = tinycss2.color4.parse_color(value)
    if color is None or isinstance(color, str) or color.alpha != 1:
        return None
    try:
        coords = color.to("srgb").coordinates
    except NotImplementedError:
        return None
    return tuple(round(min(1, max(0, c)) * 255) for c in coords)


def languages(folder: Optional[Path] = None) -> list[str]:
    """Languages with a label catalogue: the project's, and those a profile folder brings in labels/."""
    own = sorted(p.stem for p in (folder / "labels").glob("*.yaml")) if folder else []
    return sorted({p.stem for p in LOCALES.glob("*.yaml")} | set(own))


_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def label_problems(data, path: Path, english: dict) -> list[Problem]:
    """A label catalogue checked against the English one: every key, no other, placeholders kept."""
    name = display(path)
    if not isinstance(data, dict):
        return [Problem(name, "(top level)", "must map label keys to texts, like book/locales/en.yaml")]
    problems = [Problem(name, key, "missing (every key of book/locales/en.yaml needs a translation)")
                for key in english if key not in data]
    for key, value in data.items():
        if key not in english:
            problems.append(Problem(name, str(key), "unknown label key (not in book/locales/en.yaml)"))
            continue
        want = english[key]
        if isinstance(want, list):
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
                problems.append(Problem(name, key, "must be a list of texts"))
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(Problem(name, key, "must be a text"))
            continue
        if sorted(_PLACEHOLDER.findall(value)) != sorted(_PLACEHOLDER.findall(want)):
            keep = ", ".join("{%s}" % p for p in _PLACEHOLDER.findall(want)) or "none"
            problems.append(Problem(name, key, f"placeholders must be the English ones ({keep}), got {value!r}"))
        elif ("|" in want) != ("|" in value):
            problems.append(Problem(name, key, f"must give singular|plural like the English {want!r}"))
    return problems


def label_file(language: str, folder: Optional[Path] = None) -> Path:
    """The label catalogue of LANGUAGE: the profile's labels/LANG.yaml if it brings one, else book/locales/."""
    lang = language.split("-")[0]
    if folder is not None and os.path.lexists(folder / "labels" / f"{lang}.yaml"):
        return folder / "labels" / f"{lang}.yaml"
    return LOCALES / f"{lang}.yaml"


@functools.lru_cache(maxsize=None)
def _english() -> dict:
    return yaml.safe_load((LOCALES / "en.yaml").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=None)
def _labels(path: Path) -> dict:
    problems: list[Problem] = []
    own = path.parent.name == "labels"  # a profile's labels/LANG.yaml: read only if it stays in its folder
    data = read_yaml(path, problems, root=path.parent.parent.resolve() if own else LOCALES,
                     folder="profile folder" if own else "label catalogues")
    if not problems:
        problems = label_problems(data, path, _english())
    if problems:
        raise SourceError(problems)
    return data


def labels(language: str, folder: Optional[Path] = None) -> dict:
    """The complete, checked label catalogue of LANGUAGE (an incomplete one is an error, not a fallback).
    The key ``language`` says which language the labels are in."""
    found = _labels(label_file(language, folder))
    if language.split("-")[0] != "en":
        found = {k: [typography.text(x, language) for x in v] if isinstance(v, list) else typography.text(v, language)
                 for k, v in found.items()}
    return {**found, "language": language}


@functools.lru_cache(maxsize=None)
def font_installed(family: str) -> bool:
    if family.lower() in GENERIC_FAMILIES:
        return True
    try:
        out = subprocess.run(["fc-list", f":family={family}", "family"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return any(family.lower() in (n.strip().lower() for n in line.split(",")) for line in out.splitlines())


def resolve(name_or_path: Optional[str]) -> Path:
    """A profile folder from a name under styles/practices/ or a path."""
    value = name_or_path or DEFAULT_PRACTICE
    candidate = Path(value)
    if ("/" in value or value.startswith(".")) or (candidate.is_dir() and not (STYLES / "practices" / value).is_dir()):
        return candidate
    return STYLES / "practices" / value


def svg_has_size(root) -> bool:
    """Whether the <svg> gives a drawable size: a viewBox with positive width and height, or both
    width and height as positive lengths."""
    def positive(value: Optional[str]) -> bool:
        m = re.match(r"\s*([0-9]*\.?[0-9]+)", value or "")
        return bool(m) and float(m.group(1)) > 0

    box = (root.get("viewBox") or "").replace(",", " ").split()
    if len(box) == 4 and all(re.fullmatch(r"-?[0-9]*\.?[0-9]+(e-?[0-9]+)?", n) for n in box):
        return float(box[2]) > 0 and float(box[3]) > 0
    return positive(root.get("width")) and positive(root.get("height"))


def svg_problem(data: bytes) -> Optional[str]:
    """What makes an SVG logo unsafe or unusable, or None. Parsed with entities and the network off;
    no DOCTYPE, script, event attribute, foreign object or reference outside the file itself."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        return f"not a readable SVG file ({e.msg})"
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return "an SVG with a DOCTYPE is refused (it can pull in other files); remove the <!DOCTYPE ...> line"
    if etree.QName(root).namespace != SVG_NS or etree.QName(root).localname != "svg":
        return "not an SVG file (its root element is not <svg> in the SVG namespace)"
    if not svg_has_size(root):
        return ("has no size WeasyPrint can draw: give the <svg> a viewBox (e.g. viewBox=\"0 0 240 60\") "
                "or a width and height above zero")
    if any(isinstance(n, etree._ProcessingInstruction) for n in root.itersiblings(preceding=True)):
        return "an SVG with a processing instruction (<?...?>) is refused"
    count = 0
    for node in root.iter():
        count += 1
        if count > 20_000:
            return "too many elements (more than 20000)"
        if isinstance(node, etree._ProcessingInstruction):
            return "an SVG with a processing instruction (<?...?>) is refused"
        if isinstance(node, etree._Entity):
            return f"entity &{node.name}; is refused"
        if not isinstance(node.tag, str):
            continue  # a comment
        name = etree.QName(node)
        if name.localname in SVG_REFUSED or name.namespace in FOREIGN_NS:
            return f"<{name.localname}> is refused: a logo may not hold scripts, media or other documents"
        for key, value in node.attrib.items():
            attr = etree.QName(key).localname
            if attr.lower().startswith("on"):
                return f"event attribute {attr} on <{name.localname}> is refused"
            if attr == "href" and not value.strip().startswith("#"):
                return f"link {echo(value)} on <{name.localname}> is refused: a logo may refer only to its own parts (#id)"
            if _EXTERNAL_URL.search(value):
                return f"{attr} {echo(value)} on <{name.localname}> is refused: a logo may refer only to its own parts"
        if name.localname == "style" and _EXTERNAL_URL.search(node.text or ""):
            return "a <style> that loads other files (url(...), @import) is refused"
    return None


def png_problem(data: bytes) -> Optional[str]:
    """What makes a PNG logo unusable, or None: opened by Pillow under a pixel limit and verified."""
    from PIL import Image

    limit = MAX_LOGO_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != "PNG":
                    return f"not a PNG file (Pillow reads it as {image.format or 'unknown'})"
                width, height = image.size
                if width > limit or height > limit:
                    return f"is {width} x {height} pixels; at most {limit} x {limit}"
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return f"is far too large an image; at most {limit} x {limit} pixels"
    except Exception as e:  # Pillow raises many types for damaged files
        return f"not a readable PNG file ({type(e).__name__}: {e})"
    return None


def read_logo(folder: Path, root: Path, name: str, problems: list[Problem], where: str) -> Optional[bytes]:
    """The logo's bytes when it is a safe SVG or PNG inside the profile folder; else a problem."""
    if len(name) > MAX_NAME:
        problems.append(Problem(where, "logo", f"{echo(name)} is too long for a file name ({len(name)} characters)"))
        return None
    data = read_file(folder / name, root, problems, limit=MAX_LOGO_BYTES, folder="profile folder", file=where,
                     field="logo", name=name)
    if data is None:
        return None
    suffix = Path(name).suffix.lower()
    if suffix not in (".svg", ".png"):
        wrong = f"must be an SVG or PNG file, got {echo(suffix) if suffix else 'no extension'}"
    else:
        wrong = svg_problem(data) if suffix == ".svg" else png_problem(data)
    if wrong:
        problems.append(Problem(where, "logo", f"{echo(name)}: {wrong}"))
        return None
    return data


def load(name_or_path: Optional[str] = None) -> Profile:
    """Load and check a practice profile; raise SourceError naming file and field.

    The folder may hold practice.yaml, the logo it names and extra.css, each a regular file inside
    it; a templates/ folder is refused (a profile changes style, never the code that lays out a page)."""
    folder = resolve(name_or_path)
    path = folder / "practice.yaml"
    if not os.path.lexists(path):
        known = ", ".join(sorted(p.name for p in (STYLES / "practices").iterdir() if (p / "practice.yaml").is_file()))
        raise SourceError([Problem(display(path), "", f"practice profile not found (known practices: {known})")])
    root = folder.resolve()
    problems: list[Problem] = []
    if os.path.lexists(folder / "templates"):
        problems.append(Problem(display(folder / "templates"), "", "a practice may not hold templates: a profile "
                                "changes the style (practice.yaml, extra.css, a logo), not the code that lays out "
                                "a page; remove this folder"))
    extra_css = None
    if os.path.lexists(folder / "extra.css"):
        extra_css = decode(read_file(folder / "extra.css", root, problems, limit=MAX_CSS_BYTES, folder="profile folder"),
                           folder / "extra.css", problems)
    raw = read_yaml(path, problems, root=root, folder="profile folder")
    practice = validate(Practice, raw if raw is not None else ({} if not problems else None), path, problems)
    if practice:
        name = display(path)
        for field in ("primary", "accent", "text", "marker", "essential", "spillover"):
            value = getattr(practice.colors, field)
            if rgb(value) is None:
                problems.append(Problem(name, f"colors.{field}", f"not a CSS colour: {echo(value)} "
                                        "(use an opaque #hex, rgb(), hsl() or colour name)"))
        for field in ("body", "headings"):
            for family in getattr(practice.fonts, field):
                if not font_installed(family):
                    problems.append(Problem(name, f"fonts.{field}", f"font {echo(family)} is not installed (fc-list finds no such family)"))
        logo = read_logo(folder, root, practice.logo, problems, name) if practice.logo else None
        if practice.language.split("-")[0] not in languages(folder):
            problems.append(Problem(name, "language", f"unknown language {echo(practice.language)}: no label catalogue (known: "
                                    f"{', '.join(languages())}; a profile may bring its own labels/LANG.yaml)"))
        elif not known_locale(practice.language):
            problems.append(Problem(name, "language", f"{echo(practice.language)} is not a language code Babel knows"))
        else:
            try:
                found = labels(practice.language, root)
            except SourceError as e:
                problems += e.problems
    if problems:
        raise SourceError(problems)
    return Profile(practice=practice, folder=root, labels=found, logo=logo, extra_css=extra_css)


def known_locale(language: str) -> bool:
    import babel

    try:
        babel.Locale.parse(language.replace("-", "_"))
        return True
    except (ValueError, babel.UnknownLocaleError):
        return False
