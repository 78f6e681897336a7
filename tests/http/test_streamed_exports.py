"""The exports stream their rows, through a server-side cursor on PostgreSQL, which needs
a transaction that the service's other reads do without: run here against a real
database with the app's own engine, not the tests' rolled-back connection."""

import httpx
import pytest
from sqlalchemy import select

from app.main import create_app
from infra.database import Database
from infra.settings import Settings
from schema.ids import global_id
from tests.conftest import schema_for
from tests.spreadsheets import read_csv
from tests.world import World


async def test_the_exports_stream_from_a_real_database(database_url: str, world: World) -> None:
    app = create_app(Settings(production=False, database_url=database_url), schema=schema_for(Settings(production=False)))
    group = global_id("StaffGroup", world.all_staff["ashdown"])
    trust = global_id("Organisation", world.organisations["trust"])
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://trellis.test") as http:
            matrix = await http.get(f"/reports/groups/{group}/matrix.csv",
                                    headers={"Authorization": f"Bearer {world['owner'].token}"})
            targets = await http.get(f"/reports/trusts/{trust}/targets.csv",
                                     headers={"Authorization": f"Bearer {world['trust_admin'].token}"})
    assert matrix.status_code == 200 and targets.status_code == 200, (matrix.text, targets.text)
    rows = read_csv(matrix)
    assert rows[0][:2] == ["Name", "Email"] and {r[1] for r in rows[1:]} >= {world["staff"].email}
    assert read_csv(targets)[0][:3] == ["School", "Name", "Email"]


async def test_a_read_session_refuses_to_stream_on_every_engine(db: Database) -> None:
    """So a stream in a plain read fails in every test, not only on PostgreSQL against a
    real database."""
    async with db.read() as session:
        with pytest.raises(TypeError, match="Database.streaming"):
            await session.stream(select(1))
    async with db.streaming() as session:
        assert [row async for row in await session.stream(select(1))] == [(1,)]
