#!/usr/bin/env python3
"""Benchmark (not a test): the clinic desk's latency, measured against a running `make_book.py serve`.

Usage: python3 benchmarks/bench_desk.py [--rounds 20] [--concurrent 50]

Starts the desk on a free loopback port with a throwaway data folder, warms it, then reports
p50/p95 of a one-spot preview (each request new, so not from the cache), a cached preview, a
one-spot and a three-spot packet, and fires CONCURRENT API requests at once: all must answer with
a PDF, and no temporary file of the desk may be left behind.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TEMP_PREFIX = "perfect-spots-desk-"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.status, r.read()


def post_json(url: str, body: dict) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=300) as r:
            return r.status, r.headers["content-type"], r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read()


def timed(fn, rounds: int) -> list[float]:
    out = []
    for i in range(rounds):
        started = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(name: str, ms: list[float]) -> dict:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    row = {"what": name, "n": len(ms), "p50_ms": round(statistics.median(ms)), "p95_ms": round(p95)}
    print(f"{name:<34} n={row['n']:<3} p50 {row['p50_ms']:>5} ms   p95 {row['p95_ms']:>5} ms")
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--concurrent", type=int, default=50)
    args = ap.parse_args()
    leftovers_before = set(Path(tempfile.gettempdir()).glob(TEMP_PREFIX + "*"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DESK_PASSWORD")}
        server = subprocess.Popen([sys.executable, str(ROOT / "make_book.py"), "serve", "--port", str(port),
                                   "--data", data], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    get(base + "/api/spots")
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        print(server.stderr.read().decode(errors="replace"), file=sys.stderr)
                        return 1
                    time.sleep(0.3)
            preview = lambda client, spots=("2",): base + "/packets/preview.png?" + urllib.parse.urlencode(
                {"spots": list(spots), "client": client, "date": "2026-03-04"}, doseq=True)
            for i in range(4):  # warm both workers: fonts, stylesheets, figure caches
                get(preview(f"Warm {i}"))
            rows = [
                summary("preview, 1 spot (new each time)", timed(lambda i: get(preview(f"Client {i}")), args.rounds)),
                summary("preview, 1 spot (cached)", timed(lambda i: get(preview("Client 0")), args.rounds)),
                summary("packet PDF, 1 spot", timed(lambda i: post_json(base + "/api/packets", {
                    "client": f"P {i}", "spots": [2], "date": "2026-03-04"}), args.rounds)),
                summary("packet PDF, 3 spots", timed(lambda i: post_json(base + "/api/packets", {
                    "client": f"Q {i}", "spots": [2, 8, 15], "date": "2026-03-04"}), args.rounds)),
            ]
            bodies = [{"client": f"Concurrent {i}", "spots": [1 + i % 15], "hold": "60", "date": "2026-03-04"}
                      for i in range(args.concurrent)]
            started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrent) as pool:
                answers = list(pool.map(lambda b: post_json(base + "/api/packets", b), bodies))
            wall = time.perf_counter() - started
            ok = sum(1 for status, kind, body in answers if status == 200 and kind == "application/pdf"
                     and body.startswith(b"%PDF"))
        finally:
            server.terminate()
            server.wait(timeout=30)
    left = set(Path(tempfile.gettempdir()).glob(TEMP_PREFIX + "*")) - leftovers_before
    print(f"{args.concurrent} concurrent API requests: {ok} succeeded in {wall:.1f} s; "
          f"temporary files left: {len(left)}")
    goal = rows[0]["p50_ms"] <= 400
    print(f"goal (one-spot preview p50 <= 400 ms warm): {'met' if goal else 'NOT met'}")
    return 0 if ok == args.concurrent and not left else 1


if __name__ == "__main__":
    sys.exit(main())
