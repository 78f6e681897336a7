"""Alembic from code: upgrade the database, and tell whether it is behind."""

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

ROOT = Path(__file__).resolve().parent.parent
MIGRATE_COMMAND = "make migrate"


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head", on_step: Callable[[], None] | None = None) -> None:
    """Apply the pending migrations; `on_step` is called after each one."""
    config = alembic_config(url)
    if on_step is not None:
        config.attributes["on_version_apply"] = lambda **_: on_step()
    command.upgrade(config, revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def revision_of(session: AsyncSession) -> str | None:
    """The database's migration, read on this session's connection."""
    return await session.run_sync(
        lambda sync: MigrationContext.configure(sync.connection()).get_current_revision()
    )


class DatabaseBehind(RuntimeError):
    pass


async def ensure_current(engine: AsyncEngine) -> None:
    """Refuse to serve a database whose schema is not the code's."""
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise DatabaseBehind(
            f"The database is at migration {current or '(none)'} but this code needs {head}. "
            f"Run `{MIGRATE_COMMAND}` (or `trellis db upgrade`) to migrate it."
        )
