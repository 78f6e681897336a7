"""Rule-based staff groups in the API (domain/group_rules.py): the rule as input, the
mutation that sets it, and the rule as a group shows it."""

from types import SimpleNamespace
from typing import Any, Optional

import strawberry
from strawberry.utils.str_converters import to_camel_case

from domain.models import MembershipRole as Role
from resolvers import group_rules as rules
from schema.ids import global_id, ref
from schema.nodes import MembershipRole


@strawberry.input(description="A rule picking a school's staff: set exactly one field. Combine with all, any and "
                  "not; test a standing, a seat's start or leaving date, or membership of another group.")
class GroupRuleInput:
    all: Optional[list["GroupRuleInput"]] = strawberry.field(  # noqa: UP045 - a forward reference
        default=None, description="Every one of these holds.")
    any: Optional[list["GroupRuleInput"]] = strawberry.field(  # noqa: UP045
        default=None, description="At least one of these holds.")
    not_: Optional["GroupRuleInput"] = strawberry.field(  # noqa: UP045
        default=None, name="not", description="This does not hold.")
    role: MembershipRole | None = strawberry.field(default=None, description="Their standing: ADMINISTRATOR or "
                                                   "MEMBER.")
    joined_within_days: int | None = strawberry.field(
        default=None, description="Their seat began within the last so many days (0 to 3650), the school's days.")
    leaving_within_days: int | None = strawberry.field(
        default=None, description="Their seat has a leaving date within the next so many days (0 to 3650).")
    has_leaving_date: bool | None = strawberry.field(default=None, description="Their seat has a leaving date.")
    job_title: str | None = strawberry.field(default=None, description="Their job title in the school, as its "
                                             "roster gives it (Seat.jobTitle), case aside.")
    in_group: strawberry.ID | None = ref("StaffGroup", default=None, description="They are in this staff group of "
                                         "the same school (All Staff: every staff member).")


@strawberry.input(description="A staff group's rule, or none to pick its members by hand again.")
class SetGroupRuleInput:
    group_id: strawberry.ID = ref("StaffGroup", description="The group: not All Staff.")
    rule: GroupRuleInput | None = strawberry.field(description="Its members follow this from now on; null: they "
                                                   "stay as they are, picked by hand.")


def as_rule(given: SimpleNamespace | None) -> dict[str, Any] | None:
    """The decoded input as domain/group_rules.py's rule: the fields set, by their names there."""
    if given is None:
        return None
    out: dict[str, Any] = {}
    for name, value in vars(given).items():
        if value is None:
            continue
        key = "not" if name == "not_" else name
        if isinstance(value, list):
            out[key] = [as_rule(part) for part in value]
        elif isinstance(value, SimpleNamespace):
            out[key] = as_rule(value)
        else:
            out[key] = Role(value).value if key == "role" else value
    return out


def shown(rule: dict[str, Any] | None, seen: set[int]) -> Any:
    """A rule as a group shows it: the input's shape, with the global ids of the groups
    it names that are `seen` (null for the others)."""
    if rule is None:
        return None
    (key, value), = rule.items()
    if key in ("all", "any"):
        value = [shown(part, seen) for part in value]
    elif key == "not":
        value = shown(value, seen)
    elif key == "in_group":
        value = global_id("StaffGroup", value) if value in seen else None
    return {to_camel_case(key): value}


async def set_rule(uow: Any, found: Any, *, rule: SimpleNamespace | None) -> Any:
    """setGroupRule's use case, with the rule as the domain reads it."""
    return await rules.set_rule(uow, found, rule=as_rule(rule))
