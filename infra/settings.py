"""Settings, read from the environment (and an optional `.env` file). Each is checked
when it is read, so a wrong value stops the service at start, naming the setting."""

import re
from datetime import timedelta
from functools import lru_cache
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from infra.database import POOL_SIZE

Positive = Annotated[int, Field(gt=0)]
DEFAULT_PORTS = {"http": 80, "https": 443}
# The most attempts one digest may get (the broker's own retry bound is set from it), and
# the longest its retries may go on.
MAX_ATTEMPTS = 100
LONGEST_RETRY = timedelta(days=7)
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": timedelta(milliseconds=1), "s": timedelta(seconds=1), "m": timedelta(minutes=1),
          "h": timedelta(hours=1), "d": timedelta(days=1)}


def duration(name: str, value: Any) -> timedelta:
    """`6h`, `90m`, `3600s`, `1h30m`, `500ms` (or a timedelta), or a ValueError naming the setting."""
    if isinstance(value, timedelta):
        return value
    text = str(value).strip().lower().replace(" ", "")
    if text and _DURATION_PART.sub("", text) == "":
        return sum((float(n) * _UNITS[unit] for n, unit in _DURATION_PART.findall(text)), timedelta())
    raise ValueError(f"{name}: {value!r} is not a duration; write a number with its unit, such as 6h, 90m or 3600s "
                     "(units ms, s, m, h, d)")


def retry_waits(retry_for: timedelta, least: timedelta, most: timedelta) -> tuple[timedelta, ...]:
    """The waits between a digest's attempts: doubling from `least` up to `most`, the last
    one cut short so that the last attempt comes `retry_for` after the first. Stops past
    MAX_ATTEMPTS, which the settings refuse."""
    waits: list[timedelta] = []
    total, wait = timedelta(), least
    while total < retry_for and len(waits) < MAX_ATTEMPTS:
        step = min(wait, most, retry_for - total)
        waits.append(step)
        total += step
        wait = min(wait * 2, most)
    return tuple(waits)


def _bare_origin(value: str, setting: str = "CORS_ALLOWED_ORIGINS") -> str:
    """`scheme://host[:port]` as a browser sends it in `Origin` (host in lower case, no
    default port), or a ValueError naming the setting."""
    if "*" in value:
        raise ValueError(f"{setting} does not take '*': Trellis answers bearer tokens, so name each "
                         "origin whose pages may call it, such as https://learning.example.org")
    wrong = ValueError(f"{setting}: {value!r} is not an origin; write scheme://host[:port] with http or "
                       "https and no path, query or trailing slash, such as https://learning.example.org")
    parts = urlsplit(value)
    if (parts.scheme not in DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc or parts.path
            or value.endswith(("/", "?", "#")) or parts.query or parts.fragment):
        raise wrong
    try:
        port = parts.port
    except ValueError:
        raise wrong from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port not in (None, DEFAULT_PORTS[parts.scheme]) else "")


MIN_FEED_KEY = 32
DEVELOPMENT_FEED_KEY = "trellis-development-feed-key-not-for-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/trellis.db"
    # "stub" runs Dramatiq's in-process StubBroker; a redis:// URL runs on Redis.
    broker_url: str = "stub"
    smtp_url: str = "file://var/mail"
    # The longest one send to the SMTP server may take, connecting included.
    smtp_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    mail_from: str = "Trellis <notifications@trellis.example>"
    production: bool = False
    # Log lines at this level and above: JSON lines in production, readable text otherwise.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    port: Annotated[int, Field(gt=0, lt=65536)] = 8000
    # Origins whose browser pages may call the API, comma-separated; none by default.
    cors_allowed_origins: str = ""

    # What one request may ask for (schema/limits.py), and how long it may take.
    max_query_depth: Positive = 12
    max_aliases: Annotated[int, Field(ge=0)] = 30
    max_tokens: Positive = 10_000
    max_fields: Positive = 500
    max_query_cost: Positive = 50_000
    max_string_length: Positive = 10_000
    max_body_bytes: Positive = 1_000_000
    # The texts of automatic persisted queries each process keeps, in bytes.
    persisted_query_bytes: Positive = 10_000_000
    request_timeout_seconds: Annotated[float, Field(gt=0)] = 15.0
    max_page_size: Positive = 100
    default_page_size: Positive = 50

    # Database connections each process keeps open: at least the requests it serves at once.
    database_pool_size: Positive = POOL_SIZE
    sqlite_busy_timeout_ms: Positive = 30_000
    token_days: Positive = 90
    # Makes the secrets of staff's calendar feed URLs: changing it ends every feed's URL (each
    # person is given a new one when they next ask). At least 32 characters; production
    # needs one, elsewhere a development key stands in.
    feed_key: str = ""
    # Where calendars reach this service, for the feed URLs (such as
    # https://trellis.school.example). Production needs it; elsewhere, left out, the
    # address each request came in on.
    public_url: str = ""

    # Notifications: how often the scheduler ticks, how long a failing mail server is
    # retried (the waits between attempts double from the least backoff to the most), and
    # when a delivery whose message or worker went missing is handed over again.
    scheduler_interval_seconds: Positive = 60
    notification_retry_for: timedelta = timedelta(hours=6)
    notification_min_backoff_ms: Positive = 15_000
    notification_max_backoff_ms: Annotated[int, Field(gt=0, le=LONGEST_RETRY // timedelta(milliseconds=1))] = 3_600_000
    # Replaced by NOTIFICATION_RETRY_FOR; a value left in the environment stops the service.
    notification_max_attempts: int | None = None
    notification_lease_seconds: Positive = 600
    notification_requeue_seconds: Positive = 900
    # Days the scheduler catches up after being down (the latest included); older ones are
    # logged as skipped, and `trellis notify day` plans them by hand.
    notification_catch_up_days: Annotated[int, Field(ge=1, le=31)] = 7

    @field_validator("cors_allowed_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        return ",".join(_bare_origin(part.strip()) for part in value.split(",") if part.strip())

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        return _bare_origin(value.strip(), "PUBLIC_URL") if value.strip() else ""

    @field_validator("notification_retry_for", mode="before")
    @classmethod
    def _retry_for(cls, value: Any) -> timedelta:
        return duration("NOTIFICATION_RETRY_FOR", value)

    @field_validator("notification_max_attempts")
    @classmethod
    def _no_max_attempts(cls, value: int | None) -> None:
        if value is not None:
            raise ValueError("NOTIFICATION_MAX_ATTEMPTS is no longer read: set NOTIFICATION_RETRY_FOR, how long a "
                             "digest is retried (such as 6h), and remove NOTIFICATION_MAX_ATTEMPTS")
        return None

    @property
    def retry_waits(self) -> tuple[timedelta, ...]:
        """The waits between a digest's attempts; one attempt more than there are waits."""
        return retry_waits(self.notification_retry_for, timedelta(milliseconds=self.notification_min_backoff_ms),
                           timedelta(milliseconds=self.notification_max_backoff_ms))

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        return tuple(origin for origin in self.cors_allowed_origins.split(",") if origin)

    @property
    def calendar_key(self) -> bytes:
        """FEED_KEY; outside production, a development key stands in for it."""
        return (self.feed_key or DEVELOPMENT_FEED_KEY).encode()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.production or self.feed_key) and len(self.feed_key) < MIN_FEED_KEY:
            raise ValueError(f"FEED_KEY must be at least {MIN_FEED_KEY} random characters, and set when PRODUCTION "
                             "is (it makes the calendar feeds' secret URLs): python -c 'import secrets; "
                             "print(secrets.token_urlsafe(32))' makes one")
        if self.production and not self.public_url:
            raise ValueError("PUBLIC_URL must be set when PRODUCTION is: the address (https://...) staff's calendars "
                             "and email links reach Trellis at, for feed URLs and the digests' links")
        if self.default_page_size > self.max_page_size:
            raise ValueError("DEFAULT_PAGE_SIZE must not exceed MAX_PAGE_SIZE")
        if self.notification_min_backoff_ms > self.notification_max_backoff_ms:
            raise ValueError("NOTIFICATION_MIN_BACKOFF_MS must not exceed NOTIFICATION_MAX_BACKOFF_MS")
        if not timedelta() < self.notification_retry_for <= LONGEST_RETRY:
            raise ValueError(f"NOTIFICATION_RETRY_FOR must be more than 0 and at most {LONGEST_RETRY.days} days; "
                             f"got {self.notification_retry_for}")
        if len(self.retry_waits) >= MAX_ATTEMPTS:
            raise ValueError(
                f"NOTIFICATION_RETRY_FOR ({self.notification_retry_for}) with NOTIFICATION_MAX_BACKOFF_MS "
                f"({self.notification_max_backoff_ms}) would make more than {MAX_ATTEMPTS} attempts: raise "
                "NOTIFICATION_MAX_BACKOFF_MS or shorten NOTIFICATION_RETRY_FOR")
        if self.notification_lease_seconds <= self.smtp_timeout_seconds:
            raise ValueError(
                f"NOTIFICATION_LEASE_SECONDS ({self.notification_lease_seconds}) must exceed SMTP_TIMEOUT_SECONDS "
                f"({self.smtp_timeout_seconds:g}): a digest still being sent would be taken by another worker and sent "
                "twice")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
