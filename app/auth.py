"""Reading `Authorization: Bearer <token>` into a principal."""

from starlette.requests import Request

from infra.database import Database, RequestDatabase
from domain.models import utcnow
from permissions.principal import ANONYMOUS, InvalidToken, Principal, load_principal


class Unauthenticated(Exception):
    pass


async def authenticate(request: Request, db: Database | RequestDatabase) -> Principal:
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("The Authorization header must be `Bearer <token>`.")
    try:
        async with db.read() as session:
            return await load_principal(session, token.strip(), utcnow())
    except InvalidToken:
        # One message for unknown, expired and revoked: a guesser learns nothing.
        raise Unauthenticated("The token is unknown, expired or revoked.") from None
