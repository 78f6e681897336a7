"""Errors that reach the client as they are. Everything else is masked (schema/build.py)."""

from typing import Any

from domain.errors import ErrorCode


class ExpectedError(Exception):
    """A field-level error the client should read: bad arguments, no access."""

    def __init__(self, message: str, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.extensions: dict[str, Any] = {"code": code}
        if field:
            self.extensions["field"] = field


def unauthenticated() -> ExpectedError:
    return ExpectedError("Authentication required: send `Authorization: Bearer <token>`.", "UNAUTHENTICATED")


def forbidden() -> ExpectedError:
    return ExpectedError("You do not have permission to do this.", ErrorCode.FORBIDDEN)


def invalid_argument(message: str, field: str) -> ExpectedError:
    return ExpectedError(message, ErrorCode.VALIDATION, field)
