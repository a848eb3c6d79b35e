"""Typography per language, from one table: quotation marks and the spaces some languages put
around punctuation.

``text`` fixes a translated string (quotes and spaces); ``html`` fixes the spaces in a rendered
document's text, where labels and template punctuation meet ("Côté : droit"), respecting every
element's ``lang``. Hyphenation needs no rule here: WeasyPrint hyphenates by each element's
``lang`` with pyphen's dictionaries (see ``hyphenates``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pyphen

NNBSP = "\u202f"  # narrow no-break space
NBSP = "\u00a0"


@dataclass(frozen=True)
class Rules:
    quotes: tuple[str, str, str, str]  # primary open, close, secondary open, close
    space_before: str = ""  # punctuation preceded by a narrow no-break space
    space_inside_quotes: bool = False  # a narrow no-break space inside the primary quotes
    apostrophe: str = "\u2019"
    hyphenate: bool = False  # long compounds: hyphenate every output's text, handouts too


RULES = {
    "en": Rules(("\u201c", "\u201d", "\u2018", "\u2019")),
    "fr": Rules(("\u00ab", "\u00bb", "\u201c", "\u201d"), space_before=":;!?", space_inside_quotes=True),
    "de": Rules(("\u201e", "\u201c", "\u201a", "\u2018"), hyphenate=True),
    "nl": Rules(("\u201c", "\u201d", "\u2018", "\u2019"), hyphenate=True),
    "es": Rules(("\u00ab", "\u00bb", "\u201c", "\u201d")),
    "it": Rules(("\u00ab", "\u00bb", "\u201c", "\u201d")),
}


def rules(language: str) -> Rules:
    return RULES.get(language.split("-")[0], RULES["en"])


def hyphenates(language: str) -> bool:
    """Whether pyphen (WeasyPrint's hyphenation) has a dictionary for the language."""
    return pyphen.language_fallback(language.replace("-", "_")) is not None


def css(language: str) -> str:
    """The language's CSS: hyphenation where its compounds need it (pyphen has the dictionary)."""
    r, out = rules(language), ""
    if r.hyphenate and hyphenates(language):
        out += "body { hyphens: auto; hyphenate-limit-chars: 7 3 3; }\nh1, h2, h3 { hyphens: manual; }\n"
    return out


_DOUBLE = re.compile(r'"([^"\n]*)"')
_SINGLE_APOS = re.compile(r"(?<=\w)'(?=\w)")
_SPACE = "[ \u00a0\u202f]"


def spacing(s: str, r: Rules) -> str:
    """The language's spaces before punctuation and inside quotes (idempotent)."""
    if r.space_before:
        s = re.sub(rf"(?<=[^\s(\[]){_SPACE}?([{re.escape(r.space_before)}])(?=\s|$|[\"\u00bb)\]<])", NNBSP + r"\1", s)
    if r.space_inside_quotes:
        o, c = r.quotes[0], r.quotes[1]
        s = re.sub(rf"{re.escape(o)}{_SPACE}*", o + NNBSP, s)
        s = re.sub(rf"{_SPACE}*{re.escape(c)}", NNBSP + c, s)
    return s


def text(s: str, language: str) -> str:
    """A translated string with the language's quotes, apostrophe and spaces."""
    r = rules(language)
    s = _DOUBLE.sub(lambda m: r.quotes[0] + m.group(1) + r.quotes[1], s)
    s = _SINGLE_APOS.sub(r.apostrophe, s)
    return spacing(s, r)


_TAG = re.compile(r"(<[^>]*>)")
_LANG = re.compile(r"""\slang=["']([^"']+)["']""")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_RAW = {"style", "script"}


def html(doc: str, default: str) -> str:
    """Fix the spaces in the text of an HTML/XHTML document, following each element's ``lang``."""
    if not any(rules(lang).space_before or rules(lang).space_inside_quotes for lang in _languages(doc, default)):
        return doc
    out, stack = [], [("", default)]
    for piece in _TAG.split(doc):
        if piece.startswith("<") and piece.endswith(">"):
            out.append(piece)
            m = re.match(r"<(/?)([A-Za-z][\w:-]*)", piece)
            if not m:
                continue
            closing, name = m.group(1), m.group(2).lower()
            if closing:
                while len(stack) > 1:
                    if stack.pop()[0] == name:
                        break
            elif name not in _VOID and not piece.endswith("/>"):
                lang = _LANG.search(piece)
                stack.append((name, lang.group(1) if lang else stack[-1][1]))
        elif piece and stack[-1][0] not in _RAW:
            out.append(spacing(piece, rules(stack[-1][1])))
        else:
            out.append(piece)
    return "".join(out)


def _languages(doc: str, default: str) -> set[str]:
    return {default, *_LANG.findall(doc)}
