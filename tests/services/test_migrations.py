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


async def _rows(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            return [tuple(r) for r in (await conn.exec_driver_sql(sql)).all()]
    finally:
        await engine.dispose()


async def test_the_ids_migration_keeps_every_row_and_starts_past_ids_the_log_remembers(tmp_path: Path) -> None:
    """A database from before AUTOINCREMENT: a group was deleted, its id now free and the
    highest. After the upgrade every row is there, every table with an id is AUTOINCREMENT,
    and the next group does not take the deleted one's id."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(migrations.upgrade, url, "0005")
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO organisation (id, kind, name, time_zone, created_at) VALUES (1, 'SCHOOL', 'Ashdown', "
            "'Europe/London', '2026-01-01 00:00:00')")
        await conn.exec_driver_sql(
            "INSERT INTO person (id, email, display_name, is_platform_support, created_at) VALUES "
            "(1, 'o@example.org', 'Owner', 0, '2026-01-01 00:00:00')")
        await conn.exec_driver_sql("INSERT INTO licence (id, organisation_id, owner_id, created_at) VALUES "
                                   "(1, 1, 1, '2026-01-01 00:00:00')")
        await conn.exec_driver_sql("INSERT INTO staff_group (id, licence_id, name, kind, created_at) VALUES "
                                   "(1, 1, 'All Staff', 'ALL_STAFF', '2026-01-01 00:00:00')")
        # Group 2 was deleted: only the audit log still names it.
        await conn.exec_driver_sql(
            "INSERT INTO audit_event (id, occurred_at, actor_name, action, target_type, target_id, summary) VALUES "
            "(1, '2026-01-02 00:00:00', 'Owner', 'GROUP_DELETED', 'StaffGroup', 2, 'deleted Old Team')")
    await engine.dispose()
    before = {t: await _rows(url, f'SELECT * FROM "{t}" ORDER BY 1') for t in
              ("organisation", "person", "licence", "staff_group", "audit_event")}

    await asyncio.to_thread(migrations.upgrade, url)

    after = {t: await _rows(url, f'SELECT * FROM "{t}" ORDER BY 1') for t in before}
    # Columns added since (a group's rule) come last: the rows' first columns are as they were.
    assert {t: [row[:len(before[t][0])] for row in rows] for t, rows in after.items()} == before
    # Tables keyed by another table's id hand out none of their own.
    plain = await _rows(url, "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE '%AUTOINCREMENT%' "
                             "AND name NOT IN ('alembic_version', 'sqlite_sequence', 'notification_settings', "
                             "'reminded_person')")
    assert plain == []
    await _rows(url, "INSERT INTO staff_group (licence_id, name, kind, created_at) VALUES "
                     "(1, 'New Team', 'STAFF', '2026-01-03 00:00:00') RETURNING id")
    assert await _rows(url, "SELECT id FROM staff_group WHERE name = 'New Team'") == [(3,)]
    assert await _rows(url, "PRAGMA foreign_key_check") == []


async def test_people_already_reminded_are_known_as_such_after_the_upgrade(tmp_path: Path) -> None:
    """Planning writes the reminders of people never reminded without checking the once-only
    key; so the upgrade that starts keeping the list fills it from the lines already
    planned: reminders only (ASSIGNED and REMOVED lines are none)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(migrations.upgrade, url, "0015")
    await _rows(url, "INSERT INTO notification_item (plan_id, person_id, kind, course_id, due_on) VALUES "
                     "(1, 7, 'OVERDUE', 1, '2031-03-01'), (1, 7, 'DUE_SOON', 2, '2031-03-09'), "
                     "(1, 8, 'ASSIGNED', 1, '2031-03-01'), (1, 10, 'REMOVED', NULL, NULL), "
                     "(2, 9, 'DUE_TODAY', 1, '2031-03-02') RETURNING id")
    await asyncio.to_thread(migrations.upgrade, url)
    assert await _rows(url, "SELECT person_id FROM reminded_person ORDER BY 1") == [(7,), (9,)]
