"""Relay global ids in mutation inputs: decoded here so a bad one is a typed error."""

from typing import Any

import strawberry
from strawberry.relay import GlobalID

from domain.errors import Invalid
from infra.relay_ids import global_id  # made there, so jobs make the same ids

REFERS_TO = "trellis_refers_to"
ACTED_ON = "trellis_acted_on"


def decode_any(value: str, field: str) -> tuple[str, int]:
    """The type name and primary key inside a global id."""
    try:
        gid = GlobalID.from_id(value)
        pk = int(gid.node_id)
    except (ValueError, TypeError):
        pk = None
    # Only the exact encoding counts: base64 decoding forgives trailing junk.
    if pk is None or str(gid) != value or global_id(gid.type_name, pk) != value:
        raise Invalid(f"{field} is not a valid id.", field)
    return gid.type_name, pk


def decode(value: str, type_name: str, field: str) -> int:
    """The primary key inside a global id, which must name `type_name`."""
    found, pk = decode_any(value, field)
    if found != type_name:
        raise Invalid(f"{field} must be a {type_name} id (this one is a {found} id).", field)
    return pk


def ref(type_name: str, *, description: str | None = None, acted_on: bool = False, **kwargs: Any) -> Any:
    """An input field holding the global id, or ids, of a `type_name`: mutations decode it
    (a malformed id, or one of another type, is VALIDATION naming the field). Where an
    input refers to its mutation's target type twice, `acted_on` marks the target."""
    return strawberry.field(description=description, metadata={REFERS_TO: type_name, ACTED_ON: acted_on}, **kwargs)


def refers_to(field: Any) -> str | None:
    return (field.metadata or {}).get(REFERS_TO)


def acted_on(field: Any) -> bool:
    return bool((field.metadata or {}).get(ACTED_ON))
