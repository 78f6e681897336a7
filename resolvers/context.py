"""What resolvers need from a request."""

from typing import Protocol

from infra.database import Database, RequestDatabase
from infra.settings import Settings
from permissions.principal import Principal
from resolvers.loaders import Loaders


class RequestContext(Protocol):
    db: Database | RequestDatabase
    principal: Principal
    settings: Settings
    loaders: Loaders
