#!/usr/bin/env python3
"""Benchmark (not a test): how the build's cost grows, and what it costs next to its yardsticks.

Usage: python3 benchmarks/bench_build.py [--runs 3] [--only scaling,rebuild,bare,epub,parallel,startup]

Every figure is the median of RUNS runs of a whole process, and every ratio is taken within this one run
of the benchmark, so that a slower or busier machine moves both sides alike:

- scaling: a full build (--force) of books made from copies of the spot chapters, 15, 45 and 90 spots;
- rebuild: a build with nothing changed, against a fresh build;
- bare: the project's handout and book against bare WeasyPrint laying out the same HTML and CSS;
- epub: the EPUB step against Pandoc on the same Markdown (only when pandoc is installed);
- parallel: the 15 stock handouts in one worker against one worker per core;
- startup: `make_book.py --help` and `check` against `python3 -c pass`.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def timed(cmd: list[str], runs: int, setup=None, **kw) -> float:
    """Median wall seconds of RUNS runs of CMD (SETUP runs before each, untimed)."""
    times = []
    for _ in range(runs):
        if setup:
            setup()
        started = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
        times.append(time.perf_counter() - started)
        if proc.returncode:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return statistics.median(times)


def make_chapters(dest: Path, spots: int) -> Path:
    """A copy of chapters/ whose spot files repeat until there are SPOTS of them."""
    shutil.copytree(ROOT / "chapters", dest)
    originals = sorted((dest / "spots").glob("*.md"))
    for n in range(len(originals) + 1, spots + 1):
        src = originals[(n - 1) % len(originals)]
        text = src.read_text(encoding="utf-8")
        copy = (n - 1) // len(originals)
        text = re.sub(r"^number: \d+", f"number: {n}", text, count=1, flags=re.M)
        text = re.sub(r"^slug: (\S+)", rf"slug: \1-{copy}", text, count=1, flags=re.M)
        (dest / "spots" / f"{n:02d}-{src.stem.split('-', 1)[1]}-{copy}.md").write_text(text, encoding="utf-8")
    return dest


def build_cmd(chapters: Path, out: Path, *extra: str) -> list[str]:
    return [PY, str(ROOT / "make_book.py"), "build", "--chapters", str(chapters), "--out", str(out), *extra]


def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else 0


CEILING = r"""
import sys, time
from multiprocessing import Pool
def work(_):
    return sum(i * i for i in range(3_000_000))
t = time.perf_counter(); [work(0) for _ in range(4)]; one = time.perf_counter() - t
t = time.perf_counter()
with Pool(2) as pool:
    pool.map(work, range(4))
print(one / (time.perf_counter() - t))
"""


def cpu_ceiling() -> float:
    """How much faster two CPU-bound Python processes run than one after the other: what two cores give."""
    return float(subprocess.run([PY, "-c", CEILING], capture_output=True, text=True, check=True).stdout)


BARE = r"""
import sys, weasyprint
from pathlib import Path
sys.path.insert(0, {root!r})
from book import build, render, pdf
from book.render import Personal
job = build.Job(chapters=Path({root!r}) / "chapters")
book, profile = build.load(job)
kind = sys.argv[1]
html = render.handout_html(book, [book.spots[0]], profile, Personal()) if kind == "handout" else pdf.typeset(render.book_html(book, profile))
Path(sys.argv[2]).write_text(html)
css = "\n".join((Path({root!r}) / "styles" / n).read_text() for n in ("base.css", kind + ".css")) + profile.css(None, kind)
Path(sys.argv[3]).write_text(css)
"""

RUN_BARE = r"""
import sys, weasyprint
from pathlib import Path
html, css, base, out = sys.argv[1:5]
weasyprint.HTML(string=Path(html).read_text(), base_url=base).write_pdf(out, stylesheets=[weasyprint.CSS(string=Path(css).read_text())], pdf_variant="pdf/ua-1", pdf_tags=True)
"""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--only", default="scaling,rebuild,bare,epub,parallel,startup")
    args = p.parse_args()
    only = set(args.only.split(","))
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; Python {sys.version.split()[0]}; "
          f"median of {args.runs} runs")
    tmp = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        if "scaling" in only:
            base = None
            for n in (15, 45, 90):
                chapters = make_chapters(tmp / f"ch{n}", n)
                out = tmp / f"out{n}"
                seconds = timed(build_cmd(chapters, out, "--force"), args.runs)
                n_pages = pages(next((out / "book").glob("*.pdf")))
                base = base or (seconds, n_pages)
                print(f"scaling: {n} spots, {n_pages} book pages: {seconds:.1f} s = {seconds / base[0]:.2f}x the 15-spot "
                      f"build (pages {n_pages / base[1]:.2f}x)")
        if "rebuild" in only:
            chapters = tmp / "ch15" if (tmp / "ch15").exists() else make_chapters(tmp / "ch15", 15)
            out = tmp / "rebuild"
            fresh = timed(build_cmd(chapters, out), args.runs, setup=lambda: shutil.rmtree(out, ignore_errors=True))
            again = timed(build_cmd(chapters, out), args.runs)
            print(f"rebuild: fresh {fresh:.2f} s, no change {again:.2f} s = {again / fresh:.1%} of a fresh build")
        if "bare" in only:
            for kind in ("handout", "book"):
                html, css = tmp / f"{kind}.html", tmp / f"{kind}.css"
                subprocess.run([PY, "-c", BARE.format(root=str(ROOT)), kind, str(html), str(css)], check=True)
                base_url = str(ROOT / "styles" / "practices" / "default") + "/" if kind == "handout" else str(ROOT / "chapters") + "/"
                bare = timed([PY, "-c", RUN_BARE, str(html), str(css), base_url, str(tmp / f"bare-{kind}.pdf")], args.runs)
                if kind == "handout":
                    ours = timed([PY, str(ROOT / "make_book.py"), "handout", "1", "-o", str(tmp / "ours.pdf")], args.runs)
                else:
                    ours = timed([PY, "-c", "import sys; sys.path.insert(0, %r)\nfrom pathlib import Path\n"
                                  "from book import build, render, pdf\nb, p = build.load(build.Job(chapters=Path(%r)))\n"
                                  "html = render.book_html(b, p)\npdf.write(pdf.render(html, p, 'book', base=b.root), Path(%r))"
                                  % (str(ROOT), str(ROOT / "chapters"), str(tmp / "ours-book.pdf"))], args.runs)
                print(f"bare: {kind}: project {ours:.2f} s, bare WeasyPrint on the same HTML and CSS {bare:.2f} s = "
                      f"{ours / bare:.2f}x")
        if "epub" in only:
            if shutil.which("pandoc"):
                md = tmp / "all.md"
                md.write_text("\n\n".join(p.read_text() for p in sorted((ROOT / "chapters").rglob("*.md"))))
                pandoc = timed(["pandoc", str(md), "-o", str(tmp / "pandoc.epub")], args.runs)
                ours = timed([PY, "-c", "import sys; sys.path.insert(0, %r)\nfrom pathlib import Path\n"
                              "from book import build, epub\nb, p = build.load(build.Job(chapters=Path(%r)))\n"
                              "epub.make(b, p, Path(%r))" % (str(ROOT), str(ROOT / "chapters"), str(tmp / "ours.epub"))],
                             args.runs)
                print(f"epub: project {ours:.2f} s, pandoc {pandoc:.2f} s = {ours / pandoc:.2f}x")
            else:
                print("epub: pandoc is not installed; skipped")
        if "parallel" in only:
            code = ("import sys; sys.path.insert(0, %r)\nfrom pathlib import Path\nfrom book import build\n"
                    "from book.render import Personal\njob = build.Job(chapters=Path(%r))\nb, _ = build.load(job)\n"
                    "tasks = [([str(s.number)], Personal(), Path(%r) / f'{s.number}.pdf') for s in b.spots]\n"
                    "assert all(not isinstance(r, Exception) for _, r in build.parallel_handouts(job, tasks, int(sys.argv[1])))")
            code = code % (str(ROOT), str(ROOT / "chapters"), str(tmp))
            cores = len(os.sched_getaffinity(0))
            before = os.getloadavg()[0]
            # one worker and all cores by turns, so that a machine slowing down or speeding up moves both alike
            ones, manys = [], []
            for _ in range(args.runs):
                ones.append(timed([PY, "-c", code, "1"], 1))
                manys.append(timed([PY, "-c", code, str(cores)], 1))
            one, many = statistics.median(ones), statistics.median(manys)
            print(f"parallel: 15 handouts, 1 worker {one:.2f} s, {cores} workers {many:.2f} s = {one / many:.2f}x faster "
                  f"(load average before: {before:.2f}; the same machine runs two CPU-bound Python processes "
                  f"{cpu_ceiling():.2f}x faster than one after the other)")
        if "startup" in only:
            bare = timed([PY, "-c", "pass"], max(args.runs, 5))
            helps = timed([PY, str(ROOT / "make_book.py"), "--help"], max(args.runs, 5))
            check = timed([PY, str(ROOT / "make_book.py"), "check"], max(args.runs, 5))
            print(f"startup: python3 -c pass {bare:.3f} s; --help {helps:.3f} s = {helps / bare:.1f}x; "
                  f"check {check:.3f} s = {check / bare:.1f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
