"""A mutation's unit of work: one transaction holding its change and its audit event."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from infra.database import Database
from domain.audit import PEOPLE_CHANGED, AuditAction, summary_line
from domain.errors import Conflict
from domain.models import AuditEvent
from permissions.principal import Principal


@dataclass
class UnitOfWork:
    session: AsyncSession
    principal: Principal
    events: int = 0
    unchanged: bool = False
    # School -> the summary of the last change to its people (domain/audit.PEOPLE_CHANGED):
    # its rule-based groups follow before the unit commits.
    people_changed: dict[int, str] = field(default_factory=dict)

    def nothing_changed(self) -> None:
        """Said by a use case that answered without changing anything (a replayed call)."""
        self.unchanged = True

    def require_audit(self, what: str) -> None:
        """Every change is audited in its own transaction: a mutation that wrote no event
        and did not say it changed nothing is a bug, and raising here keeps nothing of it."""
        if not self.events and not self.unchanged:
            raise RuntimeError(f"{what} wrote no audit event")

    async def audit(
        self,
        action: AuditAction,
        *,
        target: SQLModel,
        what: str,
        organisation_id: int | None = None,
        licence_id: int | None = None,
        staff_group_id: int | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        target_type: str | None = None,
    ) -> AuditEvent:
        """The change's event: its actor, `what` they did (the summary reads "<actor> <what>"),
        the object changed (`target`, filed under its type's name unless `target_type` says
        otherwise), where, and the record before and after."""
        actor = self.principal.display_name or "system"
        await self.session.flush()  # the target's id, when it was just added
        event = AuditEvent(
            actor_id=self.principal.person_id,
            actor_name=actor,
            action=action,
            target_type=target_type or type(target).__name__,
            target_id=target.id,
            organisation_id=organisation_id,
            licence_id=licence_id,
            staff_group_id=staff_group_id,
            summary=summary_line(f"{actor} {what}"),
            before=before,
            after=after,
        )
        self.session.add(event)
        await self.session.flush()
        self.events += 1
        if action in PEOPLE_CHANGED and organisation_id is not None:
            self.people_changed[organisation_id] = event.summary
        return event


@asynccontextmanager
async def unit_of_work(db: Database, principal: Principal) -> AsyncIterator[UnitOfWork]:
    """Everything inside commits together, or, if anything raises, not at all.

    A unique constraint broken by a concurrent request (two people adding the same
    email at once, say) is a conflict for the caller, not a server error.
    """
    try:
        async with db.write() as session:
            yield UnitOfWork(session, principal)
    except IntegrityError:
        raise Conflict("This clashes with a change made at the same moment; reload and try again.") from None
