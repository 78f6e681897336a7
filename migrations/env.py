"""Alembic environment: runs migrations through the same async engine the app uses."""

import asyncio

from alembic import context
from sqlmodel import SQLModel

import domain.models  # noqa: F401  (registers the tables)
from infra.database import create_engine
from infra.settings import get_settings

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        on_version_apply=config.attributes.get("on_version_apply"),  # the command's progress
    )
    with context.begin_transaction():
        context.run_migrations()


def _foreign_keys(connection, on: bool) -> None:  # type: ignore[no-untyped-def]
    """SQLite rebuilds a table by copying and dropping it, and dropping a table with its
    foreign keys on would delete (or cascade to) the rows that point at it. So they are
    off while migrations run, outside any transaction as SQLite requires, and every row
    is checked once they are back."""
    cursor = connection.connection.cursor()
    cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if on:
        cursor.execute("PRAGMA foreign_key_check")
        broken = cursor.fetchall()
        if broken:
            raise RuntimeError(f"migrations left rows pointing nowhere: {broken[:10]}")
    cursor.close()


async def _run_async() -> None:
    engine = create_engine(_url())
    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            await connection.run_sync(_foreign_keys, False)
        await connection.run_sync(_run)
        await connection.commit()
        if sqlite:
            await connection.run_sync(_foreign_keys, True)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
