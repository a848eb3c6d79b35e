"""One Jinja2 environment; Markdown to HTML; the context every template gets.

The same templates serve the PDF book (``target="pdf"``: one HTML document)
and the EPUB (``target="epub"``: one XHTML body per part). Links, footnotes and
figures differ only in how they are written, never in what they say.
"""
from __future__ import annotations

import base64
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

import jinja2
from babel.dates import format_date
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from . import bodymap, pagination
from .model import Book, Section, Spot
from .output import build_time
from .practice import PROJECT, Profile
from .sources import CITATION, citation_keys

TEMPLATES = Path(__file__).resolve().parent / "templates"
HANDOUTS = PROJECT / "handouts"

_md = MarkdownIt("commonmark", {"xhtmlOut": True, "typographer": True, "html": False}).use(footnote_plugin).enable(
    ["replacements", "smartquotes", "table"]
)
_FN_ITEM = re.compile(r'<li id="fn(\d+)" class="footnote-item">(.*?)</li>', re.S)
_FN_BLOCK = re.compile(r'<hr class="footnotes-sep" />\s*<section class="footnotes">.*?</section>\s*', re.S)
_FN_REF = re.compile(r'<sup class="footnote-ref"><a href="#fn(\d+)" id="fnref\d+(?::\d+)?">\[\d+\]</a></sup>')
_FN_BACK = re.compile(r'\s*<a href="#fnref[\d:]+" class="footnote-backref">.*?</a>')
_SPOT_HREF = re.compile(r'<a href="spot:(\d+)">')


def doc_name(slug: str) -> str:
    """The EPUB file name of a part."""
    return f"{slug}.xhtml"


def spot_id(number: int) -> str:
    return f"spot-{number:02d}"


@dataclass
class Target:
    """How one output format writes links and figures."""

    name: str  # "pdf" or "epub"
    images: dict[str, bytes] = field(default_factory=dict)  # EPUB: file name -> SVG bytes

    def href(self, doc: str, anchor: Optional[str] = None) -> str:
        if self.name == "pdf":
            return f"#{anchor or doc}"
        return doc_name(doc) + (f"#{anchor}" if anchor else "")

    def image(self, name: str, svg: str) -> str:
        if self.name == "pdf":
            return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        self.images[f"images/{name}.svg"] = svg.encode()
        return f"images/{name}.svg"


class CitationIndex:
    """Numbers references in order of first citation across the book."""

    def __init__(self, book: Book):
        texts = [p.body for p in [*book.front, *book.spots, *book.back] if not isinstance(p, str)]
        keys = [k for text in texts for k in citation_keys(text)]
        keys += [k for spot in book.spots for k in spot.references] + list(book.references)
        self.order: list[str] = list(dict.fromkeys(keys))

    def number(self, key: str) -> int:
        return self.order.index(key) + 1


def markdown(text: str, slug: str, target: Target, citations: CitationIndex) -> str:
    """Markdown prose to an XHTML fragment, with footnotes, citations and spot links resolved."""
    out = _md.render(text)
    notes = {n: _FN_BACK.sub("", body).strip() for n, body in _FN_ITEM.findall(out)}
    out = _FN_BLOCK.sub("", out)
    asides = []

    def note(m: re.Match) -> str:
        n = m.group(1)
        body = notes[n]
        if target.name == "pdf":
            inner = re.sub(r"</?p>", " ", body).strip()
            return f'<span class="footnote">{inner}</span>'
        fid = f"fn-{slug}-{n}"
        para = re.sub(r"^<p>", f'<p><a href="#ref{fid}">{n}.</a> ', body, count=1)
        asides.append(f'<aside epub:type="footnote" role="doc-footnote" class="footnote" id="{fid}">{para}</aside>')
        return f'<sup><a epub:type="noteref" role="doc-noteref" class="noteref" href="#{fid}" id="ref{fid}">{n}</a></sup>'

    out = _FN_REF.sub(note, out)

    def cite(m: re.Match) -> str:
        keys = citation_keys(m.group(0))
        links = ", ".join(
            f'<a class="cite" href="{target.href("references", "ref-" + k)}">{citations.number(k)}</a>' for k in keys
        )
        return f'<span class="citation">[{links}]</span>'

    out = CITATION.sub(cite, out)
    out = _SPOT_HREF.sub(lambda m: f'<a class="xref" href="{target.href(spot_id(int(m.group(1))))}">', out)
    return out + "".join(asides)


@dataclass
class Figure:
    src: str
    alt: str


def spot_figure(spot: Spot, target: Target, side: str = "right", colors: Optional[dict] = None, uid: str = "",
                labels: Optional[dict] = None, focus: bool = False) -> Figure:
    loc, ref = spot.location, spot.referral
    svg = bodymap.figure(loc.view, loc.marker, ref.essential, ref.spillover, side=side, colors=colors,
                         uid=uid or spot_id(spot.number), labels=labels, focus=focus)
    alt = bodymap.describe(loc.view, loc.marker, ref.essential, ref.spillover, side=side)
    if labels and labels.get("language", "en").split("-")[0] != "en":
        # The figure engine names its regions in English; other languages describe the figure with
        # the spot's own (translated) location and referral texts.
        alt = labels["figure_alt"].format(where=loc.description, pain=ref.description,
                                          side=labels["side_" + side])
    return Figure(target.image(f"{spot_id(spot.number)}-{side}{'-focus' if focus else ''}", svg), alt)


def overview_figure(book: Book, target: Target, colors: Optional[dict] = None, labels: Optional[dict] = None) -> Figure:
    spots = [(s.number, s.location.view, s.location.marker) for s in book.spots]
    svg = bodymap.overview(spots, colors=colors, uid="overview", labels=labels)
    alt = bodymap.overview_description(spots)
    if labels and labels.get("language", "en").split("-")[0] != "en":
        alt = labels["overview_alt"].format(spots="; ".join(f"{s.number}: {s.plain_name}" for s in book.spots))
    return Figure(target.image("overview", svg), alt)


def finder(book: Book) -> list[tuple[str, list[Spot]]]:
    """The 'where does it hurt?' finder: each pain area and the spots that help it, generated from the data."""
    areas: dict[str, list[Spot]] = {}
    for spot in book.spots:
        for area in spot.pain_areas:
            areas.setdefault(area.lower(), []).append(spot)
    return sorted(areas.items())


@functools.lru_cache(maxsize=None)
def environment(practice_folder: Optional[Path] = None) -> jinja2.Environment:
    """The one Jinja environment: search path [practice override, handouts, book templates]."""
    paths = [p for p in ((practice_folder / "templates") if practice_folder else None, HANDOUTS, TEMPLATES) if p]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in paths]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["plural"] = lambda fmt, n: (fmt.split("|")[0] if n == 1 else fmt.split("|")[-1]).format(n=n)
    return env


def local_date(value: dt.date, language: str) -> str:
    return format_date(value, format="long", locale=language.replace("-", "_"))


def base_context(book: Optional[Book], profile: Profile, target: Target, for_book: bool = False) -> dict:
    """What every template gets. The book speaks its own language; handouts speak the practice's."""
    return {
        "book": book,
        "meta": book.meta if book else None,
        "practice": profile.practice,
        "profile": profile,
        "t": profile.labels,  # the book was translated into the practice's language when loaded
        "target": target,
        "spot_id": spot_id,
        "logo": logo_src(profile, target),
        "branded": branded(profile),
    }


def branded(profile: Profile) -> bool:
    """A practice with a logo or contact details gets a branded edition of the book."""
    c = profile.practice.contact
    return bool(profile.practice.logo or c.address or c.phone or c.email or c.website)


def logo_src(profile: Profile, target: Target) -> Optional[str]:
    path = profile.logo_path
    if not path:
        return None
    if target.name == "pdf":
        return path.as_uri()
    name = f"images/logo{path.suffix.lower()}"
    target.images[name] = path.read_bytes()
    return name


def book_parts(book: Book, profile: Profile, target: Target) -> list[dict]:
    """Every part of the book in reading order, each rendered to an XHTML fragment."""
    env = environment(profile.folder)
    citations = CitationIndex(book)
    ctx = base_context(book, profile, target, for_book=True)
    t = ctx["t"]
    colors = profile.figure_colors
    parts: list[dict] = []

    def add(slug: str, title: str, kind: str, template: str, role: str, **extra) -> None:
        body = env.get_template(template).render(**ctx, slug=slug, title=title, kind=kind, role=role, **extra)
        body = pagination.add_ids(body, slug)  # the same ids in both formats: the EPUB's print page markers
        parts.append({"slug": slug, "title": title, "kind": kind, "role": role, "html": body, **extra})

    def section(item, role: str) -> None:
        if isinstance(item, Section):
            add(item.slug, item.title, item.kind, "part_section.html", role,
                prose=markdown(item.body, item.slug, target, citations))
        elif item == "map":
            add("map", t["map_title"], "chapter", "part_map.html", role,
                figure=overview_figure(book, target, colors, t))
        elif item == "finder":
            add("finder", t["finder_title"], "index", "part_finder.html", role, areas=finder(book))
        elif item == "references":
            refs = [(k, book.references[k]) for k in citations.order]
            add("references", t["references_title"], "bibliography", "part_references.html", role, refs=refs)

    for item in book.front:
        section(item, "frontmatter")
    for spot in book.spots:
        add(spot_id(spot.number), spot.title, "chapter", "part_spot.html", "bodymatter", spot=spot,
            figure=spot_figure(spot, target, colors=colors, labels=t),
            prose=markdown(spot.body, spot_id(spot.number), target, citations))
    for item in book.back:
        section(item, "backmatter")
    return parts


def book_html(book: Book, profile: Profile) -> str:
    """The whole PDF book as one HTML document."""
    target = Target("pdf")
    parts = book_parts(book, profile, target)
    return environment(profile.folder).get_template("book.html").render(**base_context(book, profile, target, for_book=True), parts=parts)


@dataclass
class Personal:
    """What a therapist adds to one client's handouts."""

    client: Optional[str] = None
    date: Optional[dt.date] = None
    side: str = "right"
    hold_seconds: Optional[tuple[int, int]] = None
    times_per_day: Optional[int] = None
    notes: Optional[str] = None
    therapist: Optional[str] = None


def handout_html(book: Book, spots: Iterable[Spot], profile: Profile, personal: Personal) -> str:
    """One handout page per spot, in the order given, as one HTML document."""
    target = Target("pdf")
    spots = list(spots)
    pages = []
    for i, spot in enumerate(spots):
        press = spot.press.model_copy(update={
            k: v for k, v in (("hold_seconds", personal.hold_seconds), ("times_per_day", personal.times_per_day)) if v
        })
        pages.append({"spot": spot, "press": press,
                      "figure": spot_figure(spot, target, side=personal.side, colors=profile.figure_colors, uid=f"h{i}",
                                                labels=profile.labels, focus=True)})
    day = personal.date or (build_time(None) or dt.datetime.now()).date()
    date = local_date(day, profile.practice.language)
    return environment(profile.folder).get_template("handout.html").render(
        **base_context(book, profile, target), pages=pages, personal=personal, date=date, date_iso=day.isoformat(),
        qr=qr_svg(profile.practice.qr_url),
    )


def qr_svg(url: Optional[str]) -> Optional[str]:
    """A vector QR code for the practice's URL, as a data URI."""
    if not url:
        return None
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#000", light="#fff")
