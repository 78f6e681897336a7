"""Recording course progress, from a course player, an external learning system or
the person themself."""

from datetime import datetime

from sqlalchemy import select

from domain import progress
from domain.audit import AuditAction, snapshot
from domain.errors import Conflict, NotFound
from domain.models import Course, CourseCompletion, Enrolment, Membership, Person, ProgressRecord, utcnow
from infra.database import conflict_insert
from resolvers.unit_of_work import UnitOfWork


async def record(
    uow: UnitOfWork, person: Person, *, course_id: int, idempotency_key: str, progress_percent: int,
    seconds_spent: int, completed_at: datetime | None,
) -> Enrolment:
    """Apply one progress call. A retry with the same key changes nothing and answers the
    enrolment as it stands; the same key with a different request is a CONFLICT."""
    now = utcnow()
    call = progress.ProgressCall(progress_percent, seconds_spent, completed_at)
    progress.check_call(call, idempotency_key, now)
    principal = uow.principal
    schools = list((await uow.session.execute(
        select(Membership.organisation_id).where(Membership.person_id == person.id).order_by(Membership.id)
    )).scalars())
    course = await uow.session.get(Course, course_id)
    if course is None:
        raise NotFound("Nothing with that courseId was found.", "courseId")
    person_id = person.id

    replay = (
        await uow.session.execute(
            select(ProgressRecord).where(
                ProgressRecord.person_id == person_id, ProgressRecord.idempotency_key == idempotency_key
            )
        )
    ).scalar_one_or_none()
    request = {"course_id": course_id, **call.as_json()}
    enrolment = (
        await uow.session.execute(
            select(Enrolment)
            .where(Enrolment.person_id == person_id, Enrolment.course_id == course_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if replay is not None:
        if replay.request != request:
            raise Conflict("This idempotencyKey was used for a different request.", "idempotencyKey")
        assert enrolment is not None  # the first call created it, and enrolments are never deleted
        uow.nothing_changed()
        return enrolment

    before = snapshot(enrolment)
    was_completed = enrolment is not None and enrolment.completed_at is not None
    if enrolment is None:
        # A completion reported after the fact started no later than it finished.
        started = min(now, call.completed_at) if call.completed_at else now
        enrolment = Enrolment(person_id=person_id, course_id=course_id, started_at=started)
        uow.session.add(enrolment)
    state = progress.apply(
        progress.State(enrolment.progress_percent or 0, enrolment.seconds_spent or 0, enrolment.completed_at,
                       enrolment.last_completed_at),
        call,
        now,
    )
    enrolment.progress_percent = state.progress_percent
    enrolment.seconds_spent = state.seconds_spent
    enrolment.completed_at = state.completed_at
    enrolment.last_completed_at = state.last_completed_at
    enrolment.updated_at = now
    uow.session.add(ProgressRecord(person_id=person_id, course_id=course_id,
                                   idempotency_key=idempotency_key, request=request))
    await uow.session.flush()
    if state.completion is not None:
        # Each completion once: a second report of the same instant adds nothing to the history.
        await uow.session.execute(
            conflict_insert(uow.session, CourseCompletion)
            .values(enrolment_id=enrolment.id, completed_at=state.completion, recorded_at=now)
            .on_conflict_do_nothing(index_elements=["enrolment_id", "completed_at"])
        )
    # The log of the school the caller acts for: the system's, or the first school they share.
    organisation = next(
        (o for o in schools if principal.system_organisation_id == o or principal.is_member(o)),
        schools[0] if schools else None,
    )
    done = state.completion is not None
    again = " again" if was_completed else ""
    what = f"completed {course.title}{again}" if done else f"is {state.progress_percent}% through {course.title}"
    await uow.audit(AuditAction.PROGRESS_RECORDED, target=enrolment, organisation_id=organisation,
                    what=f"recorded that {person.display_name} {what}", before=before, after=snapshot(enrolment))
    return enrolment
