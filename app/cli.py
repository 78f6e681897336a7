"""The `trellis` command line: serve, migrate, tokens, organisations, schema."""

import asyncio
import datetime
import json
import signal
import sys
import threading
import urllib.parse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
import uvicorn

from app import demo
from app.console.files import INSTALL_COMMAND, ConsoleFiles
from infra import logs, migrations
from infra.database import Database, create_engine, is_sqlite
from infra.progress import progress
from infra.settings import get_settings
from domain.errors import DomainError
from domain.models import ApiToken, utcnow
from jobs.delivery import deliver

T = TypeVar("T")
cli = typer.Typer(no_args_is_help=True, help="Trellis: professional learning for schools and trusts.")


@cli.callback()
def _logging() -> None:
    # Every command logs the same way (infra/logs.py), at the settings' level.
    settings = get_settings()
    logs.configure(production=settings.production, level=settings.log_level)

db_cli = typer.Typer(no_args_is_help=True, help="The database.")
token_cli = typer.Typer(no_args_is_help=True, help="API tokens.")
schema_cli = typer.Typer(no_args_is_help=True, help="The GraphQL schema file.")
cli.add_typer(db_cli, name="db")
cli.add_typer(token_cli, name="token")
cli.add_typer(schema_cli, name="schema")
organisation_cli = typer.Typer(no_args_is_help=True, help="Organisations: platform support's acts.")
cli.add_typer(organisation_cli, name="organisation")
notify_cli = typer.Typer(no_args_is_help=True, help="Email notifications: the worker, the scheduler, a day by hand.")
cli.add_typer(notify_cli, name="notify")
demo_cli = typer.Typer(no_args_is_help=True, help="Demo data, for trying Trellis out on this machine.")
cli.add_typer(demo_cli, name="demo")
roster_cli = typer.Typer(no_args_is_help=True, help="A school's staff roster, from a CSV.")
cli.add_typer(roster_cli, name="roster")
support_cli = typer.Typer(no_args_is_help=True, help="Platform support's people.")
cli.add_typer(support_cli, name="support")


def _with_db(work: Callable[[Database], Awaitable[T]]) -> T:
    settings = get_settings()

    async def run() -> T:
        db = Database(create_engine(settings.database_url, settings.sqlite_busy_timeout_ms,
                                    pool_size=settings.database_pool_size))
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _fail(message: str) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _demo_tokens_path() -> Path:
    return Path("var/demo-tokens.json")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to DATABASE_URL."""
    with progress("Applying migrations") as advance:
        migrations.upgrade(get_settings().database_url, on_step=advance)
    typer.echo(f"Database is at migration {migrations.head_revision()}.")


@db_cli.command("check")
def db_check() -> None:
    """Exit non-zero if the database is behind the code."""

    async def check(db: Database) -> None:
        await migrations.ensure_current(db.engine)

    try:
        _with_db(check)
    except migrations.DatabaseBehind as behind:
        _fail(str(behind))
    typer.echo("Database is up to date.")


@token_cli.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="What the token is for.")],
    email: Annotated[str | None, typer.Option(help="The person the token acts as.")] = None,
    organisation_id: Annotated[str | None, typer.Option(
        help="A school, for its external system's token: the id the API shows (or its number).",
    )] = None,
    days: Annotated[int, typer.Option(help="Days until it expires.")] = 90,
) -> None:
    """Issue a token. It is printed once and stored only as a hash."""
    from resolvers import tokens

    try:
        token, plain = _with_db(
            lambda db: tokens.issue(db, name=name, days=days, email=email, organisation_id=(
                _organisation_pk(organisation_id) if organisation_id is not None else None))
        )
    except DomainError as error:
        _fail(error.message)
    _print_token(token, plain)


@token_cli.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's id, as printed when created.")]) -> None:
    """Revoke a token at once."""
    from resolvers import tokens

    try:
        token = _with_db(lambda db: tokens.revoke(db, token_id))
    except DomainError as error:
        _fail(error.message)
    typer.echo(f"Token {token.id} ({token.name}) revoked.")


def _print_token(token: ApiToken, plain: str) -> None:
    typer.echo(f"Token {token.id} ({token.name}), expires {token.expires_at:%Y-%m-%d}:")
    typer.echo(plain)


@support_cli.command("create")
def support_create(
    email: Annotated[str, typer.Option(help="Their email; the person is found, or created.")],
    name: Annotated[str, typer.Option(help="Their name, if they are new to Trellis.")],
    token: Annotated[bool, typer.Option(help="Issue a token even when they were platform support already.")] = False,
    days: Annotated[int, typer.Option(help="Days until the token expires.")] = 90,
) -> None:
    """Make a person platform support (the first one on an empty database, or another) and
    print a new token for them. Running it again for the same email changes nothing."""
    from resolvers import support, tokens

    try:
        person, outcome = _with_db(lambda db: support.appoint(db, email=email, display_name=name))
    except DomainError as error:
        _fail(error.message)
    if outcome == support.Appointed.ALREADY:
        typer.echo(f"{person.email} ({person.display_name}) is platform support already; nothing changed.")
        if not token:
            typer.echo("Add --token for a new token.")
            return
    elif outcome == support.Appointed.PROMOTED:
        typer.echo(f"{person.email} ({person.display_name}) was in Trellis already and is now platform support.")
    else:
        typer.echo(f"Created {person.email} ({person.display_name}) as platform support.")
    try:
        issued, plain = _with_db(lambda db: tokens.issue(db, name="platform support", days=days, email=person.email))
    except DomainError as error:
        _fail(error.message)
    _print_token(issued, plain)


def _organisation_pk(value: str) -> int:
    """An organisation named as the API names it (its global id) or by its number; a
    value that is neither stops the command, naming it."""
    from domain.errors import Invalid
    from schema.ids import decode

    try:
        return int(value) if value.isdigit() else decode(value, "Organisation", "ORGANISATION")
    except Invalid:
        _fail(f"{value} is not an organisation's id: give the id the API shows, such as T3JnYW5pc2F0aW9uOjI=.")
        raise


@organisation_cli.command("first-admin")
def organisation_first_admin(
    organisation: Annotated[str, typer.Argument(help="The trust or school: its id, as the API shows it.")],
    email: Annotated[str, typer.Option(help="The person's email; found, or created as a new person.")],
    name: Annotated[str, typer.Option(help="Their name, if they are new to Trellis.")],
) -> None:
    """Make a person the first Administrator of an organisation that has none (a new trust,
    say), audited as the operator's act; its Administrators add the rest."""
    from domain.models import Organisation
    from resolvers import group_rules, members
    from resolvers.tokens import OPERATOR
    from resolvers.unit_of_work import unit_of_work

    async def appoint(db: Database) -> tuple[str, str]:
        async with unit_of_work(db, OPERATOR) as uow:
            found = await uow.session.get(Organisation, _organisation_pk(organisation))
            if found is None:
                raise DomainError(f"No organisation {organisation}.")
            await members.appoint_first_administrator(uow, found, email=email, display_name=name)
            await group_rules.follow(uow)  # as a mutation's change to people is followed
            return found.name, found.kind.lower()

    try:
        named, kind = _with_db(appoint)
    except DomainError as error:
        _fail(error.message)
    typer.echo(f"{email.strip().lower()} is now the first Administrator of the {kind} {named}.")


@roster_cli.command("import")
def roster_import(
    school: Annotated[str, typer.Argument(help="The school: its id, as the API shows it.")],
    path: Annotated[Path, typer.Argument(help="The CSV: name, email, seat, and optionally groups and leaving_date.")],
    dry_run: Annotated[bool, typer.Option(help="Print what would change, and write nothing.")] = False,
) -> None:
    """Bring a school's staff in line with a roster CSV, as one audited change: people and
    seats added, seats changed or ended for leavers (progress kept), group joins and leaves.
    Run again with the same file, it changes nothing."""
    from domain.models import Organisation
    from resolvers import group_rules, roster
    from resolvers.tokens import OPERATOR
    from resolvers.unit_of_work import unit_of_work

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        _fail(f"Cannot read {path}: {error.strerror}.")
    except UnicodeDecodeError:
        _fail(f"{path} is not UTF-8 text: save it from the spreadsheet as 'CSV UTF-8'.")

    async def run(db: Database) -> roster.RosterImport:
        async with unit_of_work(db, OPERATOR) as uow:
            found = await uow.session.get(Organisation, _organisation_pk(school))
            if found is None:
                raise DomainError(f"No school {school}.")
            with progress(f"Importing {path.name}"):
                done = await roster.import_roster(uow, found, csv=text, dry_run=dry_run)
            await group_rules.follow(uow)  # as the importRoster mutation's change is followed
            return done

    try:
        done = _with_db(run)
    except DomainError as error:
        _fail(error.message)
    for change in done.changes:
        typer.echo(f"  {change}")
    if not done.changes:
        typer.echo(f"Nothing to change: {done.school.name} already matches the file's {done.rows} row(s).")
    elif dry_run:
        typer.echo(f"Dry run: {len(done.changes)} change(s) would be made to {done.school.name}; nothing was written.")
    else:
        typer.echo(f"Imported {done.rows} row(s) into {done.school.name}: {len(done.changes)} change(s), audited.")


def _sdl() -> str:
    from schema.build import build_schema

    return build_schema(get_settings()).as_str() + "\n"


@schema_cli.command("export")
def schema_export() -> None:
    """Print the schema's SDL."""
    sys.stdout.write(_sdl())


@schema_cli.command("check")
def schema_check(path: Annotated[Path, typer.Argument()] = Path("schema.graphql")) -> None:
    """Fail when the checked-in schema differs from the code's."""
    if not path.exists() or path.read_text() != _sdl():
        _fail(f"{path} is out of date: run `make schema` and commit it.")
    typer.echo(f"{path} matches the code.")


def console_link(port: int, token: str, query: str) -> str:
    """The console with the token in its headers and the query in its editor. Spaces are
    %20, not urlencode's `+`, which a reader of the address by decodeURIComponent keeps."""
    headers = json.dumps({"Authorization": f"Bearer {token}"})
    fields = urllib.parse.urlencode({"headers": headers, "q": query}, quote_via=urllib.parse.quote)
    return f"http://localhost:{port}/graphql?{fields}"


def _print_demo_tokens(port: int) -> None:
    issued = demo.read(_demo_tokens_path())
    if not issued:
        typer.echo("No demo tokens on file; issue one with `trellis token create --email ... --name ...`.")
        return
    typer.secho("\nDemo tokens (also in var/demo-tokens.json):", bold=True)
    for item in issued:
        typer.secho(f"\n  {item.role}: {item.who}", bold=True)
        typer.echo(f"    token:  {item.token}")
        typer.echo(f"    query:  {item.query}")
        typer.echo(f"    in the console: {console_link(port, item.token, item.query)}")
    typer.echo("")


def _refuse_demo_in_production() -> None:
    if get_settings().production:
        _fail("PRODUCTION is set: demo data is never loaded into a production database.")


async def _load_demo(db: Database) -> None:
    demo.save(_demo_tokens_path(), await demo.issue_tokens(db, await demo.load(db)))


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo world (a trust, three schools, their staff and progress) into an empty,
    migrated database, and print a token and a sample query for each demo role."""
    _refuse_demo_in_production()
    settings = get_settings()

    async def load(db: Database) -> None:
        await migrations.ensure_current(db.engine)
        organisations, people = await demo.held(db)
        if organisations or people:
            raise DomainError(f"The database is not empty ({organisations} organisation(s), {people} person(s)): "
                              "demo data goes only into an empty database, and nothing was loaded.")
        with progress("Loading demo data"):
            await _load_demo(db)

    try:
        _with_db(load)
    except (DomainError, migrations.DatabaseBehind) as error:
        _fail(error.message if isinstance(error, DomainError) else str(error))
    typer.echo("Demo data loaded.")
    _print_demo_tokens(settings.port)


@cli.command()
def serve(
    embedded: Annotated[bool, typer.Option(help="Migrate, and load demo data into an empty database, first.")] = False,
    host: str = "127.0.0.1",
    reload: bool = False,
) -> None:
    """Run the service with uvicorn on PORT (default 8000)."""
    settings = get_settings()
    if embedded:
        _refuse_demo_in_production()
        with progress("Applying migrations") as advance:
            migrations.upgrade(settings.database_url, on_step=advance)

        async def prepare(db: Database) -> None:
            if await demo.is_empty(db):
                typer.echo("Empty database: loading demo data.")
                with progress("Loading demo data"):
                    await _load_demo(db)

        _with_db(prepare)
        _print_demo_tokens(settings.port)
    elif is_sqlite(settings.database_url):
        typer.echo("Serving SQLite; `trellis serve --embedded` also migrates and loads demo data.")
    if settings.broker_url == "stub":
        typer.echo(f"Notification digests go out at each school's send hour, to {settings.smtp_url}.")
        if settings.production:
            typer.secho("PRODUCTION is set but BROKER_URL is stub: this one process plans and sends every digest. "
                        "Set BROKER_URL to Redis and run `trellis notify worker` and `trellis notify scheduler`.",
                        fg=typer.colors.YELLOW, err=True)
    typer.echo(f"The console (GraphiQL): http://localhost:{settings.port}/graphql")
    if not ConsoleFiles().installed():
        typer.echo(f"  Its files are not installed: run `{INSTALL_COMMAND}` (it needs npm), then reload the page.")
    # log_config=None: uvicorn's lines, its access log too, go through infra/logs.py's handler.
    uvicorn.run("app.main:embedded_app", factory=True, host=host, port=settings.port, reload=reload, log_config=None)


@notify_cli.command("day")
def notify_day(
    day: Annotated[datetime.datetime, typer.Argument(formats=["%Y-%m-%d"], help="The school-local day, YYYY-MM-DD.")],
    school: Annotated[list[str] | None, typer.Option(
        help="A school, by the id the API shows (or its number); repeat for more. Default: every licensed school.",
    )] = None,
) -> None:
    """Plan and send one day again, for an operator re-running a missed day, and send that
    day's FAILED digests again (each once; audited). The once-only rules hold: no one gets
    a second digest for that day, no reminder twice. The schools' seats whose leaving date
    has come are ended first, as the scheduler does."""
    from jobs import broker as brokers
    from jobs import planning, scheduler
    from jobs.leavers import end_leavers
    from domain.notifications import DeliveryStatus
    from jobs.delivery import RetryLater
    from resolvers import notifications
    from resolvers.tokens import OPERATOR
    from resolvers.unit_of_work import unit_of_work

    settings = get_settings()

    async def run(db: Database) -> None:
        now = utcnow()
        licensed = await planning.licensed_schools(db)
        schools = [_organisation_pk(value) for value in school or []] or licensed
        unknown = [value for value, pk in zip(school or [], schools, strict=False) if pk not in licensed]
        if unknown:
            _fail(f"No licensed school {', '.join(unknown)}: nothing planned or sent.")
        async with unit_of_work(db, OPERATOR) as uow:
            again = await notifications.retry_failed_day(uow, day.date(), schools)
        # As the scheduler's tick does first: a leaver whose day has come is not counted.
        if ended := await end_leavers(db, now, schools):
            typer.echo(f"Ended {ended} seat(s) whose leaving date has come.")
        with progress(f"Planning {day.date()}", total=len(schools)) as advance:
            for organisation_id in schools:
                planned = await planning.plan_day(db, organisation_id, day.date(), now, rerun=True)
                failed = sum(1 for delivery in again if delivery.organisation_id == organisation_id)
                typer.echo(f"School {organisation_id}, {day.date()}: {planned.deliveries if planned else 0} new "
                           f"digest(s), {failed} failed digest(s) to send again.")
                advance()
        runtime = brokers.Runtime(settings)
        if settings.broker_url == "stub":
            # No worker process to hand over to: send here and now.
            waiting: list[int] = []
            await scheduler.hand_over(db, settings, waiting.append)
            sent = 0
            with progress("Sending digests", total=len(waiting)) as advance:
                for delivery_id in waiting:
                    try:
                        if await deliver(db, delivery_id, runtime.mailer, runtime.policy) == DeliveryStatus.SENT:
                            sent += 1
                    except RetryLater:
                        pass
                    advance()
            typer.echo(f"Sent {sent} digest(s) through {settings.smtp_url}.")
            if sent < len(waiting):
                typer.echo(f"{len(waiting) - sent} could not be sent now; the service's scheduler retries them.")
            return
        broker = brokers.install(brokers.make_broker(settings.broker_url), runtime)
        try:
            typer.echo(f"Handed {await scheduler.hand_over(db, settings, brokers.enqueue(settings))} digest(s) "
                       "to the workers.")
        finally:
            broker.close()

    _with_db(run)


def _shared_broker(process: str) -> None:
    """Refuse to run a worker or scheduler on the in-process broker, where it would idle."""
    if get_settings().broker_url == "stub":
        _fail(f"The {process} needs a broker shared with the other processes, but BROKER_URL is 'stub' (in-process), "
              "so nothing it sends or waits for would reach another process. Set BROKER_URL to the Redis the "
              "service uses, such as BROKER_URL=redis://localhost:6379/0; with the stub broker, `trellis serve` "
              "runs the worker and scheduler itself.")


@notify_cli.command("worker")
def notify_worker(threads: Annotated[int, typer.Option(help="Worker threads.")] = 4) -> None:
    """Send digests from BROKER_URL's queue until interrupted."""
    import dramatiq

    from jobs import broker as brokers

    _shared_broker("worker")
    settings = get_settings()
    runtime = brokers.Runtime(settings)
    broker = brokers.install(brokers.make_broker(settings.broker_url), runtime)
    worker = dramatiq.Worker(broker, worker_threads=threads)
    worker.start()
    typer.echo(f"Worker: {threads} thread(s) on {settings.broker_url}, mail to {settings.smtp_url}. Ctrl-C stops.")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    worker.stop()
    runtime.close()
    broker.close()


@notify_cli.command("scheduler")
def notify_scheduler() -> None:
    """Plan each school's day when its send hour comes, and hand digests to the workers."""
    from jobs import broker as brokers
    from jobs.scheduler import run_scheduler

    _shared_broker("scheduler")
    settings = get_settings()
    brokers.install(brokers.make_broker(settings.broker_url), brokers.Runtime(settings))

    async def run(db: Database) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        typer.echo(f"Scheduler: ticking every {settings.scheduler_interval_seconds}s on {settings.broker_url}.")
        await run_scheduler(db, settings, brokers.enqueue(settings), stop)

    _with_db(run)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
