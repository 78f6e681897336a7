"""Rule-based staff groups (issue 18): a group whose members are the school's staff a rule
picks, kept up to date as people change (resolvers/group_rules.py), as All Staff is.

A rule is a tree, stored as JSON, each node exactly one of:
- `all`: a list of rules, every one holding; `any`: at least one; `not`: one rule, not holding;
- `role`: the person's standing in the school, ADMINISTRATOR or MEMBER;
- `joined_within_days`: their seat began within the last so many days (the school's days);
- `leaving_within_days`: their seat has a leaving date within the next so many days;
- `has_leaving_date`: true or false;
- `job_title`: their job title in the school, as its roster gives it (case aside);
- `in_group`: they are in that staff group of the same licence (All Staff: every staff member).

Only staff (an active All Access Pass PLUS seat) are ever members, as in any group. The rule
is checked before it is kept: one attribute per node, values in range, no group it names
outside the licence, and no cycle of groups naming each other.
"""

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_, true

from domain.errors import Invalid
from domain.models import GroupKind, MembershipRole, StaffGroupMember

Rule = dict[str, Any]
COMBINERS = ("all", "any", "not")
ATTRIBUTES = ("role", "joined_within_days", "leaving_within_days", "has_leaving_date", "job_title", "in_group")
ROLES = (MembershipRole.ADMINISTRATOR, MembershipRole.MEMBER)
MAX_DAYS = 3650
MAX_NODES = 100  # a rule a person can read; and no request walks a rule without end


def check(rule: Rule, field: str = "rule") -> None:
    """Invalid, naming `field`, unless the rule is well formed."""
    nodes = 0

    def walk(node: Any, where: str) -> None:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES:
            raise Invalid(f"A rule has at most {MAX_NODES} parts.", field)
        if not isinstance(node, dict) or len(node) != 1:
            raise Invalid(f"{where}: each part of a rule sets exactly one of {', '.join(COMBINERS + ATTRIBUTES)}.",
                          field)
        (key, value), = node.items()
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                raise Invalid(f"{where}.{key} needs at least one rule.", field)
            for i, part in enumerate(value):
                walk(part, f"{where}.{key}[{i}]")
        elif key == "not":
            walk(value, f"{where}.not")
        elif key == "role":
            if value not in ROLES:
                raise Invalid(f"{where}.role is ADMINISTRATOR or MEMBER.", field)
        elif key in ("joined_within_days", "leaving_within_days"):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_DAYS:
                raise Invalid(f"{where}.{key} must be between 0 and {MAX_DAYS}.", field)
        elif key == "has_leaving_date":
            if not isinstance(value, bool):
                raise Invalid(f"{where}.has_leaving_date is true or false.", field)
        elif key == "job_title":
            if not isinstance(value, str) or not value.strip() or len(value) > 200:
                raise Invalid(f"{where}.job_title is 1 to 200 characters.", field)
        elif key == "in_group":
            if not isinstance(value, int) or isinstance(value, bool):
                raise Invalid(f"{where}.in_group names a staff group.", field)
        else:
            raise Invalid(f"{where}: {key} is not something a rule can test.", field)

    walk(rule, "rule")


def groups_named(rule: Rule) -> set[int]:
    (key, value), = rule.items()
    if key in ("all", "any"):
        return set().union(*(groups_named(part) for part in value))
    if key == "not":
        return groups_named(value)
    return {value} if key == "in_group" else set()


def in_order(rules: Mapping[int, Rule]) -> list[int]:
    """The rule groups so that each comes after the rule groups its rule names; Invalid on
    a cycle (a group whose rule reaches itself through others')."""
    done: list[int] = []
    state: dict[int, str] = {}

    def visit(group: int, trail: list[int]) -> None:
        if state.get(group) == "done":
            return
        if state.get(group) == "visiting":
            raise Invalid("These rules name each other in a ring: a group cannot depend on itself.", "rule")
        state[group] = "visiting"
        for named in sorted(groups_named(rules[group])):
            if named in rules:
                visit(named, [*trail, group])
        state[group] = "done"
        done.append(group)

    for group in sorted(rules):
        visit(group, [])
    return done


def clause(rule: Rule, *, seat: Any, membership: Any, today: date, zone: str,
           kinds: Mapping[int, str]) -> ColumnElement[bool]:
    """The rule as SQL over a staff seat (`seat`, Seat's columns) and the person's membership
    of the school (`membership`). `kinds` gives each group of the licence its kind."""
    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), ZoneInfo(zone))

    def sql(node: Rule) -> ColumnElement[bool]:
        (key, value), = node.items()
        match key:
            case "all":
                return and_(*(sql(part) for part in value))
            case "any":
                return or_(*(sql(part) for part in value))
            case "not":
                return not_(sql(value))
            case "role":
                return membership.role == value
            case "joined_within_days":
                return seat.created_at >= midnight(today - timedelta(days=value))
            case "leaving_within_days":
                return and_(seat.leaves_on.is_not(None), seat.leaves_on <= today + timedelta(days=value))
            case "has_leaving_date":
                return seat.leaves_on.is_not(None) if value else seat.leaves_on.is_(None)
            case "job_title":
                return func.lower(seat.job_title) == " ".join(value.split()).lower()
            case "in_group":
                if kinds.get(value) == GroupKind.ALL_STAFF:
                    return true()
                if value not in kinds:
                    return false()
                return exists().where(StaffGroupMember.group_id == value, StaffGroupMember.person_id == seat.person_id)
        raise ValueError(key)  # check() let nothing else through

    return sql(rule)


def plain(rule: Any, names: Callable[[int], str]) -> str:
    """The rule in words, for the audit log and the console."""
    (key, value), = rule.items()
    match key:
        case "all":
            return "(" + " and ".join(plain(part, names) for part in value) + ")"
        case "any":
            return "(" + " or ".join(plain(part, names) for part in value) + ")"
        case "not":
            return "not " + plain(value, names)
        case "role":
            return f"a {str(value).lower()}"
        case "joined_within_days":
            return f"joined within {value} days"
        case "leaving_within_days":
            return f"leaving within {value} days"
        case "has_leaving_date":
            return "with a leaving date" if value else "with no leaving date"
        case "job_title":
            return f"a {value}"
        case "in_group":
            return f"in {names(value)}"
    return key
