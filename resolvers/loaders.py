"""DataLoaders, built fresh for every request: each batches one SELECT per table."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import and_, func, select
from sqlmodel import SQLModel
from strawberry.dataloader import DataLoader

from infra.database import Database
from permissions.principal import Principal
from resolvers import targets
from resolvers.targets import Found
from domain.models import (
    CourseCompletion, GroupDelegate, Licence, Membership, NotificationDelivery, NotificationItem, NotificationSettings,
    OverdueSummary, Person, Seat, TargetList, TargetListItem, digest_order,
)

Row = TypeVar("Row", bound=SQLModel)
# The completions an enrolment shows, the latest first: a course that renews monthly
# keeps four years of them; the rest stay in the history table.
COMPLETIONS_SHOWN = 50


class Loaders:
    def __init__(self, db: Database, principal: Principal) -> None:
        self._db = db
        self._principal = principal
        self._by_id: dict[type[SQLModel], DataLoader[int, Any]] = {}
        self._targets: dict[type[SQLModel], DataLoader[int, Found | None]] = {}
        self.organisations_of_person = DataLoader(self._organisations_of_people)
        self.licence_of_organisation = DataLoader(self._licences_of_organisations)
        self.active_seats = DataLoader(self._active_seats)
        self.lists_of_group = DataLoader(self._lists_of_groups)
        self.items_of_list = DataLoader(self._items_of_lists)
        self.delegates_of_group = DataLoader(self._delegates_of_groups)
        self.lines_of_delivery = DataLoader(self._lines_of_deliveries)
        self.notification_settings = DataLoader(self._notification_settings)
        self.own_overdue_summary = DataLoader(self._own_overdue_summaries)
        self.completions_of_enrolment = DataLoader(self._completions_of_enrolments)

    def by_id(self, model: type[Row]) -> DataLoader[int, Row | None]:
        if model not in self._by_id:

            async def load(ids: Sequence[int]) -> list[Row | None]:
                async with self._db.read() as session:
                    rows = (await session.execute(select(model).where(model.id.in_(ids)))).scalars()
                    found = {row.id: row for row in rows}
                return [found.get(i) for i in ids]

            self._by_id[model] = DataLoader(load)
        return self._by_id[model]

    def known(self, model: type[SQLModel], rows: Iterable[Any]) -> None:
        """Rows a use case read already, of a kind whose facts are in the row itself: the
        fields that open them by id find them here instead of reading them again."""
        loader = self.targets(model)
        for row in rows:
            subject = targets.local_subject(model, row)
            assert subject is not None, f"{model.__name__}'s facts are not in its row"
            loader.prime(row.id, Found(row, row, subject))

    def targets(self, model: type[SQLModel]) -> DataLoader[int, Found | None]:
        """Objects by id with the facts the policy needs of them (resolvers/targets.py)."""
        if model not in self._targets:

            async def load(ids: Sequence[int]) -> list[Found | None]:
                async with self._db.read() as session:
                    found = await targets.find(session, self._principal, model, ids)
                return [found.get(i) for i in ids]

            self._targets[model] = DataLoader(load)
        return self._targets[model]

    async def rows(self, model: type[Row], keys: Iterable[int | None]) -> dict[int, Row]:
        """Rows by id for a batch of keys (Nones and unknown ids left out)."""
        found = await self.by_id(model).load_many(sorted({k for k in keys if k is not None}))
        return {row.id: row for row in found if row is not None}

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

    async def _lists_of_groups(self, group_ids: Sequence[int]) -> list[list[TargetList]]:
        async with self._db.read() as session:
            rows = await session.execute(
                select(TargetList).where(TargetList.group_id.in_(group_ids)).order_by(TargetList.name, TargetList.id)
            )
            found: dict[int, list[TargetList]] = defaultdict(list)
            for target_list in rows.scalars():
                found[target_list.group_id].append(target_list)
        return [found[i] for i in group_ids]

    async def _items_of_lists(self, list_ids: Sequence[int]) -> list[list[TargetListItem]]:
        async with self._db.read() as session:
            rows = await session.execute(
                select(TargetListItem)
                .where(TargetListItem.list_id.in_(list_ids))
                .order_by(TargetListItem.list_id, TargetListItem.position)
            )
            found: dict[int, list[TargetListItem]] = defaultdict(list)
            for item in rows.scalars():
                found[item.list_id].append(item)
        return [found[i] for i in list_ids]

    async def _delegates_of_groups(self, group_ids: Sequence[int]) -> list[list[Person]]:
        async with self._db.read() as session:
            rows = await session.execute(
                select(GroupDelegate.group_id, Person)
                .join(Person, Person.id == GroupDelegate.person_id)
                .where(GroupDelegate.group_id.in_(group_ids))
                .order_by(Person.display_name, Person.id)
            )
            found: dict[int, list[Person]] = defaultdict(list)
            for group_id, person in rows:
                found[group_id].append(person)
        return [found[i] for i in group_ids]

    async def _notification_settings(self, school_ids: Sequence[int]) -> list[NotificationSettings | None]:
        async with self._db.read() as session:
            rows = await session.execute(
                select(NotificationSettings).where(NotificationSettings.organisation_id.in_(school_ids))
            )
            found = {row.organisation_id: row for row in rows.scalars()}
        return [found.get(i) for i in school_ids]

    async def _own_overdue_summaries(self, school_ids: Sequence[int]) -> list[OverdueSummary | None]:
        """The caller's own summary in each school."""
        async with self._db.read() as session:
            rows = await session.execute(
                select(OverdueSummary).where(OverdueSummary.organisation_id.in_(school_ids),
                                             OverdueSummary.person_id == self._principal.person_id)
            )
            found = {row.organisation_id: row for row in rows.scalars()}
        return [found.get(i) for i in school_ids]

    async def _lines_of_deliveries(self, delivery_ids: Sequence[int]) -> list[list[NotificationItem]]:
        async with self._db.read() as session:
            rows = await session.execute(
                select(NotificationDelivery.id, NotificationItem)
                .join(NotificationItem, and_(NotificationItem.plan_id == NotificationDelivery.plan_id,
                                             NotificationItem.person_id == NotificationDelivery.person_id))
                .where(NotificationDelivery.id.in_(delivery_ids))
                .order_by(*digest_order())
            )
            found: dict[int, list[NotificationItem]] = defaultdict(list)
            for delivery_id, item in rows:
                found[delivery_id].append(item)
        return [found[i] for i in delivery_ids]

    async def _completions_of_enrolments(self, enrolment_ids: Sequence[int]) -> list[list[Any]]:
        """Each enrolment's latest COMPLETIONS_SHOWN completion instants, the latest first."""
        place = func.row_number().over(partition_by=CourseCompletion.enrolment_id,
                                       order_by=CourseCompletion.completed_at.desc()).label("place")
        ranked = select(CourseCompletion.enrolment_id, CourseCompletion.completed_at, place) \
            .where(CourseCompletion.enrolment_id.in_(enrolment_ids)).subquery()
        found: dict[int, list[Any]] = defaultdict(list)
        async with self._db.read() as session:
            rows = await session.execute(
                select(ranked.c.enrolment_id, ranked.c.completed_at).where(ranked.c.place <= COMPLETIONS_SHOWN)
                .order_by(ranked.c.enrolment_id, ranked.c.place))
            for enrolment_id, completed_at in rows:
                found[enrolment_id].append(completed_at)
        return [found[i] for i in enrolment_ids]
