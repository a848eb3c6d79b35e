#!/usr/bin/env python3
"""Build trigger-point self-massage books and client handouts from chapters/.

Exit status: 0 success, 2 bad input (every problem printed as FILE: FIELD: message), 130 interrupted
(Ctrl-C or SIGTERM), 1 anything else.
"""
from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
log = logging.getLogger("book")


def arg(parse):
    """An argparse type from one of book.build's parsers, so the CLI and the batch CSV agree."""
    def convert(value: str):
        try:
            return parse(value)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    convert.__name__ = parse.__name__.removeprefix("parse_")
    return convert


def parser() -> argparse.ArgumentParser:
    from book import options  # the argument parsers only: --help loads nothing else

    p = argparse.ArgumentParser(prog="make_book.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp, paper=True):
        sp.add_argument("--chapters", type=Path, default=ROOT / "chapters", help="source folder (default: chapters/)")
        sp.add_argument("--practice", default=None, help="practice name under styles/practices/ or a profile folder path (default: default)")
        if paper:
            sp.add_argument("--paper", choices=["a4", "letter"], help="paper size of the handouts (default: the practice's)")
        sp.add_argument("--allow-untranslated", action="store_true",
                        help="in a practice's language, use the English for texts not yet translated (or fuzzy) "
                             "and warn, instead of refusing")

    b = sub.add_parser("build", help="build the EPUB, the PDF book and one handout per spot")
    common(b)
    b.add_argument("--book-paper", choices=["6x9", "a5", "a4", "letter"],
                   help="page size of the PDF book (default: the practice's book_paper, 6x9)")
    b.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build/)")
    b.add_argument("--pdf-variant", choices=["pdf/ua-1", "pdf/a-3b"], default="pdf/ua-1",
                   help="PDF book standard: pdf/ua-1 (tagged, accessible; default) or pdf/a-3b (archival, tagged too)")
    b.add_argument("--force", action="store_true", help="make every output again, even those whose inputs did not change")

    h = sub.add_parser("handout", help="one PDF: a handout, or a packet of several spots for one client")
    common(h)
    h.add_argument("spots", nargs="*", metavar="SPOT", help="spot numbers or slugs, in page order")
    h.add_argument("--client", help="client's name, printed on every page")
    h.add_argument("--date", type=arg(options.parse_date), help="date printed (YYYY-MM-DD; default: today with --client, else a blank to fill in)")
    h.add_argument("--side", choices=["left", "right", "both"],
                   help="side to treat (the figure shows it; default: 'left / right / both' to circle, the figure drawn right)")
    h.add_argument("--hold", type=arg(options.parse_hold), help="hold time in seconds: 60 or 30-90")
    h.add_argument("--times-per-day", type=arg(options.parse_times), help="sessions a day, 1-6")
    h.add_argument("--notes", action="append", metavar="[SPOT:] TEXT",
                   help="therapist's notes: 'TEXT' on every page, 'SPOT: TEXT' on that spot's page only; repeatable")
    h.add_argument("--therapist", help="therapist's name")
    h.add_argument("--batch", type=Path, help="CSV with a row per client (name,spots,side,notes,hold,times_per_day,therapist,date)")
    h.add_argument("-o", "--output", type=Path, help="output PDF (default: build/clients/<client>-<spots>.pdf); with --batch, a folder (default: build/clients/batch/)")

    c = sub.add_parser("check", help="validate the sources and the practice, and lay out every handout on A4 and "
                       "Letter with a long name and a two-line note; write nothing")
    common(c, paper=False)

    f = sub.add_parser("figure", help="write one spot's body-map figure as SVG or PNG, to preview it")
    common(f, paper=False)
    f.add_argument("spot", help="spot number or slug")
    f.add_argument("--side", choices=["left", "right", "both"], default="right")
    f.add_argument("--size", choices=["handout", "book", "epub"], default="handout",
                   help="the printed box the figure is laid out for (default: handout)")
    f.add_argument("--press", action="store_true", help="the how-to-press picture instead of the body map (.svg or .png)")
    f.add_argument("-o", "--output", type=Path, required=True, help="output file: .svg, or .png (300 dpi)")

    sub.add_parser("regions", help="list the body views, region names and landmarks (with their [x, y]) and muscles chapters may use")

    sc = sub.add_parser("schema", help="write JSON Schema files (docs/schema/) and the field reference (docs/fields.md)")
    sc.add_argument("--docs", type=Path, default=ROOT / "docs", help="docs folder (default: docs/)")

    sv = sub.add_parser("serve", help="run the clinic desk: a local web app to make, save and reprint handouts")
    common(sv, paper=False)
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this computer only)")
    sv.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    sv.add_argument("--data", type=Path, default=Path("var"), help="folder for the database and session key (default: var/)")
    sv.add_argument("--allow-remote", action="store_true",
                    help="allow a non-loopback --host; needs the DESK_PASSWORD environment variable")

    tr = sub.add_parser("translations", help="gettext catalogues of the content (chapters/locales/LANG.po)")
    trs = tr.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = trs.add_parser("update", help="extract every translatable text into LANG.po, merging with what is there "
                                       "(changed English turns fuzzy, unused entries become obsolete)")
    up.add_argument("languages", nargs="*", metavar="LANG", help="language codes, e.g. fr de (default: every existing catalogue)")
    up.add_argument("--chapters", type=Path, default=ROOT / "chapters", help="source folder (default: chapters/)")

    pr = sub.add_parser("practice", help="practice profiles")
    prs = pr.add_subparsers(dest="action", required=True, metavar="ACTION")
    new = prs.add_parser("new", help="scaffold a commented profile in styles/practices/NAME/")
    new.add_argument("name", help="folder name, e.g. harbour-physio")
    return p


def main(argv: list[str] | None = None) -> int:
    previous = signal.signal(signal.SIGTERM, _terminate)  # SIGTERM stops a build like Ctrl-C
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print("interrupted; files not finished were not written", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminate(signum, frame):
    raise KeyboardInterrupt


def _main(argv: list[str] | None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s", stream=sys.stdout)
    logging.getLogger("weasyprint.progress").setLevel(logging.INFO if args.verbose else logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from concurrent.futures.process import BrokenProcessPool

    from book.errors import SourceError

    started = time.monotonic()
    try:
        return run(args, started)
    except SourceError as e:
        for problem in e.problems:
            print(problem, file=sys.stderr)
        print(f"{len(e.problems)} problem(s); nothing written.", file=sys.stderr)
        return 2
    except BrokenProcessPool:
        print("a rendering process stopped unexpectedly (killed, or out of memory); files not finished "
              "were not written", file=sys.stderr)
        return 1


def run(args, started: float) -> int:
    from book import build, bodymap
    from book.errors import SourceError, display
    from book.sources import landmark_positions

    if args.command == "regions":
        for view in bodymap.VIEWS:
            print(f"{view}:\n  regions: {', '.join(sorted(bodymap.regions(view)))}\n  landmarks ([x, y] in percent):")
            for name, (x, y) in sorted(landmark_positions(view).items()):
                print(f"    {name}: [{x:g}, {y:g}]")
            print(f"  muscles: {', '.join(sorted(bodymap.muscles(view)))}")
        return 0
    if args.command == "schema":
        from book import schema

        written = schema.write(args.docs)
        print(f"wrote {len(written)} files in {display(args.docs)}")
        return 0
    if args.command == "practice":
        from book.scaffold import new_practice

        path = new_practice(args.name)
        print(f"created {display(path)}; edit it, then: python make_book.py build --practice {args.name}")
        return 0

    if args.command == "translations":
        return translations(args, started)

    job = build.Job(chapters=args.chapters, practice=args.practice, paper=getattr(args, "paper", None),
                    book_paper=getattr(args, "book_paper", None),
                    allow_untranslated=getattr(args, "allow_untranslated", False))
    if args.command == "check":
        from book import translate
        from book.check import check

        book, profile, warnings = check(job)
        translate.require(book, None, job.allow_untranslated)
        problems, fit = build.check_handouts(book, profile)
        if problems:
            raise SourceError(problems)
        for warning in [*warnings, *fit]:
            print(f"warning: {warning}")
        print(f"ok: {len(book.spots)} spots, {len(book.references)} references, practice {profile.practice.name!r}; "
              f"checked in {time.monotonic() - started:.1f} s")
        return 0
    if args.command == "figure":
        from book.errors import Problem
        from book.output import write_bytes
        from book.render import spot_figure, Target

        suffix = args.output.suffix.lower()
        if suffix not in (".svg", ".png"):
            raise SourceError([Problem(display(args.output), "-o", f"must end in .svg or .png, got {suffix or 'no suffix'!r}")])
        book, profile = build.load(job)
        spot = build.pick_spots(book, [args.spot])[0]
        t = Target("epub")
        if args.press:
            return press_preview(spot, args, started)
        spot_figure(spot, t, side=args.side, colors=profile.figure_colors, labels=profile.labels,
                    box_mm=bodymap.SIZES[args.size])
        data = next(iter(t.images.values()))
        write_bytes(args.output, bodymap.to_png(data.decode()) if suffix == ".png" else data)
        print(f"wrote {display(args.output)}")
        print(f"1 figure in {time.monotonic() - started:.1f} s")
        return 0
    if args.command == "build":
        written, skipped = build.build_all(job, args.out, pdf_variant=args.pdf_variant, force=args.force)
        unchanged = f", skipped {skipped} outputs whose inputs did not change (--force makes them again)" if skipped else ""
        print(f"built {len(written)} files in {display(args.out)}{unchanged}, in {time.monotonic() - started:.1f} s")
        return 0
    if args.command == "handout":
        return handout(args, job, started)
    if args.command == "serve":
        return serve(args, job)
    return 1


def press_preview(spot, args, started: float) -> int:
    """`figure SPOT --press -o FILE.svg|FILE.png`: the spot's how-to-press picture at handout size."""
    from book.build import Problem
    from book.errors import SourceError, display
    from book.output import write_bytes
    from book.pictures import raster
    from book.render import Target, press_figure

    suffix = args.output.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise SourceError([Problem("command line", "-o", f"must end in .svg or .png, got {args.output.name!r}")])
    t = Target("epub")
    if press_figure(spot, t, side=args.side) is None:
        raise SourceError([Problem(display(spot.source), "press.picture", "the spot has no picture to draw")])
    svg = next(iter(t.images.values()))
    write_bytes(args.output, svg if suffix == ".svg" else raster.png(svg))
    print(f"wrote {display(args.output)}")
    print(f"1 picture in {time.monotonic() - started:.1f} s")
    return 0


def serve(args, job) -> int:
    """Check the address and the password before anything starts, then run the desk until Ctrl-C."""
    import os

    from book.desk import serve as desk

    password = os.environ.get("DESK_PASSWORD") or None
    desk.check_bind(args.host, args.allow_remote, password)
    desk.run(job, host=args.host, port=args.port, data=args.data, password=password)
    return 0


def translations(args, started: float) -> int:
    from book import sources, translate
    from book.errors import Problem, SourceError, display

    book = sources.load(args.chapters)
    langs = args.languages or sorted(p.stem for p in (args.chapters / translate.LOCALES).glob("*.po"))
    if not langs:
        raise SourceError([Problem("command line", "LANG", "name a language, e.g. translations update fr")])
    bad = [lang for lang in langs if not re.fullmatch(r"[a-z]{2}", lang)]
    if bad:
        raise SourceError([Problem("command line", "LANG", f"a two-letter language code, got {lang!r}") for lang in bad])
    for lang in langs:
        path, n = translate.update(book, lang)
        print(f"{display(path)}: {n['texts']} texts, {n['translated']} translated, {n['fuzzy']} fuzzy, "
              f"{n['untranslated']} untranslated, {n['obsolete']} obsolete")
    print(f"{len(langs)} catalogue(s) updated in {time.monotonic() - started:.1f} s")
    return 0


def handout(args, job, started: float) -> int:
    from book import build
    from book.errors import SourceError, display
    from book.render import Personal

    if args.batch:
        from book.batch import run_batch

        mixed = [f for f, v in (("SPOT", args.spots), ("--client", args.client), ("--notes", args.notes),
                                ("--therapist", args.therapist), ("--hold", args.hold),
                                ("--times-per-day", args.times_per_day), ("--date", args.date)) if v]
        if mixed:
            raise SourceError([build.Problem("command line", ", ".join(mixed),
                                             "comes from the CSV's columns with --batch; leave it off")])
        ok, failed = run_batch(job, args.batch, args.output or Path("build/clients/batch"))
        print(f"wrote {ok} packet(s), {failed} row(s) failed, in {time.monotonic() - started:.1f} s")
        return 2 if failed else 0
    if not args.spots:
        raise SourceError([build.Problem("command line", "SPOT", "name at least one spot, e.g. handout 2 8 15")])
    if len(args.spots) > build.PACKET_WARN:
        log.warning("warning: %d spots in one packet; clients follow fewer items more faithfully (4 or fewer is better)", len(args.spots))
    notes, spot_notes = build.parse_notes(args.notes or [], "command line", "--notes")
    personal = Personal(client=args.client, date=args.date, side=args.side, hold_seconds=args.hold,
                        times_per_day=args.times_per_day, notes=notes, therapist=args.therapist, spot_notes=spot_notes)
    name = build.safe_name(args.client) if args.client else "handout"
    out = args.output or Path("build/clients") / f"{name}-{'-'.join(build.safe_name(s) for s in args.spots)}.pdf"
    build.write_handout(job, args.spots, personal, out)
    print(f"wrote {display(out)}")
    what = f"1 packet (a cover and {len(args.spots)} pages)" if len(args.spots) > 1 else "1 handout"
    print(f"{what} in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
