"""What the audit log records: the actions, and JSON snapshots of rows."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel import SQLModel


class AuditAction(StrEnum):
    ORGANISATION_CREATED = "organisation.created"
    DESIGNATION_SET = "organisation.designation_set"
    MEMBER_ADDED = "member.added"
    MEMBER_REMOVED = "member.removed"
    MEMBER_PROMOTED = "member.promoted"
    MEMBER_DEMOTED = "member.demoted"
    LICENCE_CREATED = "licence.created"
    OWNERSHIP_TRANSFERRED = "licence.ownership_transferred"
    SEAT_ADDED = "seat.added"
    SEAT_DEACTIVATED = "seat.deactivated"
    SEAT_REACTIVATED = "seat.reactivated"
    TOKEN_CREATED = "token.created"
    TOKEN_REVOKED = "token.revoked"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(row: SQLModel | None, exclude: set[str] | None = None, **extra: Any) -> dict[str, Any] | None:
    """The row's columns as JSON-ready values, plus any context worth keeping."""
    if row is None:
        return None
    data = {key: _plain(value) for key, value in row.model_dump(exclude=exclude).items()}
    data.update({key: _plain(value) for key, value in extra.items()})
    return data
