"""The audit log, newest first, scoped by the policy before it is filtered and paged."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from domain.audit import AuditAction
from domain.models import AuditEvent
from permissions import policy
from resolvers.context import RequestContext
from resolvers.pagination import Page, Window, by_id


@dataclass
class AuditFilter:
    organisation_id: int | None = None
    staff_group_id: int | None = None
    actor_id: int | None = None
    actions: list[AuditAction] | None = None
    target_type: str | None = None
    target_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


async def audit_log(ctx: RequestContext, where: AuditFilter, *, window: Window) -> Page[AuditEvent]:
    stmt = select(AuditEvent).where(
        policy.audit_clause(ctx.principal, AuditEvent.organisation_id, AuditEvent.staff_group_id)
    )
    if where.organisation_id is not None:
        stmt = stmt.where(AuditEvent.organisation_id == where.organisation_id)
    if where.staff_group_id is not None:
        stmt = stmt.where(AuditEvent.staff_group_id == where.staff_group_id)
    if where.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == where.actor_id)
    if where.actions:
        stmt = stmt.where(AuditEvent.action.in_([a.value for a in where.actions]))
    if where.target_type is not None:
        stmt = stmt.where(AuditEvent.target_type == where.target_type)
    if where.target_id is not None:
        stmt = stmt.where(AuditEvent.target_id == where.target_id)
    if where.since is not None:
        stmt = stmt.where(AuditEvent.occurred_at >= where.since)
    if where.until is not None:
        stmt = stmt.where(AuditEvent.occurred_at < where.until)
    return await by_id(ctx, stmt, AuditEvent.id, window)
