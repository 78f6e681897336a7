"""A leaving date given ahead of time: the roster import keeps it on the seat, and the
scheduler ends the seat when the school's local day reaches it, once, audited, progress
kept; a seat that comes back loses the past date."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.local_time import local_today
from jobs import leavers
from tests.graphql.test_roster_import import IMPORT
from tests.jobs.conftest import Jobs
from tests.world import World

SEAT = "query($id: ID!) { node(id: $id) { ... on Seat { active leavesOn } } }"
LOG = """{ auditLog(filter: {actions: [SEAT_CHANGED, SEAT_DEACTIVATED]}) { nodes { action summary } } }"""
LONDON = ZoneInfo("Europe/London")  # Ashdown's time zone


def at(day, hour: int, minute: int = 0) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.combine(day, time(hour, minute), LONDON)


async def seat(gql, world: World) -> dict:  # type: ignore[no-untyped-def]
    return (await gql(SEAT, {"id": world.seat("staff2")}, token=world["owner"].token))["node"]


async def test_a_leaving_date_ahead_ends_the_seat_on_its_day_and_only_then(gql, world: World, jobs: Jobs) -> None:
    leaving = local_today("Europe/London") + timedelta(days=10)
    csv = f"name,email,seat,leaving_date\nStaff Two,staff2@example.org,ALL_ACCESS_PASS_PLUS,{leaving}\n"
    done = (await gql(IMPORT, {"school": world.org("ashdown"), "csv": csv}, token=world["owner"].token))["importRoster"]
    assert [c["kind"] for c in done["changes"]] == ["LEAVING_SET"]
    assert await seat(gql, world) == {"active": True, "leavesOn": leaving.isoformat()}

    await jobs.tick(at(leaving - timedelta(days=1), 23, 59))  # the evening before, in London
    assert await seat(gql, world) == {"active": True, "leavesOn": leaving.isoformat()}
    await jobs.tick(at(leaving, 0, 1))
    assert await seat(gql, world) == {"active": False, "leavesOn": leaving.isoformat()}
    await jobs.tick(at(leaving, 9))  # again: nothing more to end
    log = (await gql(LOG, token=world["support"].token))["auditLog"]["nodes"]
    ended = [e for e in log if e["action"] == "SEAT_DEACTIVATED"]
    assert len(ended) == 1 and "leaving date reached" in ended[0]["summary"], log


async def test_a_blank_leaving_date_clears_a_kept_one(gql, world: World, jobs: Jobs) -> None:
    leaving = local_today("Europe/London") + timedelta(days=10)
    row = "Staff Two,staff2@example.org,ALL_ACCESS_PASS_PLUS,"
    for cell in (leaving.isoformat(), ""):
        await gql(IMPORT, {"school": world.org("ashdown"), "csv": f"name,email,seat,leaving_date\n{row}{cell}\n"},
                  token=world["owner"].token)
    assert await seat(gql, world) == {"active": True, "leavesOn": None}
    await jobs.tick(at(leaving, 9))
    assert (await seat(gql, world))["active"] is True


async def test_a_seat_reactivated_after_its_leaving_day_stays(gql, world: World, jobs: Jobs) -> None:
    """Left today (the import ends the seat at once and keeps the date); an Administrator
    brings them back: the past date goes, so the scheduler does not end the seat again."""
    today = local_today("Europe/London")
    csv = f"name,email,seat,leaving_date\nStaff Two,staff2@example.org,ALL_ACCESS_PASS_PLUS,{today}\n"
    await gql(IMPORT, {"school": world.org("ashdown"), "csv": csv}, token=world["owner"].token)
    assert await seat(gql, world) == {"active": False, "leavesOn": today.isoformat()}
    back = await gql("""mutation($id: ID!) { reactivateSeat(input: {seatId: $id}) { __typename } }""",
                     {"id": world.seat("staff2")}, token=world["owner"].token)
    assert back["reactivateSeat"]["__typename"] == "SeatPayload"
    await jobs.tick(at(today + timedelta(days=1), 9))
    assert await seat(gql, world) == {"active": True, "leavesOn": None}


async def test_one_schools_failure_does_not_keep_another_schools_leavers(gql, world: World, jobs: Jobs,
                                                                          monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for school, who, owner, zone in (("ashdown", "staff2", "owner", "Europe/London"),
                                     ("birchwood", "staff_b", "owner_b", "Australia/Sydney")):
        leaving = local_today(zone) + timedelta(days=3)
        csv = f"name,email,seat,leaving_date\n{world[who].name},{world[who].email},ALL_ACCESS_PASS_PLUS,{leaving}\n"
        await gql(IMPORT, {"school": world.org(school), "csv": csv}, token=world[owner].token)
    real = leavers.set_seat_active

    async def failing_at_ashdown(uow, found, **kwargs):  # type: ignore[no-untyped-def]
        if found.licence.id == world.licences["ashdown"]:
            raise RuntimeError("ashdown's database trouble")
        return await real(uow, found, **kwargs)

    monkeypatch.setattr(leavers, "set_seat_active", failing_at_ashdown)
    await jobs.tick(datetime.now(LONDON) + timedelta(days=5))
    seats = {who: (await gql(SEAT, {"id": world.seat(who)}, token=world[owner].token))["node"]["active"]
             for who, owner in (("staff2", "owner"), ("staff_b", "owner_b"))}
    assert seats == {"staff2": True, "staff_b": False}
