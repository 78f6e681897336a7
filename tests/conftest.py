"""The suite runs once on SQLite and once on PostgreSQL: every test that uses `db`
is parametrised by engine. Each test gets an empty, migrated database."""

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from infra import migrations
from infra.database import Database, create_engine, normalise_url
from app.main import create_app
from infra.settings import Settings
from tests.availability import POSTGRES_URL, reachable, require
from tests.world import World, build_world


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test copies it."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    migrations.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    """A database of this test run's own on the PostgreSQL server, migrated once and
    dropped at the end, so concurrent runs never disturb each other."""
    server = make_url(normalise_url(POSTGRES_URL))
    require(reachable(server.host or "127.0.0.1", server.port or 5432),
            f"PostgreSQL is not reachable at {server.host}:{server.port}")
    name = f"trellis_test_{os.getpid()}"
    url = server.set(database=name).render_as_string(hide_password=False)

    async def admin(*statements: str) -> None:
        engine = create_async_engine(server, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
        await engine.dispose()

    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'))
    migrations.upgrade(url)
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "trellis.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    return request.getfixturevalue("postgres_migrated")


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(create_engine(database_url))
    if database.engine.dialect.name == "postgresql":
        async with database.engine.begin() as conn:
            tables = (
                await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
                )
            ).scalars()
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    yield database
    await database.dispose()


@pytest.fixture
def settings() -> Settings:
    return Settings(production=False)


@pytest.fixture
async def client(db: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, db)
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
async def world(db: Database) -> World:
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
