"""The Query root. Every field declares its ability (schema/permission.py)."""

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay

from domain import models, validation
from permissions.policy import Ability
from resolvers import audit as audit_resolvers
from resolvers import catalogue as catalogue_resolvers
from resolvers import learning_paths as path_resolvers
from resolvers import organisations as organisation_resolvers
from resolvers import reports as report_resolvers
from resolvers import trusts as trust_resolvers
from resolvers.pagination import Page, Window
from schema import access, ids, notifications
from schema.access import SecuredNode
from schema.connection import (
    After, Before, Connection, First, Last, SearchName, SearchTitleOrCode, connection, filtered,
)
from schema.digests import NotificationDelivery
from schema.groups import JudgedOn, LearningPath
from schema.nodes import (
    AuditActionEnum, AuditEvent, Course, Licence, Organisation, OrganisationKind, TrustListing, organisation_of_kind,
)
from schema.permission import field, targeted
from schema.reports import CourseEnrolment, ReportFilter, enrolments
from schema.supervisors import WorkflowQuery
from schema.trusts import Trust
from schema.viewer import Viewer


LicenceId = Annotated[strawberry.ID, strawberry.argument(description="The school's licence.")]


@strawberry.input(description="Narrows the audit log. Every condition given must hold.")
class AuditLogFilter:
    organisation_id: strawberry.ID | None = strawberry.field(default=None, description="Events in one school or "
                                                             "trust.")
    staff_group_id: strawberry.ID | None = strawberry.field(default=None, description="Events of one staff group.")
    actor_id: strawberry.ID | None = strawberry.field(default=None, description="A Person id.")
    actions: list[AuditActionEnum] | None = strawberry.field(default=None, description="Events of any of these "
                                                             "actions.")
    target_id: strawberry.ID | None = strawberry.field(default=None, description="The global id of what changed.")
    since: datetime | None = strawberry.field(default=None, description="Events at or after this instant.")
    until: datetime | None = strawberry.field(default=None, description="Events before this instant.")

    def to_filter(self) -> audit_resolvers.AuditFilter:
        where = audit_resolvers.AuditFilter(actions=self.actions, since=self.since, until=self.until)
        if self.organisation_id is not None:
            where.organisation_id = ids.decode(self.organisation_id, "Organisation", "filter.organisationId")
        if self.staff_group_id is not None:
            where.staff_group_id = ids.decode(self.staff_group_id, "StaffGroup", "filter.staffGroupId")
        if self.actor_id is not None:
            where.actor_id = ids.decode(self.actor_id, "Person", "filter.actorId")
        if self.target_id is not None:
            where.target_type, where.target_id = ids.decode_any(self.target_id, "filter.targetId")
        validation.period(self.since, self.until, "filter.since", "filter.until")
        return where


@strawberry.type
class LearningQuery:
    """Who is asking, organisations, the catalogue, paths, reports, trusts and the audit log."""

    @field(Ability.PUBLIC, description="Who is asking; null without a token.")
    def me(self, info: strawberry.Info) -> Viewer | None:
        principal = info.context.principal
        if not principal.authenticated:
            return None
        return Viewer(
            person_id=principal.person_id,
            system_organisation_id=principal.system_organisation_id,
            is_platform_support=principal.is_platform_support,
        )

    @field(Ability.SIGNED_IN, description="Any object by its global id; null if it does not exist or the "
           "caller may not see it, by the ability its type declares.")
    async def node(
        self, info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id, as any object's `id` gives it.")],
    ) -> relay.Node | None:
        type_name, pk = ids.decode_any(id, "id")
        definition = info.schema.get_type_by_name(type_name)
        node_type = getattr(definition, "origin", None)
        if not (isinstance(node_type, type) and issubclass(node_type, SecuredNode)):
            return None
        return await access.node(info, node_type, pk)

    @field(Ability.PLATFORM_SUPPORT, description="Digests whose retries are exhausted, in every school, "
           "oldest first. Send one again with retryNotification.")
    async def failed_notifications(
        self, info: strawberry.Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[NotificationDelivery]:
        return await notifications.failed_log(info, Window(first, after, last, before))

    @field(Ability.VIEW_ORGANISATION, description="Organisations the caller may see, by name.")
    async def organisations(
        self,
        info: strawberry.Info,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
        kind: Annotated[
            OrganisationKind | None, strawberry.argument(description="Only schools, or only trusts.")
        ] = None,
        search: SearchName = None,
    ) -> Connection[Organisation]:
        page = await organisation_resolvers.list_organisations(
            info.context, window=Window(first, after, last, before), kind=kind, search=search
        )
        return await access.connection(info, Organisation, page)

    @field(Ability.VIEW_AUDIT_EVENT, description="The audit log, newest first: every event the caller may see.")
    async def audit_log(
        self, info: strawberry.Info, filter: filtered(AuditLogFilter) = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[AuditEvent]:
        where = filter.to_filter() if filter else audit_resolvers.AuditFilter()
        page = await audit_resolvers.audit_log(info.context, where, window=Window(first, after, last, before))
        return await access.connection(info, AuditEvent, page)

    @field(Ability.VIEW_CATALOGUE, description="The course catalogue, by title.")
    async def courses(
        self,
        info: strawberry.Info,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
        search: SearchTitleOrCode = None,
        include_retired: Annotated[bool, strawberry.argument(description="Retired courses too.")] = False,
    ) -> Connection[Course]:
        page = await catalogue_resolvers.list_courses(
            info.context, window=Window(first, after, last, before), search=search, include_retired=include_retired
        )
        return await access.connection(info, Course, page)

    @field(Ability.VIEW_PATH, description="A staff member's learning path, for themself, the school's full "
           "administrators, and delegates of a group they are in; null for anyone else.")
    async def learning_path(
        self, info: strawberry.Info, licence_id: LicenceId,
        person_id: Annotated[strawberry.ID, strawberry.argument(description="Whose path: a member of the school.")],
        on: JudgedOn = None,
    ) -> LearningPath | None:
        result = await path_resolvers.path(
            info.context,
            licence_id=ids.decode(licence_id, "Licence", "licenceId"),
            person_id=ids.decode(person_id, "Person", "personId"),
            on=on,
        )
        return LearningPath.from_result(result) if result else None

    @field(Ability.VIEW_REPORTS, description="Who in a school took a course, by name: when, how far, for how long. "
           "Full administrators only; empty for anyone else.")
    async def course_report(
        self,
        info: strawberry.Info,
        licence_id: LicenceId,
        course_id: Annotated[strawberry.ID, strawberry.argument(description="A course of the catalogue.")],
        filter: filtered(ReportFilter) = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[CourseEnrolment]:
        course = ids.decode(course_id, "Course", "courseId")
        where = filter.to_filter() if filter else report_resolvers.ReportFilter()
        found = await targeted(info, Licence, licence_id, "licenceId")
        return enrolments(await report_resolvers.course_report(
            info.context, licence=found.row, course_id=course, where=where, window=Window(first, after, last, before),
        ) if found else Page.empty())

    @field(Ability.VIEW_PERSON_REPORT, description="Every course a person of a school took, by title, with the same "
           "facts. For the person and the school's full administrators; empty for anyone else.")
    async def person_report(
        self,
        info: strawberry.Info,
        licence_id: LicenceId,
        person_id: Annotated[strawberry.ID, strawberry.argument(description="A member of the school.")],
        filter: filtered(ReportFilter) = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[CourseEnrolment]:
        person = ids.decode(person_id, "Person", "personId")
        where = filter.to_filter() if filter else report_resolvers.ReportFilter()
        licence = await info.context.loaders.by_id(models.Licence).load(ids.decode(licence_id, "Licence",
                                                                                    "licenceId"))
        return enrolments(await report_resolvers.person_report(
            info.context, licence=licence, person_id=person, where=where, window=Window(first, after, last, before),
        ) if licence else Page.empty())

    @field(Ability.VIEW_ORGANISATION, description="The Trust view of a trust the caller belongs to; null "
           "otherwise.")
    async def trust(
        self, info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The trust's Organisation id.")],
    ) -> Trust | None:
        found = await organisation_of_kind(info, id, "id", models.OrganisationKind.TRUST)
        return access.about(Trust(organisation=found[0]), found[1]) if found else None

    @field(Ability.GRANT_TRUST, description="Trusts by name, for school Administrators choosing their Multi "
           "Academy Trust; empty for anyone else.")
    async def trust_directory(
        self, info: strawberry.Info, search: SearchName = None,
        first: First = None, after: After = None, last: Last = None, before: Before = None,
    ) -> Connection[TrustListing]:
        page = await trust_resolvers.directory(info.context, search=search, window=Window(first, after, last, before))
        return connection(page, TrustListing.from_row)


@strawberry.type(description="Everything Trellis answers. Send a token as `Authorization: Bearer <token>`; "
                 "without one only `me` answers (null). An object the caller may not see reads as null, and is "
                 "left out of lists, as if it did not exist.")
class Query(LearningQuery, WorkflowQuery):
    """Workflow, records and supervisors (seed 002) declare their fields beside their types."""
