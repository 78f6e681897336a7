"""Relay global ids in mutation inputs: decoded here so a bad one is a typed error."""

from strawberry.relay import GlobalID

from domain.errors import Invalid


def global_id(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))


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
