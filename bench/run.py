"""`make bench`: the trust aggregate and a page of 500 enrolments, timed through GraphQL
over HTTP and as the same SQL run raw through the same driver (encoded with orjson),
on SQLite and on PostgreSQL. Medians of several runs. A benchmark, not a test."""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from infra import migrations
from infra.database import create_engine, normalise_url
from bench.generate import generate
from infra.progress import progress
from resolvers.trust_analytics import Dimension, summary_statement
from resolvers.trust_scope import ProgressFilter
from resolvers.trusts import PROGRESS_ORDER, school_progress_statement
from schema.ids import global_id

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
PAGE = 500
DIMENSIONS = [Dimension.SCHOOL, Dimension.COURSE]
AGGREGATE = """query($t: ID!) { trust(id: $t) { progressSummary(groupBy: [SCHOOL, COURSE]) {
  school { id } course { id } enrolments completed inProgress notStarted overdue completionRate
  meanSecondsSpent medianSecondsSpent } } }"""
PAGE_QUERY = """query($t: ID!, $s: ID!) { trust(id: $t) { schoolProgress(schoolId: $s, first: %d) {
  totalCount edges { cursor node { personName personEmail status progressPercent secondsSpent startedAt
  completedAt course { id } } } } } }""" % PAGE


async def _reset(url: str) -> None:
    if make_url(url).get_backend_name() == "sqlite":
        Path(make_url(url).database).unlink(missing_ok=True)
        return
    server = make_url(url)
    name = server.database
    admin = create_async_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()


def _serve(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "MAX_PAGE_SIZE": str(PAGE), "PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--port", str(port), "--log-level",
         "warning"], cwd=ROOT, env=env,
    )
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def _median(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def _raw(url: str, statements: list, runs: int) -> float:  # type: ignore[type-arg]
    engine = create_engine(url)
    samples = []
    try:
        for _ in range(runs + 1):
            start = time.perf_counter()
            async with engine.connect() as conn:
                for stmt in statements:
                    result = await conn.execute(stmt)
                    keys = [str(k) for k in result.keys()]
                    orjson.dumps([dict(zip(keys, row, strict=True)) for row in result.all()], default=str)
            samples.append(time.perf_counter() - start)
    finally:
        await engine.dispose()
    return _median(samples[1:])  # the first run warms the caches


def _http(port: int, token: str, query: str, variables: dict, runs: int) -> float:
    samples = []
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
        for _ in range(runs + 1):
            start = time.perf_counter()
            response = client.post("/graphql", json={"query": query, "variables": variables},
                                   headers={"Authorization": f"Bearer {token}"})
            response.raise_for_status()
            samples.append(time.perf_counter() - start)  # the answer, not the bench's reading of it
            assert not response.json().get("errors"), response.text[:500]
    return _median(samples[1:])


async def bench(url: str, scale: int, runs: int, port: int) -> list[tuple[str, float, float]]:
    url = normalise_url(url)
    await _reset(url)
    await asyncio.to_thread(migrations.upgrade, url)
    with progress(f"Building {50 * scale} schools on {make_url(url).get_backend_name()}"):
        token = await generate(url, schools=50 * scale)
    engine = create_engine(url)
    async with engine.connect() as conn:
        trust_id = (await conn.execute(text("SELECT id FROM organisation WHERE kind = 'TRUST'"))).scalar_one()
        school_id = (await conn.execute(text("SELECT min(id) FROM organisation WHERE kind = 'SCHOOL'"))).scalar_one()
        schools = (await conn.execute(text("SELECT id FROM organisation WHERE kind = 'SCHOOL'"))).scalars().all()
    await engine.dispose()
    dialect = make_url(url).get_backend_name()
    aggregate_sql = summary_statement(dialect, {s: "Europe/London" for s in schools}, ProgressFilter(),
                                      DIMENSIONS)
    page_sql = school_progress_statement(school_id, "Europe/London", ProgressFilter())
    page_raw = [
        select(func.count()).select_from(page_sql.subquery()),
        page_sql.order_by(*(o.column for o in PROGRESS_ORDER)).limit(PAGE + 1),
    ]
    process = _serve(url, port)
    try:
        variables = {"t": global_id("Organisation", trust_id)}
        api_aggregate = _http(port, token, AGGREGATE, variables, runs)
        api_page = _http(port, token, PAGE_QUERY, {**variables, "s": global_id("Organisation", school_id)}, runs)
    finally:
        process.terminate()
        process.wait(timeout=30)
    return [
        ("aggregate", api_aggregate, await _raw(url, [aggregate_sql], runs)),
        (f"page of {PAGE}", api_page, await _raw(url, page_raw, runs)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, default=1, help="1: 150,000 enrolments; 10: 1,500,000")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--sqlite", default=str(ROOT / "var/bench/bench.db"))
    parser.add_argument("--postgres", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/trellis_bench"))
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
    engines = [("SQLite", f"sqlite+aiosqlite:///{args.sqlite}"), ("PostgreSQL", args.postgres)]
    print(f"{50 * args.scale} schools x 100 staff x 30 courses; medians of {args.runs} runs, in ms")
    print(f"{'engine':<11} {'what':<13} {'GraphQL/HTTP':>13} {'raw SQL':>9} {'ratio':>6}")
    for name, url in engines:
        for what, api, raw in asyncio.run(bench(url, args.scale, args.runs, args.port)):
            print(f"{name:<11} {what:<13} {api:>13.1f} {raw:>9.1f} {api / raw:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
