"""What a previewed mutation answers (issue 18): the change it would make to people's
learning paths, computed by applying it and rolling it back (resolvers/previews.py)."""

from datetime import date
from typing import Self

import strawberry

from permissions.policy import Ability, Subject
from resolvers import previews
from schema import access
from schema.digests import NotificationLine
from schema.nodes import Course, OfCourse, Person
from schema.permission import field


@strawberry.type(description="A target a change moves to another effective due date.")
class MovedTarget(OfCourse):
    was: date | None = strawberry.field(description="Its effective due date before the change; null for none.")
    now: date | None = strawberry.field(description="Its effective due date after it; null for none.")


@strawberry.type(description="One person's learning path as a change would leave it.")
class PathChange:
    added_ids: strawberry.Private[list[int]]
    removed_ids: strawberry.Private[list[int]]
    overdue_ids: strawberry.Private[list[int]]
    next_digest: list[NotificationLine] = field(
        Ability.VIEW_DELIVERY, description="Their lines of the school's next send (ChangePreview.nextSend) as the "
        "change leaves it, in the order the email reads: empty when they would get none, or to a caller who may "
        "not read their digests.")
    person: Person = field(Ability.VIEW_PERSON, description="Whose path it is.")
    # The change was previewed for a caller allowed to make it, about a person they may see.
    moved: list[MovedTarget] = field(Ability.SIGNED_IN, description="Courses that stay, with a new effective due "
                                     "date.")

    @field(Ability.VIEW_CATALOGUE, description="Courses it would add to the path.")
    async def added(self, info: strawberry.Info) -> list[Course]:
        return list((await access.nodes_by_id(info, Course, self.added_ids)).values())

    @field(Ability.VIEW_CATALOGUE, description="Courses it would take off the path.")
    async def removed(self, info: strawberry.Info) -> list[Course]:
        return list((await access.nodes_by_id(info, Course, self.removed_ids)).values())

    @field(Ability.VIEW_CATALOGUE, description="Targets it would make overdue at once: due before today after the "
           "change and not before it, and not completed.")
    async def overdue_at_once(self, info: strawberry.Info) -> list[Course]:
        return list((await access.nodes_by_id(info, Course, self.overdue_ids)).values())


@strawberry.type(description="What the mutation would change, asked with `preview: true`: nothing was changed, "
                 "nothing was audited and no one will be told. Applying it straight after changes exactly this.")
class ChangePreview:
    on: date = strawberry.field(description="The school-local day it is judged on.")
    people_affected: int = strawberry.field(description="How many people's learning paths it would change; for a "
                                            "school's notification settings, how many people's next digests.")
    next_send: date | None = strawberry.field(description="The school-local day of the next send, whose digests "
                                              "`people` shows: the first day not yet planned.")
    changes: strawberry.Private[list[previews.PathChange]]
    organisation_id: strawberry.Private[int]

    @classmethod
    def of(cls, preview: previews.Preview) -> Self:
        return cls(on=preview.on, people_affected=preview.people_affected, next_send=preview.next_send,
                   changes=preview.people, organisation_id=preview.organisation_id)

    @field(Ability.SIGNED_IN, description=f"Their changes, by name: the first {previews.PREVIEW_PEOPLE}, those the "
           "caller may see.")
    async def people(self, info: strawberry.Info) -> list[PathChange]:
        shown = await access.nodes_by_id(info, Person, [p.person_id for p in self.changes])
        return [
            # Whose change it is, for what is declared about them (their digest).
            access.about(PathChange(
                person=shown[p.person_id], added_ids=p.added, removed_ids=p.removed, overdue_ids=p.overdue_at_once,
                next_digest=[NotificationLine.of(line) for line in p.next_digest],
                moved=[MovedTarget(course_id=m.course_id, was=m.was, now=m.now) for m in p.moved],
            ), Subject(organisation_id=self.organisation_id, person_id=p.person_id))
            for p in self.changes if p.person_id in shown
        ]
