"""Settings that would make Trellis send a digest twice stop it at start, with a message
naming the settings to change."""

from datetime import timedelta

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from app.cli import cli
from infra.settings import Settings, get_settings


def start_with(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    """Start `trellis serve` with these variables; what stopped it (it must not start)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///:memory:")
    monkeypatch.setattr("app.cli.uvicorn.run", lambda *_, **__: None)  # were the values taken, serve no further
    get_settings.cache_clear()
    try:
        started = CliRunner().invoke(cli, ["serve"])
    finally:
        get_settings.cache_clear()
    assert started.exit_code != 0
    return str(started.exception)


@pytest.mark.parametrize(("lease", "timeout"), [("30", "30"), ("10", "30"), ("60", "90.5")])
def test_a_lease_not_longer_than_the_smtp_timeout_stops_the_service_naming_both(
    monkeypatch: pytest.MonkeyPatch, lease: str, timeout: str
) -> None:
    with pytest.raises(ValidationError, match="NOTIFICATION_LEASE_SECONDS .* must exceed SMTP_TIMEOUT_SECONDS"):
        Settings(notification_lease_seconds=lease, smtp_timeout_seconds=timeout)
    stopped = start_with(monkeypatch, NOTIFICATION_LEASE_SECONDS=lease, SMTP_TIMEOUT_SECONDS=timeout)
    assert "NOTIFICATION_LEASE_SECONDS" in stopped and "SMTP_TIMEOUT_SECONDS" in stopped


def test_a_lease_longer_than_the_smtp_timeout_is_taken() -> None:
    settings = Settings(notification_lease_seconds=31, smtp_timeout_seconds=30)
    assert (settings.notification_lease_seconds, settings.smtp_timeout_seconds) == (31, 30)
    assert Settings().notification_lease_seconds > Settings().smtp_timeout_seconds


@pytest.mark.parametrize("timeout", ["0", "-1", "soon"])
def test_an_smtp_timeout_that_is_not_a_positive_number_is_refused(timeout: str) -> None:
    with pytest.raises(ValidationError, match="smtp_timeout_seconds"):
        Settings(smtp_timeout_seconds=timeout)


def test_the_smtp_timeout_reaches_the_mailer() -> None:
    from jobs.broker import Runtime
    from jobs.mail import SmtpMailer

    mailer = Runtime(Settings(smtp_url="smtp://mail.example.org", smtp_timeout_seconds=12.5)).mailer
    assert isinstance(mailer, SmtpMailer) and mailer.timeout == 12.5


@pytest.mark.parametrize(("value", "span"), [
    ("6h", timedelta(hours=6)), ("90m", timedelta(minutes=90)), ("3600s", timedelta(hours=1)),
    ("1h30m", timedelta(minutes=90)), (" 2H ", timedelta(hours=2)), ("1.5h", timedelta(minutes=90)),
    ("1d", timedelta(days=1)), ("500ms", timedelta(milliseconds=500)),
])
def test_retries_go_on_for_the_duration_set_the_last_wait_cut_to_fit(value: str, span: timedelta) -> None:
    settings = Settings(notification_retry_for=value)
    assert settings.notification_retry_for == span
    waits = settings.retry_waits
    assert sum(waits, timedelta()) == span
    assert all(timedelta() < wait <= timedelta(hours=1) for wait in waits)
    assert all(later >= earlier for earlier, later in zip(waits[:-2], waits[1:-1]))  # growing, but for the last


def test_by_default_retries_go_on_for_six_hours_from_fifteen_seconds_doubling_to_an_hour() -> None:
    waits = [wait.total_seconds() for wait in Settings().retry_waits]
    assert waits == [15, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600, 3375]
    assert sum(waits) == 6 * 3600


@pytest.mark.parametrize(("value", "message"), [
    ("6", "not a duration"), ("six hours", "not a duration"), ("6 hours", "not a duration"), ("", "not a duration"),
    ("-1h", "not a duration"), ("0s", "more than 0"), ("8d", "at most 7 days"),
])
def test_a_retry_duration_that_cannot_be_read_or_is_out_of_range_stops_the_service(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=f"NOTIFICATION_RETRY_FOR.*{message}"):
        Settings(notification_retry_for=value)
    assert "NOTIFICATION_RETRY_FOR" in start_with(monkeypatch, NOTIFICATION_RETRY_FOR=value)


def test_a_schedule_of_too_many_attempts_names_both_settings() -> None:
    with pytest.raises(ValidationError, match="NOTIFICATION_RETRY_FOR .* NOTIFICATION_MAX_BACKOFF_MS .* attempts"):
        Settings(notification_retry_for="7d", notification_min_backoff_ms=1000, notification_max_backoff_ms=60_000)


def test_the_replaced_max_attempts_setting_stops_the_service_naming_its_successor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stopped = start_with(monkeypatch, NOTIFICATION_MAX_ATTEMPTS="5")
    assert "NOTIFICATION_MAX_ATTEMPTS" in stopped and "NOTIFICATION_RETRY_FOR" in stopped


@pytest.mark.parametrize("days", ["0", "32", "a week"])
def test_a_catch_up_window_out_of_range_stops_the_service_naming_it(monkeypatch: pytest.MonkeyPatch,
                                                                     days: str) -> None:
    assert "notification_catch_up_days" in start_with(monkeypatch, NOTIFICATION_CATCH_UP_DAYS=days).lower()


@pytest.mark.parametrize("key", ["", "too-short"])
def test_production_without_a_feed_key_of_32_characters_stops_the_service_naming_it(
    monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    stopped = start_with(monkeypatch, PRODUCTION="true", FEED_KEY=key, PUBLIC_URL="https://trellis.school.example")
    assert "FEED_KEY must be at least 32" in stopped


def test_a_short_feed_key_stops_the_service_outside_production_too(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "FEED_KEY must be at least 32" in start_with(monkeypatch, FEED_KEY="short")


def test_production_without_a_public_url_stops_the_service_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    stopped = start_with(monkeypatch, PRODUCTION="true", FEED_KEY="k" * 32, PUBLIC_URL="")
    assert "PUBLIC_URL must be set when PRODUCTION is" in stopped


def test_a_public_url_with_a_path_stops_the_service_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "PUBLIC_URL: 'https://learning.example.org/trellis' is not an origin" in start_with(
        monkeypatch, PUBLIC_URL="https://learning.example.org/trellis")
