"""/metrics as Prometheus reads it: requests by operation and outcome, errors by code, and
the digests every worker left in the database, read at each scrape."""

from datetime import date, timedelta

from prometheus_client.parser import text_string_to_metric_families

from domain.models import NotificationDelivery, NotificationPlan, utcnow
from infra.database import Database
from tests.world import World


async def scrape(client) -> dict[tuple[str, tuple], float]:  # type: ignore[no-untyped-def]
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


async def test_requests_are_counted_by_operation_and_outcome_and_errors_by_code(gql, client, world: World) -> None:
    before = await scrape(client)
    token = world["staff"].token
    await gql.raw("query Me { me { person { id } } }", token=token)
    await gql.raw("query Me { me { person { id } } }", token=token)
    await gql.raw("query Peek { organisations(first: 0) { totalCount } }", token=token)
    await gql.raw("query Me { me { person { id } } }", token="not-a-token")
    after = await scrape(client)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert grew("trellis_graphql_requests_total", operation="Me", outcome="ok") == 2
    assert grew("trellis_graphql_requests_total", operation="Peek", outcome="errors") == 1
    assert grew("trellis_graphql_requests_total", operation="anonymous", outcome="refused") == 1
    assert grew("trellis_graphql_errors_total", code="VALIDATION") == 1
    assert grew("trellis_graphql_request_seconds_count", operation="Me") == 2


async def test_client_chosen_operation_names_cannot_grow_the_scrape_without_bound(gql, client, world: World) -> None:
    token = world["staff"].token
    await gql.raw("query $bad { me { person { id } } }".replace("$bad", "Q" * 200), token=token)
    for n in range(5):
        await client.post("/graphql", json={"query": "{ me { person { id } } }", "operationName": f"not valid {n}"},
                          headers={"Authorization": f"Bearer {token}"})
    names = {dict(labels).get("operation") for (name, labels) in await scrape(client)
             if name == "trellis_graphql_requests_total"}
    assert "Q" * 200 not in names and not any(n and n.startswith("not valid") for n in names)
    assert "other" in names


async def test_digests_by_status_the_oldest_waiting_and_the_last_plan(client, world: World, db: Database) -> None:
    now = utcnow()
    async with db.write() as session:
        plan = NotificationPlan(organisation_id=world.organisations["ashdown"], local_date=date(2026, 12, 1),
                                planned_at=now - timedelta(minutes=5))
        session.add(plan)
        await session.flush()
        people = [world[k].person_id for k in ("owner", "admin", "staff", "staff2")]
        for person, status, age in zip(people, ["SENT", "PENDING", "RETRYING", "FAILED"], [60, 3600, 120, 30],
                                       strict=True):
            session.add(NotificationDelivery(person_id=person, organisation_id=plan.organisation_id, plan_id=plan.id,
                                             local_date=plan.local_date, status=status,
                                             created_at=now - timedelta(seconds=age)))
    samples = await scrape(client)
    by_status = {dict(labels)["status"]: v for (name, labels), v in samples.items() if name == "trellis_digests"}
    assert by_status == {"PENDING": 1, "SENDING": 0, "SENT": 1, "RETRYING": 1, "FAILED": 1}
    assert 3600 <= samples[("trellis_oldest_waiting_digest_seconds", ())] < 3700
    planned = samples[("trellis_scheduler_last_plan_timestamp_seconds", ())]
    assert abs(planned - (now - timedelta(minutes=5)).timestamp()) < 2
