"""Migrations and models agree, and the service will not run on a database that is behind.

A model change without its migration would pass every other test (they all run on migrated
databases built from the same metadata), then break the first real deployment."""

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from infra import migrations
from infra.database import create_engine
from app.main import create_app
from infra.settings import Settings


async def test_the_app_refuses_an_unmigrated_database_and_names_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    url = f"sqlite+aiosqlite:///{path}"
    app = create_app(Settings(database_url=url))

    with pytest.raises(migrations.DatabaseBehind) as behind:
        async with app.router.lifespan_context(app):
            pytest.fail("the app started on a database without migrations")
    assert "`make migrate`" in str(behind.value)
    assert migrations.head_revision() in str(behind.value)

    await asyncio.to_thread(migrations.upgrade, url)  # alembic's env runs its own event loop
    app = create_app(Settings(database_url=url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://trellis.test") as http:
            response = await http.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_a_database_at_an_unknown_revision_is_refused_too(tmp_path: Path, sqlite_template: Path) -> None:
    """Not only 'no migrations': any revision other than the code's head."""
    path = tmp_path / "elsewhere.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'someone_elses'")
    await engine.dispose()

    app = create_app(Settings(database_url=url))
    with pytest.raises(migrations.DatabaseBehind, match="make migrate"):
        async with app.router.lifespan_context(app):
            pass


async def test_the_models_match_the_migrations(database_url: str) -> None:
    """Alembic's autogenerate finds nothing to add: the tables, columns, types, nullability,
    indexes, unique constraints and foreign keys the code declares are the migrated ones,
    on each engine's database built by the migrations alone."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), SQLModel.metadata
                )
            )
            revision = await migrations.current_revision(engine)
    finally:
        await engine.dispose()
    assert revision == migrations.head_revision()
    assert differences == [], f"models and migrations differ; add a migration for: {differences}"
