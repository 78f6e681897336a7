"""Expected mutation failures, as members of each mutation's payload union."""

from typing import Annotated, Any, Union

import strawberry

from domain.errors import DomainError, ErrorCode
from schema.enums import described

ErrorCodeEnum = described(ErrorCode, {
    ErrorCode.FORBIDDEN: "The caller may not do this. Said only of objects they may see; others are NOT_FOUND.",
    ErrorCode.NOT_FOUND: "No such object, or none the caller may see: the two are never told apart.",
    ErrorCode.VALIDATION: "The input is not acceptable: a malformed id, a value out of range, a rule broken.",
    ErrorCode.CONFLICT: "The change clashes with how things stand: already done, taken, or changed by someone "
    "else at the same moment.",
    ErrorCode.CONFIRMATION_REQUIRED: "The confirmation was not exactly `YES`, in capitals.",
    ErrorCode.NOT_AVAILABLE: "Learning targets need at least two individuals with active seats on the licence.",
}, name="ErrorCode", description="Why a mutation did not happen.")


@strawberry.interface(name="Error", description="A mutation that changed nothing, and why.")
class UserError:
    code: ErrorCodeEnum = strawberry.field(description="The kind of failure: each error type has its own.")
    message: str = strawberry.field(description="What went wrong, in words to show the person who tried.")
    field: str | None = strawberry.field(description="The input field at fault, when there is one.")


def _error_type(name: str, description: str) -> type[UserError]:
    """One member of the payload unions: the interface's fields, its own name."""
    return strawberry.type(type(name, (UserError,), {"__module__": __name__}), description=description)


# Each code's type: its name and what it says, before "Nothing changed.".
_TYPES = {
    ErrorCode.FORBIDDEN: ("ForbiddenError", "The caller may not do this."),
    ErrorCode.NOT_FOUND: ("NotFoundError", "No such object, or none the caller may see."),
    ErrorCode.VALIDATION: ("ValidationError", "The input is not acceptable; `field` names the culprit."),
    ErrorCode.CONFLICT: ("ConflictError", "The change clashes with the current state."),
    ErrorCode.CONFIRMATION_REQUIRED: ("ConfirmationRequiredError", "The change needs an exact confirmation, such as "
                                      "`YES`."),
    ErrorCode.NOT_AVAILABLE: ("NotAvailableError", "The feature is not available yet for this licence."),
}
_BY_CODE = {code: _error_type(name, f"{says} Nothing changed.") for code, (name, says) in _TYPES.items()}

ERRORS = tuple(_BY_CODE.values())


def from_domain(error: DomainError) -> UserError:
    return _BY_CODE[error.code](code=error.code, message=error.message, field=error.field)


def result(mutation_name: str, success: type, *also: type) -> Any:
    """The payload union of one mutation: its success type (or `also`'s, a preview's) or
    any error."""
    name = mutation_name[0].upper() + mutation_name[1:] + "Result"
    members = (success, *also, *ERRORS)
    return Annotated[
        Union[members],  # noqa: UP007 - built from a tuple
        strawberry.union(name, description=f"What `{mutation_name}` answers: success, or why nothing changed."),
    ]
