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
from markupsafe import Markup
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

from . import bodymap, pagination, pictures
from .model import Book, Section, Spot
from .output import build_time
from .practice import PROJECT, Profile, labels
from .sources import CITATION, citation_keys

TEMPLATES = Path(__file__).resolve().parent / "templates"
HANDOUTS = PROJECT / "handouts"
DESK_TEMPLATES = Path(__file__).resolve().parent / "desk" / "templates"  # the clinic desk's pages, as "desk/NAME"

_md = MarkdownIt("commonmark", {"xhtmlOut": True, "typographer": True, "html": False, "linkify": True}).use(
    footnote_plugin).enable(["replacements", "smartquotes", "table", "linkify"])
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


def spot_figure(spot: Spot, target: Target, *, side: str = "right", colors: Optional[dict] = None, uid: str = "",
                labels: Optional[dict] = None, box_mm: Optional[tuple[float, float]] = None) -> Figure:
    """A spot's body map laid out for a printed box of box_mm (width, height) millimetres.

    Without box_mm the box is the output's: the book's column on "pdf", a phone's width on "epub".
    """
    loc, ref = spot.location, spot.referral
    box_mm = tuple(box_mm or bodymap.SIZES["book" if target.name == "pdf" else "epub"])
    svg = bodymap.figure(loc.view, loc.marker, ref.essential, ref.spillover, side=side, colors=colors,
                         uid=uid or spot_id(spot.number), labels=labels, muscle=spot.muscles[0], box_mm=box_mm)
    alt = bodymap.describe(loc.view, loc.marker, ref.essential, ref.spillover, side=side, muscle=spot.muscles[0])
    if labels and labels.get("language", "en").split("-")[0] != "en":
        # The figure engine names its regions in English; other languages describe the figure with
        # the spot's own (translated) location and referral texts.
        alt = labels["figure_alt"].format(where=loc.description, pain=ref.description,
                                          side=labels["side_" + side])
    size = "x".join(f"{v:g}" for v in box_mm)
    return Figure(target.image(f"{spot_id(spot.number)}-{side}-{size}", svg), alt)


def drawn_size(spot: Spot, box_mm: tuple[float, float], *, side: str = "right", labels: Optional[dict] = None):
    """The (width, height) mm that spot_figure's views and key take in a box of box_mm, framed as they
    are before bodymap.figure frames a view of the whole body taller to fill the box."""
    loc, ref = spot.location, spot.referral
    return bodymap.drawn_size(loc.view, loc.marker, ref.essential, ref.spillover, side=side, labels=labels,
                              muscle=spot.muscles[0], box_mm=box_mm)


def press_figure(spot: Spot, target: Target, *, side: str = "right", box_mm=None) -> Optional[Figure]:
    """The how-to-press picture(s) of `press.picture`, drawn for a printed box of box_mm = (width, height)
    millimetres (arrows and lines keep their printed size); None when the spot has no picture."""
    pics = spot.press.picture
    if not pics:
        return None
    side = "right" if side == "both" else side
    box = tuple(box_mm) if box_mm else pictures.BOX_MM
    svg = pictures.figure(pics, side=side, box_mm=box, uid=f"{spot_id(spot.number)}-press-")
    return Figure(target.image(f"{spot_id(spot.number)}-press-{side}", svg), pictures.describe(pics, side))


def overview_figure(book: Book, target: Target, colors: Optional[dict] = None, labels: Optional[dict] = None,
                    box_mm: Optional[tuple[float, float]] = None, uid: str = "overview") -> Figure:
    spots = [(s.number, s.location.view, s.location.marker) for s in book.spots]
    svg = bodymap.overview(spots, colors=colors, uid=uid, labels=labels, box_mm=box_mm)
    alt = bodymap.overview_description(spots)
    if labels and labels.get("language", "en").split("-")[0] != "en":
        alt = labels["overview_alt"].format(spots="; ".join(f"{s.number}: {s.plain_name}" for s in book.spots))
    return Figure(target.image(uid, svg), alt)


# The printed size of the boxes figures are shown in (see styles/book.css: figure.bodymap, figure.overview).
BOOK_FIGURE_MM = bodymap.SIZES["book"]
MAP_FIGURE_MM = (112.0, 118.0)


def caption(alt: str) -> str:
    """A figure's caption: the first sentence of its text alternative (where the X is), never the title."""
    return re.split(r"(?<=\.)\s", alt, maxsplit=1)[0]


_GLOSSARY_LIST = re.compile(r"<ul>\s*((?:<li><strong>.*?</strong>:.*?</li>\s*)+)</ul>", re.S)
_GLOSSARY_ITEM = re.compile(r"<li><strong>(.*?)</strong>:\s*(.*?)</li>", re.S)


def definition_list(html: str) -> str:
    """A glossary's Markdown list of "**Term**: definition" items as a definition list."""
    def dl(m: re.Match) -> str:
        items = _GLOSSARY_ITEM.findall(m.group(1))
        return '<dl class="glossary-list">\n' + "".join(f"<dt>{term}</dt>\n<dd>{text.strip()}</dd>\n" for term, text in items) + "</dl>"
    return _GLOSSARY_LIST.sub(dl, html)


def finder(book: Book) -> list[tuple[str, list[Spot]]]:
    """The 'where does it hurt?' finder: each pain area and the spots that help it, generated from the data."""
    areas: dict[str, list[Spot]] = {}
    for spot in book.spots:
        for area in spot.pain_areas:
            areas.setdefault(area.lower(), []).append(spot)
    return sorted(areas.items())


@functools.lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    """The one Jinja environment: the project's handout and book templates, and the desk's pages as
    "desk/NAME"; autoescaping.

    A practice never supplies templates (a template can run code); its text reaches pages only as
    escaped values, never as template source."""
    paths = [HANDOUTS, TEMPLATES]
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader([str(p) for p in paths]),
                                    jinja2.PrefixLoader({"desk": jinja2.FileSystemLoader(str(DESK_TEMPLATES))})]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["plural"] = lambda fmt, n: (fmt.split("|")[0] if n == 1 else fmt.split("|")[-1]).format(n=n)
    env.filters["nowidow"] = nowidow
    env.globals.update(dose_words=dose_words, step_texts=step_texts)
    return env


def local_date(value: dt.date, language: str) -> str:
    from babel.dates import format_date

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
        "publication_date": local_date(dt.date.fromisoformat(book.meta.date), book.meta.language) if book else None,
    }


def branded(profile: Profile) -> bool:
    """A practice with a logo or contact details gets a branded edition of the book."""
    c = profile.practice.contact
    return bool(profile.practice.logo or c.address or c.phone or c.email or c.website)


def logo_src(profile: Profile, target: Target) -> Optional[str]:
    """The checked logo: a data: URI for print, a file of the EPUB for the ebook."""
    if not profile.logo:
        return None
    if target.name == "pdf":
        return profile.logo_uri
    name = "images/logo" + (".png" if profile.logo_type == "image/png" else ".svg")
    target.images[name] = profile.logo
    return name


def book_parts(book: Book, profile: Profile, target: Target) -> list[dict]:
    """Every part of the book in reading order, each rendered to an XHTML fragment."""
    env = environment()
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
            prose = markdown(item.body, item.slug, target, citations)
            add(item.slug, item.title, item.kind, "part_section.html", role,
                prose=definition_list(prose) if item.kind == "glossary" else prose)
        elif item == "map":
            add("map", t["map_title"], "chapter", "part_map.html", role,
                figure=overview_figure(book, target, colors, t, box_mm=MAP_FIGURE_MM))
        elif item == "finder":
            add("finder", t["finder_title"], "index", "part_finder.html", role, areas=finder(book))
        elif item == "references":
            refs = [(k, book.references[k]) for k in citations.order]
            add("references", t["references_title"], "bibliography", "part_references.html", role, refs=refs)

    for item in book.front:
        section(item, "frontmatter")
    for spot in book.spots:
        figure = spot_figure(spot, target, colors=colors, labels=t,
                             box_mm=BOOK_FIGURE_MM if target.name == "pdf" else bodymap.SIZES["epub"])
        add(spot_id(spot.number), spot.title, "chapter", "part_spot.html", "bodymatter", spot=spot,
            figure=figure, caption=caption(figure.alt),
            press=press_figure(spot, target, box_mm=(44, 44)),
            prose=markdown(spot.body, spot_id(spot.number), target, citations))
    for item in book.back:
        section(item, "backmatter")
    return parts


def book_html(book: Book, profile: Profile) -> str:
    """The whole PDF book as one HTML document."""
    target = Target("pdf")
    parts = book_parts(book, profile, target)
    cover = overview_figure(book, target, cover_colors(profile), labels(book.meta.language, profile.folder), uid="cover")
    return environment().get_template("book.html").render(
        **base_context(book, profile, target, for_book=True), parts=parts, cover_figure=cover)


def cover_html(book: Book, profile: Profile) -> str:
    """The book's cover alone, as one HTML document (the EPUB's cover image is made from it)."""
    target = Target("pdf")
    cover = overview_figure(book, target, cover_colors(profile), labels(book.meta.language, profile.folder), uid="cover")
    return environment().get_template("cover.html").render(
        **base_context(book, profile, target, for_book=True), cover_figure=cover)


def cover_colors(profile: Profile) -> dict:
    """The cover's body map: the practice's accent colour for the numbered spots."""
    return {**profile.figure_colors, "marker": profile.practice.colors.accent}



def nowidow(text: str) -> str:
    """Tie the last two words together, so a title never ends on a line of one word."""
    head, sep, last = text.rpartition(" ")
    return f"{head}\u00a0{last}" if sep and " " in head.strip() else text


def _count(n: int, forms: list[str]) -> str:
    """'once', 'twice', 'three times'...: a count in words from the catalogue's list, the last form beyond it."""
    return (forms[n - 1] if n < len(forms) else forms[-1]).format(n=n)


def _duration(seconds: int, t: dict) -> str:
    if seconds == 60:
        return t["duration_minute"]
    if seconds == 90:
        return t["duration_minute_half"]
    if seconds % 60 == 0:
        return t["duration_minutes"].format(n=seconds // 60)
    return t["duration_seconds"].format(n=seconds)


def hold_words(low: int, high: int, t: dict) -> str:
    """The hold time in words: 45 seconds; a minute; about a minute (for 30 to 90); 20 to 40 seconds."""
    if low == high:
        return _duration(low, t)
    middle = (low + high) / 2
    if middle >= 60 and middle % 30 == 0:
        return t["hold_about"].format(approx=_duration(int(middle), t), low=low, high=high)
    return t["hold_range"].format(low=low, high=high)


def dose_words(press, t: dict) -> dict:
    """The dose in the words a person would say, from press.pressure, hold_seconds, rounds and times_per_day."""
    low, high = press.pressure
    hold = hold_words(*press.hold_seconds, t)
    rounds = _count(press.rounds, t["count_words"])
    per_day = _count(press.times_per_day, t["per_day_words"])
    return {
        "pressure": t["out_of_ten_exact"].format(n=low) if low == high else t["out_of_ten"].format(low=low, high=high),
        "hold": hold, "rounds": rounds, "per_day": per_day,
        "hold_sentence": t["dose_hold"].format(hold=hold, rounds=rounds),
        "often_sentence": t["dose_often"].format(per_day=per_day),
    }


def step_texts(press, t: dict) -> list[str]:
    """The press steps with {hold} filled in from the dose, so the steps and the dose box agree.
    T is the catalogue of the steps' own language (the book's)."""
    hold = dose_words(press, t)["hold"]
    return [step.replace("{hold}", hold) for step in press.steps]


@dataclass
class Personal:
    """What a therapist adds to one client's handouts. Fields left as None are blanks on the sheet."""

    client: Optional[str] = None
    date: Optional[dt.date] = None  # None: today when a client is named, else a blank to fill in
    side: Optional[str] = None  # "left", "right" or "both"; None: "left / right / both" to circle
    hold_seconds: Optional[tuple[int, int]] = None
    times_per_day: Optional[int] = None
    notes: Optional[str] = None  # printed on every page
    therapist: Optional[str] = None
    spot_notes: dict[str, str] = field(default_factory=dict)  # spot number or slug -> a note for that page only
    spot_dose: dict[str, dict] = field(default_factory=dict)  # spot number -> its own side, hold_seconds, times_per_day


FIGURE_WIDTH_MM = 56  # the body map's box beside the text (styles/handout.css: .aside)
FIGURE_MIN_MM = 90  # its height at the least; build.render_handout grows it to fill the page
PRESS_BOX_MM = (38, 38)  # the how-to-press picture beside "Press it" (styles/handout.css: figure.press-picture)


def page_notes(spot: Spot, personal: Personal) -> list[str]:
    """The notes printed on SPOT's page: those for every page, then those for this spot."""
    own = [text for key, text in personal.spot_notes.items() if key in (str(spot.number), spot.slug)]
    return [n for n in [personal.notes, *own] if n]


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def page_of_css(label: str) -> Markup:
    """'Page {n} of {m}' as CSS content: strings around counter(page) and counter(pages)."""
    before, _, rest = label.partition("{n}")
    middle, _, after = rest.partition("{m}")
    parts = [_css_string(before), "counter(page)", _css_string(middle), "counter(pages)", _css_string(after)]
    return Markup(" ".join(p for p in parts if p != '""'))


def qr_caption(url: str) -> list[str]:
    """The QR code's URL as lines that never split a word: the host, then the path."""
    rest = re.sub(r"^https?://", "", url).rstrip("/")
    host, slash, path = rest.partition("/")
    return [host] + ([slash + path] if path else [])


COVER_MAP_MM = 112  # the height of the numbered map on a packet's cover, when the plan's table leaves room


def handout_html(book: Book, spots: Iterable[Spot], profile: Profile, personal: Personal,
                 layout: Optional[list[dict]] = None, cover_map_mm: Optional[float] = None) -> str:
    """One handout page per spot, in the order given, as one HTML document; a packet of two or more
    spots opens with a cover page.

    layout: per spot, the body map's box ("figure_w_mm" wide, "figure_mm" tall), the title's width
    ("title_mm") and whether the notes go under the steps ("notes_beside"); cover_map_mm, the height of
    the cover's map. build.render_handout measures them so that each page fits and is filled.
    """
    target = Target("pdf")
    spots = list(spots)
    layout = layout or [{} for _ in spots]
    t = profile.labels
    pages = []
    for i, spot in enumerate(spots):
        own = personal.spot_dose.get(str(spot.number), {})  # this page's own side and dose, over the packet's
        side = own.get("side") or personal.side
        press = spot.press.model_copy(update={
            k: v for k, v in (("hold_seconds", own.get("hold_seconds") or personal.hold_seconds),
                              ("times_per_day", own.get("times_per_day") or personal.times_per_day)) if v
        })
        box = (layout[i].get("figure_w_mm", FIGURE_WIDTH_MM), round(layout[i].get("figure_mm", FIGURE_MIN_MM), 1))
        pages.append({"spot": spot, "press": press, "side": side, "dose": dose_words(press, t), "box_mm": box,
                      "title_mm": layout[i].get("title_mm"), "notes_beside": layout[i].get("notes_beside", False),
                      "notes": page_notes(spot, personal),
                      "figure": spot_figure(spot, target, side=side or "right", colors=profile.figure_colors,
                                            uid=f"h{i}", labels=t, box_mm=box),
                      "press_figure": press_figure(spot, target, side=side or "right", box_mm=PRESS_BOX_MM)})
    day = personal.date or (build_time(None) or dt.datetime.now()).date()
    shown = personal.date or (day if personal.client else None)
    practice = profile.practice
    c = practice.contact
    plan_map = None
    if len(spots) > 1:
        marks = [(p["spot"].number, p["spot"].location.view, p["spot"].location.marker, p["side"]) for p in pages]
        svg = bodymap.overview(marks, colors=profile.figure_colors, uid="plan", labels=t)
        plan_map = Figure(target.image("plan", svg), bodymap.overview_description(marks))
    return environment().get_template("handout.html").render(
        **base_context(book, profile, target), pages=pages, personal=personal,
        date=local_date(shown, practice.language) if shown else None, date_iso=day.isoformat(),
        qr={"src": qr_svg(practice.qr_url), "caption": qr_caption(practice.qr_url)} if practice.qr_url else None,
        contact=[v for v in (c.phone, c.email, c.website) if v],
        footer_line=[v for v in (practice.name, c.address, *(practice.footer or "").split(" · ")) if v and v.strip()]
        if c.address or practice.footer else [],
        page_of=page_of_css(t["page_of"]), plan_map=plan_map, figure_width=FIGURE_WIDTH_MM, cover_map_mm=round(cover_map_mm or COVER_MAP_MM, 1), t_text=labels(book.meta.language, profile.folder) if book else t,
    )


def qr_svg(url: Optional[str]) -> Optional[str]:
    """A vector QR code for the practice's URL, as a data URI."""
    if not url:
        return None
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#000", light="#fff")
