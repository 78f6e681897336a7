"""build_schema(): the types, the abuse limits, and error masking."""

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, MaxTokensLimiter, ParserCache, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from infra.settings import Settings
from domain.errors import DomainError
from schema.calendar import CalendarMutations
from schema.extensions import ExtensionMutations
from schema.context import Context
from schema.execution import executor_for
from schema.group_mutations import GroupMutations
from schema.limits import VALIDATED_DOCUMENTS, RequestLimits
from schema.mutations import OrganisationMutations
from schema.notifications import NotificationMutations, OverdueSummaryMutations
from schema.permission import run_directly
from schema.problems import ExpectedError
from schema.progress_mutations import ProgressMutations
from schema.query import Query
from schema.records import RecordMutations
from schema.site import SiteMutations
from schema.supervisors import SupervisorMutations
from schema.trusts import TrustMutations
from schema.workflow import WorkflowMutations

log = logging.getLogger("trellis.graphql")


@strawberry.type(description="Every change Trellis offers. Each takes one `input` and runs in one transaction "
                 "with its audit event; it answers its payload, or an `Error` saying why nothing changed: NOT_FOUND "
                 "for an object the caller may not see, FORBIDDEN for one they may see but not change.")
class Mutation(
    OrganisationMutations, GroupMutations, ProgressMutations, TrustMutations, NotificationMutations,
    WorkflowMutations, RecordMutations, SupervisorMutations, SiteMutations, CalendarMutations, ExtensionMutations,
    OverdueSummaryMutations,
):
    """The mutations of every module, each written the one way (schema/mutation.py)."""


def is_expected(error: GraphQLError) -> bool:
    """Syntax and validation errors carry no original error, variable coercion errors
    wrap another GraphQLError, and ours are typed. Anything else is a bug, and its
    message may leak internals."""
    original = error.original_error
    return original is None or isinstance(original, GraphQLError | DomainError | ExpectedError)


class MaskUnexpected(MaskErrors):
    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda error: not is_expected(error))

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "-")
        log.error(
            "unexpected error in %s (request %s)", ".".join(map(str, error.path or [])), request_id,
            exc_info=error.original_error,
        )
        masked = super().anonymise_error(error)
        masked.message = f"Internal server error. Quote request id {request_id} when reporting it."
        masked.extensions = {"code": "INTERNAL", "requestId": request_id}
        return masked


class NamesTheOperation(SchemaExtension):
    """Tells the request's Context which operation ran (the one named, or the document's
    only one), for the per-operation figures of /metrics."""

    def on_execute(self):  # type: ignore[no-untyped-def]
        context = self.execution_context
        if isinstance(context.context, Context):
            context.context.operation = context.operation_name
        yield


class TrellisSchema(strawberry.Schema):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        run_directly(self._schema)
        self.execution_context_class = executor_for(self._schema)

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Unexpected errors are logged once, with their request id, by MaskUnexpected."""


def build_schema(settings: Settings) -> strawberry.Schema:
    # Factories, so each request gets fresh extension instances.
    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=VALIDATED_DOCUMENTS),
        lambda: RequestLimits(settings=settings),
        NamesTheOperation,
        MaskUnexpected,
    ]
    return TrellisSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=settings.production),
    )
