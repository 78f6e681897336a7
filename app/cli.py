"""The `trellis` command line: serve, migrate, tokens, schema."""

import asyncio
import sys
import urllib.parse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
import uvicorn

from app import demo, migrations
from app.db import Database, create_engine, is_sqlite
from app.settings import get_settings
from domain.errors import DomainError

T = TypeVar("T")
cli = typer.Typer(no_args_is_help=True, help="Trellis: professional learning for schools and trusts.")
db_cli = typer.Typer(no_args_is_help=True, help="The database.")
token_cli = typer.Typer(no_args_is_help=True, help="API tokens.")
schema_cli = typer.Typer(no_args_is_help=True, help="The GraphQL schema file.")
cli.add_typer(db_cli, name="db")
cli.add_typer(token_cli, name="token")
cli.add_typer(schema_cli, name="schema")


def _with_db(work: Callable[[Database], Awaitable[T]]) -> T:
    settings = get_settings()

    async def run() -> T:
        db = Database(create_engine(settings.database_url, settings.sqlite_busy_timeout_ms))
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
    migrations.upgrade(get_settings().database_url)
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
    organisation_id: Annotated[int | None, typer.Option(help="A school, for its external system's token.")] = None,
    days: Annotated[int, typer.Option(help="Days until it expires.")] = 90,
) -> None:
    """Issue a token. It is printed once and stored only as a hash."""
    from resolvers import tokens

    try:
        token, plain = _with_db(
            lambda db: tokens.issue(db, name=name, days=days, email=email, organisation_id=organisation_id)
        )
    except DomainError as error:
        _fail(error.message)
    typer.echo(f"Token {token.id} ({token.name}), expires {token.expires_at:%Y-%m-%d}:")
    typer.echo(plain)


@token_cli.command("revoke")
def token_revoke(token_id: Annotated[int, typer.Argument(help="The token's id, as printed when created.")]) -> None:
    """Revoke a token at once."""
    from resolvers import tokens

    try:
        token = _with_db(lambda db: tokens.revoke(db, token_id))
    except DomainError as error:
        _fail(error.message)
    typer.echo(f"Token {token.id} ({token.name}) revoked.")


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


def _print_demo_tokens(port: int) -> None:
    issued = demo.read(_demo_tokens_path())
    if not issued:
        typer.echo("No demo tokens on file; issue one with `trellis token create --email ... --name ...`.")
        return
    base = f"http://localhost:{port}/graphql"
    typer.secho("\nDemo tokens (also in var/demo-tokens.json):", bold=True)
    for item in issued:
        headers = '{"Authorization": "Bearer %s"}' % item.token
        link = f"{base}?" + urllib.parse.urlencode({"headers": headers, "q": item.query})
        typer.secho(f"\n  {item.role}: {item.who}", bold=True)
        typer.echo(f"    token:  {item.token}")
        typer.echo(f"    query:  {item.query}")
        typer.echo(f"    GraphiQL with both filled in: {link}")
    typer.echo("")


@cli.command()
def serve(
    embedded: Annotated[bool, typer.Option(help="Migrate, and load demo data into an empty database, first.")] = False,
    host: str = "127.0.0.1",
    reload: bool = False,
) -> None:
    """Run the service with uvicorn on PORT (default 8000)."""
    settings = get_settings()
    if embedded:
        migrations.upgrade(settings.database_url)

        async def prepare(db: Database) -> None:
            if await demo.is_empty(db):
                typer.echo("Empty database: loading demo data.")
                demo.save(_demo_tokens_path(), await demo.issue_tokens(db, await demo.load(db)))

        _with_db(prepare)
        _print_demo_tokens(settings.port)
    elif is_sqlite(settings.database_url):
        typer.echo("Serving SQLite; `trellis serve --embedded` also migrates and loads demo data.")
    typer.echo(f"GraphiQL: http://localhost:{settings.port}/graphql")
    uvicorn.run("app.main:create_app", factory=True, host=host, port=settings.port, reload=reload)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
