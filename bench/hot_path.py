"""`make bench`, the hot path: the demo staff member's learning path (the query every staff
member's home page makes) served by Trellis, against a bare strawberry + starlette app
answering the same shape from memory (bench/bare_app.py). Each is one uvicorn process,
warmed, then loaded by wrk (-t2 -c20) and then at a steady 100 requests a second for the
latency a user meets; three rounds alternated, medians printed. On SQLite and on
PostgreSQL. A benchmark, not a test: compare figures from one run."""

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from bench.run import ROOT, _reset

QUERY = ("{ me { learningPath { items { course { id title } status effectiveDueOn dueState } } } }")
ROUNDS = 3
SECONDS = 10
STEADY_RATE = 100  # requests a second


def _start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": "{ __typename }"}, timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{command[0]} did not start on port {port}")


def _uvicorn(app: str, port: int, env: dict[str, str], factory: bool = False) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level", "warning",
               "--no-access-log", *(["--factory"] if factory else [])]
    return _start(command, env, port)


def _wrk(port: int, token: str | None, folder: Path, seconds: int = SECONDS) -> tuple[float, float, float]:
    """req/s, p50 and p99 (ms) of `wrk -t2 -c20` for `seconds`."""
    script = folder / "post.lua"
    headers = f'wrk.headers["Authorization"] = "Bearer {token}"\n' if token else ""
    script.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n' + headers
                      + f"wrk.body = {json.dumps(json.dumps({'query': QUERY}))}\n")
    out = subprocess.run(["wrk", "-t2", "-c20", f"-d{seconds}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}/graphql"], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    if re.search(r"Non-2xx", out):
        raise SystemExit(f"wrk saw errors:\n{out}")
    return rate, _percentile(out, "50%"), _percentile(out, "99%")


def _percentile(out: str, which: str) -> float:
    found = re.search(rf"^\s+{which}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    assert found, out
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


async def _steady(port: int, token: str | None) -> float:
    """p99 (ms) at a steady STEADY_RATE requests a second for SECONDS, each sent on time."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    times: list[float] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        async def one() -> None:
            start = time.perf_counter()
            response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
            response.raise_for_status()
            times.append(time.perf_counter() - start)

        tasks = []
        begin = time.perf_counter()
        for n in range(STEADY_RATE * SECONDS):
            await asyncio.sleep(max(0.0, begin + n / STEADY_RATE - time.perf_counter()))
            tasks.append(asyncio.create_task(one()))
        await asyncio.gather(*tasks)
    return statistics.quantiles(times, n=100)[98] * 1000


def _prepare(url: str, folder: Path) -> str:
    """A migrated database with the demo data; the demo staff member's token."""
    asyncio.run(_reset(url))
    env = {**os.environ, "DATABASE_URL": url}
    trellis = str(Path(sys.executable).with_name("trellis"))
    for args in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([trellis, *args], cwd=folder, env=env, check=True, capture_output=True)
    tokens = json.loads((folder / "var" / "demo-tokens.json").read_text())
    return next(t["token"] for t in tokens if t["role"] == "staff member")


def bench(url: str, port: int) -> dict[str, list[tuple[float, float, float, float]]]:
    folder = Path(tempfile.mkdtemp(prefix="trellis-bench-"))
    token = _prepare(url, folder)
    trellis_env = {"DATABASE_URL": url, "PORT": str(port)}
    trellis = _uvicorn("app.main:create_app", port, trellis_env, factory=True)
    try:
        answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": QUERY},
                            headers={"Authorization": f"Bearer {token}"}).json()
        assert not answer.get("errors") and answer["data"]["me"]["learningPath"]["items"], answer
    finally:
        trellis.terminate()
        trellis.wait()
    (folder / "answer.json").write_text(json.dumps(answer))
    bare_env = {"BARE_ANSWER": str(folder / "answer.json")}
    results: dict[str, list[tuple[float, float, float, float]]] = {"trellis": [], "bare": []}
    for _ in range(ROUNDS):
        for name in ("bare", "trellis"):
            process = (_uvicorn("bench.bare_app:app", port, bare_env) if name == "bare"
                       else _uvicorn("app.main:create_app", port, trellis_env, factory=True))
            try:
                _wrk(port, token, folder, seconds=2)  # warm: pooled connections, prepared statements
                rate, p50, p99 = _wrk(port, token, folder)
                results[name].append((rate, p50, p99, asyncio.run(_steady(port, token))))
            finally:
                process.terminate()
                process.wait()
    shutil.rmtree(folder, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sqlite", default=str(ROOT / "var/bench/hot_path.db"))
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/trellis_bench"))
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `apt-get install wrk` (make bench installs it).")
    Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
    urls = {"sqlite": f"sqlite+aiosqlite:///{args.sqlite}", "postgresql": args.postgres}
    print(f"The learning path: wrk -t2 -c20 for {SECONDS}s, then p99 at a steady {STEADY_RATE} req/s; medians of "
          f"{ROUNDS} rounds alternated")
    print(f"{'engine':<11} {'app':<8} {'req/s':>18} {'p50 ms':>7} {'p99 ms':>7} {'steady p99':>11} {'ratio':>6}")
    for engine in args.engines.split(","):
        results = bench(urls[engine], args.port)
        name = "SQLite" if make_url(urls[engine]).get_backend_name() == "sqlite" else "PostgreSQL"
        medians = {}
        for app in ("bare", "trellis"):
            runs = results[app]
            rates = [r[0] for r in runs]
            medians[app] = statistics.median(rates)
            p50, p99, steady = (statistics.median(r[i] for r in runs) for i in (1, 2, 3))
            spread = f"{medians[app]:.0f} ({min(rates):.0f}-{max(rates):.0f})"
            ratio = f"{medians['trellis'] / medians['bare']:.2f}" if app == "trellis" else ""
            print(f"{name:<11} {app:<8} {spread:>18} {p50:>7.1f} {p99:>7.1f} {steady:>11.1f} {ratio:>6}", flush=True)


if __name__ == "__main__":
    main()
