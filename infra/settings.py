"""Settings, read from the environment (and an optional `.env` file)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///var/trellis.db"
    # "stub" runs Dramatiq's in-process StubBroker; a redis:// URL runs on Redis.
    broker_url: str = "stub"
    smtp_url: str = "file://var/mail"
    mail_from: str = "Trellis <notifications@trellis.example>"
    production: bool = False
    port: int = 8000

    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 10_000
    max_page_size: int = 100
    default_page_size: int = 50

    sqlite_busy_timeout_ms: int = 30_000
    token_days: int = 90

    # Notifications: how often the scheduler ticks, how a failing mail server is retried
    # (with exponential backoff between the two bounds), and when a delivery whose message
    # or worker went missing is handed over again.
    scheduler_interval_seconds: int = 60
    notification_max_attempts: int = 5
    notification_min_backoff_ms: int = 15_000
    notification_max_backoff_ms: int = 3_600_000
    notification_lease_seconds: int = 600
    notification_requeue_seconds: int = 900


@lru_cache
def get_settings() -> Settings:
    return Settings()
