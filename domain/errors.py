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
    code = ErrorCode.FORBIDDEN


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND


class Invalid(DomainError):
    code = ErrorCode.VALIDATION


class Conflict(DomainError):
    code = ErrorCode.CONFLICT


class ConfirmationRequired(DomainError):
    code = ErrorCode.CONFIRMATION_REQUIRED


class NotAvailable(DomainError):
    code = ErrorCode.NOT_AVAILABLE
