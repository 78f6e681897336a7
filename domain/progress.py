"""Rules for recording course progress: retries count once, nothing goes backwards,
time adds up, and a completion date, once set, stays. A later completion is recorded
beside it as the latest (where the course renews, the one that holds); an earlier one,
reported late for an earlier cycle, goes to the history only."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from domain.errors import Invalid

# A course player's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=5)
MAX_SECONDS_PER_CALL = 24 * 3600


@dataclass(frozen=True)
class ProgressCall:
    progress_percent: int
    seconds_spent: int  # added to the time already recorded
    completed_at: datetime | None = None

    def as_json(self) -> dict:
        return {
            "progress_percent": self.progress_percent,
            "seconds_spent": self.seconds_spent,
            # The same instant in another offset is the same call.
            "completed_at": self.completed_at.astimezone(UTC).isoformat() if self.completed_at else None,
        }


@dataclass(frozen=True)
class State:
    progress_percent: int
    seconds_spent: int
    completed_at: datetime | None  # the first completion
    last_completed_at: datetime | None = None  # the latest
    completion: datetime | None = None  # the completion this call reports, if any: for the history


def check_call(call: ProgressCall, idempotency_key: str, now: datetime) -> None:
    if not idempotency_key.strip() or len(idempotency_key) > 200:
        raise Invalid("idempotencyKey must be 1 to 200 characters.", "idempotencyKey")
    if not 0 <= call.progress_percent <= 100:
        raise Invalid("progressPercent must be between 0 and 100.", "progressPercent")
    if not 0 <= call.seconds_spent <= MAX_SECONDS_PER_CALL:
        raise Invalid(f"secondsSpent must be between 0 and {MAX_SECONDS_PER_CALL}.", "secondsSpent")
    if call.completed_at is not None:
        if call.completed_at.utcoffset() is None:
            raise Invalid("completedAt needs a UTC offset, such as 2026-09-01T10:00:00Z.", "completedAt")
        if call.completed_at > now + CLOCK_SKEW:
            raise Invalid("completedAt cannot be in the future.", "completedAt")


def apply(state: State, call: ProgressCall, now: datetime) -> State:
    """The enrolment after a call, or Invalid if the call would move progress backwards."""
    if call.progress_percent < state.progress_percent:
        raise Invalid(
            f"Progress never goes backwards: it is {state.progress_percent}% already.", "progressPercent"
        )
    if state.completed_at is None:
        completion = call.completed_at or now if call.completed_at is not None or call.progress_percent == 100 else None
    else:
        # Completed, a call must send 100: only one naming its completedAt is a new completion.
        completion = call.completed_at
    completed_at = state.completed_at or completion
    latest = state.last_completed_at or state.completed_at
    if latest is None or (completion is not None and completion > latest):
        latest = completion
    return State(
        progress_percent=100 if completed_at else call.progress_percent,
        seconds_spent=state.seconds_spent + call.seconds_spent,
        completed_at=completed_at,
        last_completed_at=latest,
        completion=completion,
    )
