"""The one schema of everything a source file may say.

Every key a chapter's front matter, ``book.yaml``, ``references.yaml`` or a
practice's ``practice.yaml`` may hold is declared here, with its default and a
short description. Unknown keys are errors, so a typo never passes silently.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


Zone = Union[str, FreeZone]


class Referral(Strict):
    """Where the trigger point's pain is felt."""

    essential: list[Zone] = Field(
        min_length=1, description="Region names where pain is usually felt (solid red), or a free shape {points, label}.")
    spillover: list[Zone] = Field(
        default_factory=list, description="Region names where pain is sometimes felt (stippled), or free shapes.")
    description: str = Field(description="Where it hurts, in plain words.")


class Press(Strict):
    """How to press the spot: the client's self-treatment method."""

    tools: list[str] = Field(min_length=1, description="What to press with, e.g. 'your thumb', 'a tennis ball'.")
    position: str = Field(description="Body position, e.g. 'Lie on your back with knees bent.'")
    steps: list[str] = Field(min_length=1, description="Numbered steps, short, second person.")
    pressure: tuple[int, int] = Field(description="How hard, as a range on a 0-10 scale, e.g. [4, 6].")
    hold_seconds: tuple[int, int] = Field(description="How long to hold each press, in seconds, e.g. [30, 90].")
    rounds: int = Field(2, ge=1, le=10, description="Presses per session.")
    times_per_day: int = Field(1, ge=1, le=6, description="Sessions a day.")

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

    number: int = Field(ge=1, le=99, description="Spot number, 1-14 for the perfect spots, 15 for the iliacus.")
    slug: str = Field(pattern=SLUG, description="Short id used in file names and links, e.g. 'quads'.")
    title: str = Field(description="Chapter title, e.g. 'The lower outer thigh'.")
    plain_name: str = Field(description="The spot's name in plain words for clients, e.g. 'Outer thigh above the knee'.")
    helps: str = Field(description="What it helps, in plain words, for the handout's first line.")
    pain_areas: list[str] = Field(min_length=1, description="Where people feel the pain, for the 'where does it hurt?' finder.")
    conditions: list[str] = Field(default_factory=list, description="Conditions it may play a part in.")
    muscles: list[str] = Field(min_length=1, description="Muscles involved; the first is the main one.")
    summary: str = Field(description="Two or three plain sentences for clients (reading grade 8 or lower).")
    location: Location
    referral: Referral
    press: Press
    cautions: list[str] = Field(default_factory=list, description="Spot-specific reasons to take care or stop.")
    references: list[str] = Field(default_factory=list, description="Keys in references.yaml the chapter relies on.")
    see_also: list[int] = Field(default_factory=list, description="Numbers of related spots.")


class Spot(SpotMeta):
    """A spot chapter as loaded: front matter plus prose."""

    source: Path
    body: str = ""


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

    title: str
    subtitle: Optional[str] = None
    author: str
    language: str = Field("en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$", description="BCP 47 language tag.")
    identifier: str = Field(description="A stable unique id, e.g. 'urn:uuid:...'; never changes between editions.")
    publisher: Optional[str] = None
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="Publication date, YYYY-MM-DD.")
    rights: str = Field("All rights reserved.", description="Copyright line.")
    description: str = Field(description="One-paragraph blurb for stores and the metadata.")
    subject: list[str] = Field(default_factory=list, description="Subject keywords.")
    front_matter: list[str] = Field(default_factory=list, description="Files under chapters/, in order, or a generated section.")
    spots: list[str] = Field(default_factory=list, description="Spot files in order; empty means all of chapters/spots/ by number.")
    back_matter: list[str] = Field(default_factory=list, description="Files or generated sections: " + ", ".join(GENERATED) + ".")


class Book(Strict):
    """Everything the renderers need, loaded and cross-checked."""

    meta: BookMeta
    front: list[Union[Section, str]]
    spots: list[Spot]
    back: list[Union[Section, str]]
    references: dict[str, Reference]
    root: Path

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

    body: list[str] = Field(default_factory=lambda: ["Noto Sans", "DejaVu Sans"], min_length=1)
    headings: list[str] = Field(default_factory=lambda: ["Noto Sans", "DejaVu Sans"], min_length=1)


class Contact(Strict):
    """How clients reach the practice; every line is optional."""

    address: Optional[str] = Field(None, max_length=100, description="Printed in the handout's footer.")
    phone: Optional[str] = Field(None, max_length=40)
    email: Optional[str] = Field(None, max_length=60)
    website: Optional[str] = Field(None, max_length=60)


class Practice(Strict):
    """A practice profile, ``styles/practices/NAME/practice.yaml``. State only what differs from these defaults."""

    name: str = Field("Trigger Point Self-Care", description="Display name printed on every output.")
    logo: Optional[str] = Field(None, description="Logo file (SVG or PNG) inside the profile folder.")
    show_name: bool = Field(True, description="Print the name beside the logo on handouts; false when the logo "
                            "already carries the name (without a logo the name is always printed).")
    colors: Colors = Field(default_factory=Colors)
    fonts: Fonts = Field(default_factory=Fonts)
    paper: Literal["a4", "letter"] = Field("a4", description="Paper size of handouts and the PDF book.")
    language: str = Field("en", description="Language of labels and dates; one catalogue per language in book/locales/.")
    contact: Contact = Field(default_factory=Contact)
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
