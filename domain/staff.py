"""Who counts as staff of a licence (seed 000): the holder of an active All Access Pass
PLUS seat. One rule, in Python and as the SQL condition every query about staff uses
(the All Staff group, group members, planning, the trust's figures); a property test
holds the two equal."""

from typing import Any

from sqlalchemy import ColumnElement, and_

from domain.models import Seat, SubscriptionKind

STAFF_SUBSCRIPTION = SubscriptionKind.ALL_ACCESS_PASS_PLUS


def is_staff_seat(active: bool, subscription: str) -> bool:
    return active and subscription == STAFF_SUBSCRIPTION


def staff_seat(seat: Any = Seat) -> ColumnElement[bool]:
    """`is_staff_seat` as a condition on a seat table (or an alias of it)."""
    return and_(seat.active.is_(True), seat.subscription == STAFF_SUBSCRIPTION)
