"""Settings, read from the environment (and an optional `.env` file). Each is checked
when it is read, so a wrong value stops the service at start, naming the setting."""

from functools import lru_cache
from typing import Annotated, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Positive = Annotated[int, Field(gt=0)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/trellis.db"
    # "stub" runs Dramatiq's in-process StubBroker; a redis:// URL runs on Redis.
    broker_url: str = "stub"
    smtp_url: str = "file://var/mail"
    mail_from: str = "Trellis <notifications@trellis.example>"
    production: bool = False
    port: Annotated[int, Field(gt=0, lt=65536)] = 8000

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

    sqlite_busy_timeout_ms: Positive = 30_000
    token_days: Positive = 90

    # Notifications: how often the scheduler ticks, how a failing mail server is retried
    # (with exponential backoff between the two bounds), and when a delivery whose message
    # or worker went missing is handed over again.
    scheduler_interval_seconds: Positive = 60
    notification_max_attempts: Positive = 5
    notification_min_backoff_ms: Positive = 15_000
    notification_max_backoff_ms: Positive = 3_600_000
    notification_lease_seconds: Positive = 600
    notification_requeue_seconds: Positive = 900

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.default_page_size > self.max_page_size:
            raise ValueError("DEFAULT_PAGE_SIZE must not exceed MAX_PAGE_SIZE")
        if self.notification_min_backoff_ms > self.notification_max_backoff_ms:
            raise ValueError("NOTIFICATION_MIN_BACKOFF_MS must not exceed NOTIFICATION_MAX_BACKOFF_MS")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
