"""Settings that would make Trellis send a digest twice stop it at start, with a message
naming the settings to change."""

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
