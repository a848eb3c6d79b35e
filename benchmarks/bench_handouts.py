#!/usr/bin/env python3
"""Benchmark (not a test): seconds per handout, and a batch of packets sequential vs parallel.

Usage: python3 benchmarks/bench_handouts.py [--packets 100] [--workers N]

Each mode runs in a fresh child process so its peak memory (max RSS, including
its worker processes) is measured on its own.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_mode(mode: str, packets: int, workers: int) -> dict:
    """Run one mode in this process; returns timings and peak memory."""
    from book import build
    from book.render import Personal

    job = build.Job(chapters=ROOT / "chapters")
    book, profile = build.load(job)
    numbers = [str(s.number) for s in book.spots]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if mode == "single":
            build.write_handout(job, [numbers[0]], Personal(), out / "warm.pdf", book, profile)  # fonts, caches
            started = time.perf_counter()
            for n in numbers:
                build.write_handout(job, [n], Personal(), out / f"{n}.pdf", book, profile)
            seconds = time.perf_counter() - started
            result = {"handouts": len(numbers), "seconds": seconds, "per_handout": seconds / len(numbers)}
        else:
            tasks = [([numbers[i % len(numbers)], numbers[(i + 5) % len(numbers)], numbers[(i + 9) % len(numbers)]],
                      Personal(client=f"Client {i}", side="left" if i % 2 else "right"), out / f"client-{i}.pdf")
                     for i in range(packets)]
            started = time.perf_counter()
            results = list(build.parallel_handouts(job, tasks, 1 if mode == "sequential" else workers))
            seconds = time.perf_counter() - started
            failed = sum(1 for _, r in results if not isinstance(r, Path))
            result = {"packets": packets, "pages": 3 * packets, "failed": failed, "seconds": seconds,
                      "per_packet": seconds / packets}
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result.update(peak_mb_main=round(own), peak_mb_worker=round(children))
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--packets", type=int, default=100, help="packets of 3 spots in the batch (default 100)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes for the parallel run")
    p.add_argument("--mode", choices=["single", "sequential", "parallel"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.mode:
        print(json.dumps(run_mode(args.mode, args.packets, args.workers)))
        return 0
    print(f"machine: {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    for mode in ("single", "sequential", "parallel"):
        proc = subprocess.run([sys.executable, __file__, "--mode", mode, "--packets", str(args.packets),
                               "--workers", str(args.workers)], capture_output=True, text=True)
        if proc.returncode:
            print(proc.stderr, file=sys.stderr)
            return 1
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        if mode == "single":
            print(f"one-page handouts: {r['handouts']} in {r['seconds']:.2f} s = {r['per_handout']:.3f} s each; "
                  f"peak memory {r['peak_mb_main']} MB")
        else:
            label = "sequential (1 process)" if mode == "sequential" else f"parallel ({args.workers} workers)"
            print(f"batch {label}: {r['packets']} packets / {r['pages']} pages in {r['seconds']:.1f} s = "
                  f"{r['per_packet']:.3f} s per packet; {r['failed']} failed; peak memory main {r['peak_mb_main']} MB, "
                  f"largest worker {r['peak_mb_worker']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
