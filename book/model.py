"""The one schema of everything a source file may say.

Every key a chapter's front matter, ``book.yaml``, ``references.yaml`` or a
practice's ``practice.yaml`` may hold is declared here, with its default and a
short description. Unknown keys are errors, so a typo never passes silently.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from . import pictures
from .options import calendar_date

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Side = Literal["left", "right", "both"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)


# --------------------------------------------------------------------------- references


class Reference(Strict):
    """One cited work (``chapters/references.yaml`` maps a key to one of these)."""

    authors: list[str] = Field(min_length=1, description="Authors as 'Surname AB'; 'et al.' may end the list.")
    title: str = Field(description="Title of the article.")
    journal: str = Field(description="Journal abbreviation as in PubMed.")
    year: int = Field(ge=1800, le=2100, description="Year of publication.")
    volume: Optional[str] = Field(None, description="Volume and issue, e.g. '24(5)'.")
    pages: Optional[str] = Field(None, description="Page range or article number.")
    pubmed: Optional[int] = Field(None, description="PubMed identifier (PMID).")
    language: str = Field("en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$",
                          description="Language of the title (BCP 47), for its hyphenation and typography in any edition.")


# --------------------------------------------------------------------------- safety


class Cautions(Strict):
    """``chapters/cautions.yaml``: the safety advice every handout carries, each item written once."""

    general: list[str] = Field(
        min_length=1, description="Stop-signs printed on every handout under 'Stop and get advice if you have:'; "
        "each a condition, e.g. 'Numbness, tingling or weakness.'")
    candour: str = Field(
        description="One plain line on every handout saying what is and is not known, e.g. that the science of "
        "trigger points is still debated and this is self-care, not a proven treatment.")
    areas: dict[str, list[str]] = Field(
        default_factory=dict, description="Red flags by body area: a name (e.g. 'back-buttock', the name spots list "
        "in `caution_areas`) and its warning signs, each a full plain sentence that says what to do.")

    @field_validator("areas")
    @classmethod
    def _area_names(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        for key in v:
            if not re.match(SLUG, key):
                raise ValueError(f"area names use lower-case letters, digits and '-', got {key!r}")
            if not v[key]:
                raise ValueError(f"area '{key}' lists no red flags")
        return v


# --------------------------------------------------------------------------- spots


class Location(Strict):
    """Where the trigger point is."""

    view: str = Field(description="Body view the marker is drawn on: front, back, side, head or sole.")
    marker: Union[str, tuple[float, float]] = Field(
        description="A landmark name of that view (see `make_book.py regions`), or [x, y] in percent "
        "of the view's width and height, for the body's right side."
    )
    description: str = Field(description="Where it is, in plain words, one or two sentences.")
    find: list[str] = Field(min_length=1, description="Plain steps to find the spot with your hand.")


class FreeZone(Strict):
    """A pain area that no region name describes, drawn as a smooth closed shape."""

    points: list[tuple[float, float]] = Field(
        min_length=3, description="[x, y] corners in percent of the view's width and height, for the body's right side.")
    label: str = Field(description="The area in plain words, for the figure's text alternative, e.g. 'the inner ankle'.")
    view: Optional[str] = Field(None, description="The body view the shape is drawn on, when not the marker's view "
                                "(the figure then shows both views side by side).")


Zone = Union[str, FreeZone]


class Referral(Strict):
    """Where the trigger point's pain is felt."""

    essential: list[Zone] = Field(
        min_length=1, description="Region names where pain is usually felt (solid red), or a free shape {points, label}. "
        "A name may be 'VIEW:region' for a region of another view, e.g. 'front:front-of-shoulder'.")
    spillover: list[Zone] = Field(
        default_factory=list, description="Region names where pain is sometimes felt (stippled), or free shapes.")
    description: str = Field(description="Where it hurts, in plain words.")


class PressPicture(Strict):
    """One how-to-press picture: a pictogram of the position, the tool at the spot and an arrow for the push.
    Names are checked against book/pictures; `make_book.py figure SPOT --press` previews it."""

    pose: str = Field(description="Body position: " + ", ".join(pictures.POSES) + ".")
    tool: str = Field(description="What presses: " + ", ".join(pictures.TOOLS) + ".")
    at: str = Field(description="Where the tool touches the body: " + ", ".join(pictures.PLACES) + ".")
    against: Optional[str] = Field(None, description="What a ball is pressed against, or what holds the body "
                                   "still under a hand: " + ", ".join(pictures.AGAINST) + ".")
    push: str = Field(description="The arrow: weight (sink onto the tool), lean (into a wall), in, in-and-up or "
                      "in-and-down (a hand pressing; up is toward the head).")
    roll: Optional[str] = Field(None, description="A short second arrow for 'move 2 or 3 cm and press again': "
                                "along or across the body part.")

    @field_validator("pose", "tool", "at", "against", "push", "roll")
    @classmethod
    def _name(cls, v: Optional[str], info) -> Optional[str]:
        problem = pictures.unknown(info.field_name, v)
        if problem:
            raise ValueError(problem)
        return v

    @model_validator(mode="after")
    def _fits(self) -> "PressPicture":
        found = pictures.problems(self.pose, self.tool, self.at, self.against, self.push, self.roll)
        if found:
            raise ValueError("; ".join(f"{f}: {m}" for f, m in found))
        return self


class Press(Strict):
    """How to press the spot: the client's self-treatment method."""

    tools: list[str] = Field(min_length=1, description="What to press with, e.g. 'your thumb', 'a tennis ball'.")
    position: str = Field(description="Body position, e.g. 'Lie on your back with knees bent.'")
    steps: list[str] = Field(min_length=1, description="Numbered steps, short, second person.")
    pressure: tuple[int, int] = Field(description="How hard, as a range on a 0-10 scale, e.g. [4, 6].")
    hold_seconds: tuple[int, int] = Field(description="How long to hold each press, in seconds, e.g. [30, 90].")
    rounds: int = Field(2, ge=1, le=10, description="Presses per session.")
    times_per_day: int = Field(1, ge=1, le=6, description="Sessions a day.")
    picture: list[PressPicture] = Field(default_factory=list, max_length=2, description=(
        "How-to-press pictures drawn from data: one, or two (e.g. find, then press; or a second position). "
        "Empty: no picture."))

    @field_validator("pressure", "hold_seconds")
    @classmethod
    def _range(cls, v: tuple[int, int]) -> tuple[int, int]:
        if v[0] > v[1]:
            raise ValueError(f"first number must not exceed the second, got {list(v)}")
        return v

    @field_validator("pressure")
    @classmethod
    def _scale(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not (0 <= v[0] <= 10 and 0 <= v[1] <= 10):
            raise ValueError(f"must be on the 0-10 scale, got {list(v)}")
        return v

    @field_validator("hold_seconds")
    @classmethod
    def _seconds(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not (5 <= v[0] and v[1] <= 300):
            raise ValueError(f"must be between 5 and 300 seconds, got {list(v)}")
        return v


class SpotMeta(Strict):
    """The YAML front matter of one spot chapter (``chapters/spots/NN-slug.md``)."""

    number: int = Field(ge=1, le=99, description="Spot number: its place in the book and on the map, unique.")
    slug: str = Field(pattern=SLUG, description="Short id used in file names and links, e.g. 'quads'.")
    title: str = Field(description="Chapter title, e.g. 'The lower outer thigh'.")
    plain_name: str = Field(description="The spot's name in plain words for clients, e.g. 'Outer thigh above the knee'.")
    helps: str = Field(description="What it helps, in plain words, for the handout's first line.")
    pain_areas: list[str] = Field(min_length=1, description="Where people feel the pain, for the 'where does it hurt?' finder.")
    conditions: list[str] = Field(default_factory=list, description="Conditions it may play a part in.")
    muscles: list[str] = Field(min_length=1, description="Muscles involved; the first is the main one.")
    summary: str = Field(description="Two or three plain sentences for clients (reading grade 8 or lower).")
    location: Location = Field(description="Where the trigger point is.")
    referral: Referral = Field(description="Where its pain is felt.")
    press: Press = Field(description="How to press it.")
    tips: list[str] = Field(
        default_factory=list, description="How to take care with this spot, printed under 'Take care', e.g. "
        "'Keep the ball on muscle, off the bone.' Full, plain sentences.")
    cautions: list[str] = Field(
        default_factory=list, description="This spot's own reasons to stop, printed after the general stop-signs "
        "under 'Stop and get advice if you have:'; each a condition, e.g. 'A pulse under your fingers.'")
    caution_areas: list[str] = Field(
        default_factory=list, description="Body areas whose red flags (chapters/cautions.yaml, `areas`) this spot's "
        "handout carries, e.g. [back-buttock, ball-floor-wall].")
    references: list[str] = Field(default_factory=list, description="Keys in references.yaml the chapter relies on.")
    see_also: list[int] = Field(default_factory=list, description="Numbers of related spots.")


class Spot(SpotMeta):
    """A spot chapter as loaded: front matter plus prose."""

    source: Path
    body: str = ""
    red_flags: list[str] = Field(
        default_factory=list, description="The red flags of the spot's `caution_areas`, in order; filled by the loader "
        "from chapters/cautions.yaml.")


# --------------------------------------------------------------------------- other sections


class SectionMeta(Strict):
    """Front matter of a front- or back-matter Markdown file."""

    title: str = Field(description="Section heading.")
    kind: Literal["chapter", "preface", "introduction", "foreword", "prologue", "epilogue", "conclusion",
                  "afterword", "glossary", "appendix", "colophon", "acknowledgments"] = Field(
        "chapter", description="Its role in the book, used as its epub:type and ARIA role.")


class Section(SectionMeta):
    slug: str
    source: Path
    body: str = ""


GENERATED = ("map", "finder", "references")


class BookMeta(Strict):
    """``chapters/book.yaml``: the book's metadata and the order of its parts."""

    title: str = Field(description="The book's title, on the cover, the title page and in the metadata.")
    subtitle: Optional[str] = Field(None, description="Printed under the title. `{{ spot_count_words }}` (e.g. "
                                    "'fifteen'), `{{ Spot_count_words }}` ('Fifteen') and `{{ spot_count }}` ('15') "
                                    "are replaced by the number of spot chapters.")
    author: str = Field(description="Author or authors, as printed on the cover.")
    language: str = Field("en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$", description="BCP 47 language tag.")
    identifier: str = Field(description="A stable unique id, e.g. 'urn:uuid:...'; never changes between editions.")
    publisher: Optional[str] = Field(None, description="Publisher's name, on the cover and the copyright page.")
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Publication date, YYYY-MM-DD, 1900 or later.")
    edition: str = Field("First edition", description="Edition statement on the copyright page, e.g. 'Second edition'.")
    isbn: Optional[str] = Field(None, description="ISBN-10 or ISBN-13 of this edition, with or without hyphens; "
                                "printed on the copyright page when set.")
    rights: str = Field("All rights reserved.", description="Copyright line.")
    description: str = Field(description="One-paragraph blurb for stores and the metadata; the spot-count "
                             "variables of `subtitle` work here too.")
    subject: list[str] = Field(default_factory=list, description="Subject keywords.")
    front_matter: list[str] = Field(default_factory=list, description="Files under chapters/, in order, or a generated section.")
    spots: list[str] = Field(default_factory=list, description="Spot files in order; empty means all of chapters/spots/ by number.")
    back_matter: list[str] = Field(default_factory=list, description="Files or generated sections: " + ", ".join(GENERATED) + ".")

    @field_validator("date")
    @classmethod
    def _date(cls, v: str) -> str:
        calendar_date(v)
        return v

    @field_validator("isbn")
    @classmethod
    def _isbn(cls, v: Optional[str]) -> Optional[str]:
        if v is None:
            return v
        digits = re.sub(r"[\s-]", "", v).upper()
        if re.fullmatch(r"\d{13}", digits):
            ok = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits)) % 10 == 0
        elif re.fullmatch(r"\d{9}[\dX]", digits):
            ok = sum((10 - i) * (10 if d == "X" else int(d)) for i, d in enumerate(digits)) % 11 == 0
        else:
            raise ValueError(f"must be 10 or 13 digits (hyphens allowed), got {v!r}")
        if not ok:
            raise ValueError(f"check digit does not match: {v!r} is not a valid ISBN")
        return v


class Translation(Strict):
    """How a loaded Book was translated (set by book/translate.py, never written in a source)."""

    language: str = Field(description="The language the book was translated into.")
    catalogue: Path = Field(description="The gettext catalogue used (it may not exist yet).")
    exists: bool = Field(description="Whether that catalogue exists.")
    done: dict[str, str] = Field(default_factory=dict, description="'msgctxt\\x04msgid' -> finished translation.")
    missing: list[tuple[str, str, bool]] = Field(
        default_factory=list, description="Texts left in English: (msgctxt, 'untranslated' or 'fuzzy', shown on handouts).")


class Book(Strict):
    """Everything the renderers need, loaded and cross-checked."""

    meta: BookMeta
    front: list[Union[Section, str]]
    spots: list[Spot]
    back: list[Union[Section, str]]
    references: dict[str, Reference]
    cautions: Cautions
    root: Path
    translation: Optional[Translation] = Field(None, description="Set when the book was translated from its sources' language.")

    def spot(self, key: Union[int, str]) -> Spot:
        for s in self.spots:
            if str(s.number) == str(key) or s.slug == key:
                return s
        raise KeyError(key)


# --------------------------------------------------------------------------- practices


class Colors(Strict):
    """Brand colours, any CSS colour (#hex, rgb(), a colour name)."""

    primary: str = Field("#1f4e79", description="Headings, rules and the title band.")
    accent: str = Field("#b5452b", description="Highlights: the dose box, numbers, links.")
    text: str = Field("#1a1a1a", description="Body text; keep it dark for contrast.")
    marker: str = Field("#000000", description="The trigger point's X on the figures.")
    essential: str = Field("#d62828", description="The main pain zone on the figures.")
    spillover: str = Field("#d62828", description="The 'may also hurt' stipple on the figures.")


class Fonts(Strict):
    """Font families in order of preference. Every family listed must be installed (fc-list shows it):
    a missing font is an error, never a silent fallback."""

    body: list[str] = Field(default_factory=lambda: ["Noto Sans", "DejaVu Sans"], min_length=1,
                            description="Body text families, first choice first.")
    headings: list[str] = Field(default_factory=lambda: ["Noto Sans", "DejaVu Sans"], min_length=1,
                                description="Heading families, first choice first.")


class Contact(Strict):
    """How clients reach the practice; every line is optional."""

    address: Optional[str] = Field(None, max_length=100, description="Printed in the handout's footer.")
    phone: Optional[str] = Field(None, max_length=40, description="Telephone number, as it should be printed.")
    email: Optional[str] = Field(None, max_length=60, description="E-mail address.")
    website: Optional[str] = Field(None, max_length=60, description="Web address, printed as written.")


class Practice(Strict):
    """A practice profile, ``styles/practices/NAME/practice.yaml``. State only what differs from these defaults."""

    name: str = Field("Trigger Point Self-Care", min_length=1, max_length=60,
                      description="Display name printed on every output; at most 60 characters, so it fits the header.")
    logo: Optional[str] = Field(None, max_length=200, description="Logo file (SVG or PNG) inside the profile folder.")
    show_name: bool = Field(True, description="Print the name beside the logo on handouts; false when the logo "
                            "already carries the name (without a logo the name is always printed).")
    colors: Colors = Field(default_factory=Colors, description="Brand colours.")
    fonts: Fonts = Field(default_factory=Fonts, description="Font families; every one must be installed.")
    paper: Literal["a4", "letter"] = Field("a4", description="Paper size of the handouts.")
    book_paper: Literal["6x9", "a5", "a4", "letter"] = Field(
        "6x9", description="Page size of the PDF book: '6x9' (6 x 9 in, a trade paperback) or 'a5' read best; "
        "'a4' and 'letter' print on office paper, with wider margins to keep lines short.")
    language: str = Field("en", description="Language of everything the practice makes: the content comes from the "
                          "gettext catalogue chapters/locales/LANG.po (or the profile's own locales/LANG.po), the labels "
                          "from book/locales/LANG.yaml (or the profile's own labels/LANG.yaml).")
    contact: Contact = Field(default_factory=Contact, description="How clients reach the practice.")
    qr_url: Optional[str] = Field(None, description="Booking or video page; printed as a QR code on handouts.")
    therapists: list[str] = Field(default_factory=list, description="Therapists' names, for the book's 'presented by' page.")
    disclaimer: Optional[str] = Field(None, max_length=260,
                                      description="Disclaimer footer; the language catalogue's text if unset.")
    footer: Optional[str] = Field(None, max_length=100, description="A short extra footer line, e.g. opening hours.")

    @field_validator("qr_url")
    @classmethod
    def _url(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"must be an http(s) URL, got {v!r}")
        return v
