"""The per-request Context: who is asking, how to reach the database, fresh loaders."""

from dataclasses import dataclass, field

from infra.database import Database, RequestDatabase
from infra.settings import Settings
from permissions.principal import Principal
from resolvers.loaders import Loaders
from resolvers.previews import NextSend


@dataclass
class Context:
    db: Database | RequestDatabase  # a request's own view (one shared read session), or the database
    principal: Principal
    settings: Settings
    request_id: str = "-"
    origin: str = ""  # scheme://host[:port] the request came in on
    operation: str | None = None  # the operation that ran, once execution began
    # A preview's next send (jobs/planning.NEXT_SEND, which the schema may not import): given
    # by the app; without it a preview tells paths only.
    next_send: NextSend | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.db, self.principal)
