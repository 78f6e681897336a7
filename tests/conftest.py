"""The suite runs once on SQLite and once on PostgreSQL: every test that uses `db` is
parametrised by engine. Each test sees a migrated database, empty or holding only the test
world when it asks for `world`: by default its writes are rolled back at its end
(tests/databases.py)."""

import copy
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from infra import migrations
from app.main import create_app
from infra.database import Database
from infra.settings import Settings
from schema.build import build_schema
from tests.databases import Base, rolled_back
from tests.world import World, build_world

ENGINES = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; tests that need a file of their own copy it."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    migrations.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
async def bases(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[dict[str, Base]]:
    """This worker's migrated database on each engine, made the first time a test asks."""
    folder = tmp_path_factory.mktemp("bases")
    made = {kind: Base(kind, folder) for kind in ENGINES}
    # The test world is written once per worker and engine into a database of its own;
    # each test that asks for it works inside a transaction rolled back at its end.
    made.update({f"{kind}+world": Base(kind, folder, "world", build_world) for kind in ENGINES})
    yield made
    for base in made.values():
        await base.close()


@pytest.fixture(scope="session", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Every test that touches a database runs once per engine."""
    return request.param


def _committed(request: pytest.FixtureRequest) -> bool:
    return "database_url" in request.fixturenames or request.node.get_closest_marker("committed") is not None


def _base(request: pytest.FixtureRequest, engine: str, bases: dict[str, Base]) -> Base:
    """The world's database for a rolled-back test that wants the world; else the empty one."""
    if "world" in request.fixturenames and not _committed(request):
        return bases[f"{engine}+world"]
    return bases[engine]


@pytest.fixture
async def database_url(engine: str, bases: dict[str, Base]) -> str:
    """The URL of the worker's database. Asking for it makes the test's writes real
    (other connections, threads and processes see them); they are emptied afterwards."""
    await bases[engine].open()
    return bases[engine].url


@pytest.fixture
async def db(request: pytest.FixtureRequest, engine: str, bases: dict[str, Base]) -> AsyncIterator[Database]:
    base = _base(request, engine, bases)
    database = await base.open()
    if not _committed(request):
        async with rolled_back(database) as rollback:
            yield rollback
        return
    try:
        yield database
    finally:
        await base.empty()


@pytest.fixture
def settings() -> Settings:
    return Settings(production=False)


_SCHEMAS: dict[str, Any] = {}


def schema_for(settings: Settings) -> Any:
    """The GraphQL schema is built once per distinct settings for the whole run."""
    key = settings.model_dump_json()
    if key not in _SCHEMAS:
        _SCHEMAS[key] = build_schema(settings)
    return _SCHEMAS[key]


@pytest.fixture
async def client(db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, db, schema=schema_for(settings))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://trellis.test") as http:
        yield http


class GraphQL:
    """Posts operations to /graphql as a given token, the way a front end would."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def raw(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers)

    async def __call__(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> dict[str, Any]:
        """The `data` of a successful response; fails the test on any GraphQL error."""
        response = await self.raw(query, variables, token)
        body = response.json()
        assert response.status_code == 200 and not body.get("errors"), body
        return body["data"]

    async def errors(self, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> list[dict[str, Any]]:
        response = await self.raw(query, variables, token)
        body = response.json()
        assert body.get("errors"), body
        return body["errors"]


@pytest.fixture
def gql(client: httpx.AsyncClient) -> GraphQL:
    return GraphQL(client)


@pytest.fixture
async def world(request: pytest.FixtureRequest, db: Database, engine: str, bases: dict[str, Base]) -> World:
    base = _base(request, engine, bases)
    if base.prepare is build_world:
        return copy.deepcopy(base.prepared)  # a test may change its copy; the next gets the original
    return await build_world(db)


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(db: Database) -> Iterator[StatementCounter]:
    """Counts the SQL statements (not BEGIN/COMMIT) the engine runs while the test does."""
    counter = StatementCounter()

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):
            counter.statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    yield counter
    event.remove(db.engine.sync_engine, "before_cursor_execute", record)
