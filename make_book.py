#!/usr/bin/env python3
"""Build trigger-point self-massage books and client handouts from chapters/.

Exit status: 0 success, 2 bad input (every problem printed as FILE: FIELD: message), 1 anything else.
"""
from __future__ import annotations

import argparse
import logging
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
    from book import build

    p = argparse.ArgumentParser(prog="make_book.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp, paper=True):
        sp.add_argument("--chapters", type=Path, default=ROOT / "chapters", help="source folder (default: chapters/)")
        sp.add_argument("--practice", default=None, help="practice name under styles/practices/ or a profile folder path (default: default)")
        if paper:
            sp.add_argument("--paper", choices=["a4", "letter"], help="paper size (default: the practice's)")

    b = sub.add_parser("build", help="build the EPUB, the PDF book and one handout per spot")
    common(b)
    b.add_argument("--out", type=Path, default=Path("build"), help="output folder (default: build/)")
    b.add_argument("--pdf-variant", choices=["pdf/ua-1", "pdf/a-3b"], default="pdf/ua-1",
                   help="PDF book standard: pdf/ua-1 (tagged, accessible; default) or pdf/a-3b (archival, tagged too)")

    h = sub.add_parser("handout", help="one PDF: a handout, or a packet of several spots for one client")
    common(h)
    h.add_argument("spots", nargs="*", metavar="SPOT", help="spot numbers or slugs, in page order")
    h.add_argument("--client", help="client's name, printed on every page")
    h.add_argument("--date", type=arg(build.parse_date), help="date printed (YYYY-MM-DD; default: today with --client, else a blank to fill in)")
    h.add_argument("--side", choices=["left", "right", "both"],
                   help="side to treat (the figure shows it; default: 'left / right / both' to circle, the figure drawn right)")
    h.add_argument("--hold", type=arg(build.parse_hold), help="hold time in seconds: 60 or 30-90")
    h.add_argument("--times-per-day", type=arg(build.parse_times), help="sessions a day, 1-6")
    h.add_argument("--notes", action="append", metavar="[SPOT:] TEXT",
                   help="therapist's notes: 'TEXT' on every page, 'SPOT: TEXT' on that spot's page only; repeatable")
    h.add_argument("--therapist", help="therapist's name")
    h.add_argument("--batch", type=Path, help="CSV with a row per client (name,spots,side,notes,hold,times_per_day,therapist,date)")
    h.add_argument("-o", "--output", type=Path, help="output PDF (default: build/handouts/<client>-<spots>.pdf); with --batch, a folder")

    c = sub.add_parser("check", help="validate the sources and the practice, and lay out every handout on A4 and "
                       "Letter with a long name and a two-line note; write nothing")
    common(c, paper=False)

    f = sub.add_parser("figure", help="write one spot's body-map figure as SVG")
    common(f, paper=False)
    f.add_argument("spot", help="spot number or slug")
    f.add_argument("--side", choices=["left", "right", "both"], default="right")
    f.add_argument("-o", "--output", type=Path, required=True, help="output .svg file")

    sub.add_parser("regions", help="list the body views, region names and landmarks chapters may use")

    pr = sub.add_parser("practice", help="practice profiles")
    prs = pr.add_subparsers(dest="action", required=True, metavar="ACTION")
    new = prs.add_parser("new", help="scaffold a commented profile in styles/practices/NAME/")
    new.add_argument("name", help="folder name, e.g. harbour-physio")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO, format="%(message)s", stream=sys.stdout)
    logging.getLogger("weasyprint.progress").setLevel(logging.INFO if args.verbose else logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    from book.errors import SourceError

    started = time.monotonic()
    try:
        return run(args, started)
    except SourceError as e:
        for problem in e.problems:
            print(problem, file=sys.stderr)
        print(f"{len(e.problems)} problem(s); nothing written.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 1


def run(args, started: float) -> int:
    from book import build, bodymap
    from book.errors import SourceError, display

    if args.command == "regions":
        for view in bodymap.VIEWS:
            print(f"{view}:\n  regions: {', '.join(sorted(bodymap.regions(view)))}\n  landmarks: {', '.join(sorted(bodymap.landmarks(view)))}")
        return 0
    if args.command == "practice":
        from book.scaffold import new_practice

        path = new_practice(args.name)
        print(f"created {display(path)}; edit it, then: python make_book.py build --practice {args.name}")
        return 0

    job = build.Job(chapters=args.chapters, practice=args.practice, paper=getattr(args, "paper", None))
    if args.command == "check":
        book, profile = build.load(job)
        problems = build.check_handouts(book, profile)
        if problems:
            raise SourceError(problems)
        print(f"ok: {len(book.spots)} spots, {len(book.references)} references, practice {profile.practice.name!r}; "
              f"checked in {time.monotonic() - started:.1f} s")
        return 0
    if args.command == "figure":
        from book.output import write_bytes
        from book.render import spot_figure, Target

        book, profile = build.load(job)
        spot = build.pick_spots(book, [args.spot])[0]
        t = Target("epub")
        spot_figure(spot, t, side=args.side, colors=profile.figure_colors, labels=profile.labels)
        data = next(iter(t.images.values()))
        write_bytes(args.output, data)
        print(f"wrote {display(args.output)}")
        print(f"1 figure in {time.monotonic() - started:.1f} s")
        return 0
    if args.command == "build":
        written = build.build_all(job, args.out, pdf_variant=args.pdf_variant)
        print(f"built {len(written)} files in {display(args.out)} in {time.monotonic() - started:.1f} s")
        return 0
    if args.command == "handout":
        return handout(args, job, started)
    return 1


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
        ok, failed = run_batch(job, args.batch, args.output or Path("build/handouts/batch"))
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
    out = args.output or Path("build/handouts") / f"{name}-{'-'.join(build.safe_name(s) for s in args.spots)}.pdf"
    build.write_handout(job, args.spots, personal, out)
    print(f"wrote {display(out)}")
    what = f"1 packet (a cover and {len(args.spots)} pages)" if len(args.spots) > 1 else "1 handout"
    print(f"{what} in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
