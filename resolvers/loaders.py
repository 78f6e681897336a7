"""DataLoaders, built fresh for every request: each batches one SELECT per table."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlmodel import SQLModel
from strawberry.dataloader import DataLoader

from app.db import Database
from domain.models import Licence, Membership, Seat

Row = TypeVar("Row", bound=SQLModel)


class Loaders:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._by_id: dict[type[SQLModel], DataLoader[int, Any]] = {}
        self.organisations_of_person = DataLoader(self._organisations_of_people)
        self.licence_of_organisation = DataLoader(self._licences_of_organisations)
        self.active_seats = DataLoader(self._active_seats)

    def by_id(self, model: type[Row]) -> DataLoader[int, Row | None]:
        if model not in self._by_id:

            async def load(ids: Sequence[int]) -> list[Row | None]:
                async with self._db.read() as session:
                    rows = (await session.execute(select(model).where(model.id.in_(ids)))).scalars()
                    found = {row.id: row for row in rows}
                return [found.get(i) for i in ids]

            self._by_id[model] = DataLoader(load)
        return self._by_id[model]

    async def _organisations_of_people(self, person_ids: Sequence[int]) -> list[list[int]]:
        async with self._db.read() as session:
            rows = await session.execute(
                select(Membership.person_id, Membership.organisation_id).where(
                    Membership.person_id.in_(person_ids)
                )
            )
            found: dict[int, list[int]] = defaultdict(list)
            for person_id, organisation_id in rows:
                found[person_id].append(organisation_id)
        return [found[i] for i in person_ids]

    async def _licences_of_organisations(self, organisation_ids: Sequence[int]) -> list[Licence | None]:
        async with self._db.read() as session:
            rows = await session.execute(select(Licence).where(Licence.organisation_id.in_(organisation_ids)))
            found = {licence.organisation_id: licence for licence in rows.scalars()}
        return [found.get(i) for i in organisation_ids]

    async def _active_seats(self, licence_ids: Sequence[int]) -> list[int]:
        """Active seats per licence, counted in SQL."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(Seat.licence_id, func.count())
                .where(Seat.licence_id.in_(licence_ids), Seat.active.is_(True))
                .group_by(Seat.licence_id)
            )
            counts = {licence_id: count for licence_id, count in rows}
        return [counts.get(i, 0) for i in licence_ids]
