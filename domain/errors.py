"""Expected failures. The GraphQL layer turns each into a typed payload error."""

from enum import StrEnum


class ErrorCode(StrEnum):
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    VALIDATION = "VALIDATION"
    CONFLICT = "CONFLICT"
    CONFIRMATION_REQUIRED = "CONFIRMATION_REQUIRED"
    NOT_AVAILABLE = "NOT_AVAILABLE"


class DomainError(Exception):
    code: ErrorCode = ErrorCode.VALIDATION

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def extensions(self) -> dict[str, str]:
        """Read by graphql-core when this error ends up on a query field."""
        return {"code": self.code} | ({"field": self.field} if self.field else {})


class Forbidden(DomainError):
    """The caller may see the object but may not do this to it. To one who may not
    see it, a refusal is NotFound instead, the same answer as for an id that never existed."""

    code = ErrorCode.FORBIDDEN


class NotFound(DomainError):
    """No such object, or none the caller may see: the two are told apart to no one."""

    code = ErrorCode.NOT_FOUND


class Invalid(DomainError):
    """The input breaks a rule of its own; `field` names the input field at fault."""

    code = ErrorCode.VALIDATION


class Conflict(DomainError):
    """The input is sound but the state forbids it now (a name already taken, the last
    Administrator); another caller's change may be the cause."""

    code = ErrorCode.CONFLICT


class ConfirmationRequired(DomainError):
    """An irreversible change waits for the caller to confirm it with YES."""

    code = ErrorCode.CONFIRMATION_REQUIRED


class NotAvailable(DomainError):
    """Not yet possible for this licence: learning targets wait for two individuals with
    active seats."""

    code = ErrorCode.NOT_AVAILABLE
