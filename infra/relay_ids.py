"""Relay global ids ("Type:pk", base64) as the API hands them out: made here, so a job's
email can link to the same objects the API names."""

from strawberry.relay import GlobalID


def global_id(type_name: str, pk: int) -> str:
    return str(GlobalID(type_name, str(pk)))
