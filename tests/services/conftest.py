"""A real uvicorn serving Trellis over real HTTP, for what in-process tests cannot show:
other clients (Node's graphql-http audit) and several worker processes sharing SQLite.

Every wait is bounded and the server is always stopped, so a broken start fails the
test with uvicorn's own output instead of hanging the suite.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from infra import migrations
from tests.inbox import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0


def _tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM lets uvicorn stop its workers; if it will not go, kill its process group."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # stray workers, if any; the group is ours alone
    except ProcessLookupError:
        pass
    if process.poll() is None:
        process.wait(timeout=STOP_TIMEOUT)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh, migrated SQLite file of this test's own."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'live.db'}"
    migrations.upgrade(url)
    return url


def start_server(folder: Path, database_url: str, workers: int = 1,
                 env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn on a free port, its output in `folder`; the process and its base URL once
    /health answers. Extra settings come in `env`. The caller stops it with `stop`."""
    port = free_port()
    log = folder / f"uvicorn-{port}.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BROKER_URL": "stub",
        "SMTP_URL": f"file://{folder / 'mail'}",
        "PRODUCTION": "false",
        **(env or {}),
    }
    # sys.executable is the suite's interpreter: the project's .venv under `make test`.
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   start_new_session=True)

    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"uvicorn exited with {process.returncode} before serving:\n{_tail(log)}", pytrace=False)
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return process, base_url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop(process)
    pytest.fail(f"uvicorn was not healthy within {START_TIMEOUT:.0f}s:\n{_tail(log)}", pytrace=False)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """serve(database_url, workers=1, env=None) starts uvicorn on a free port, waits for
    /health, and returns the base URL. Every server started is stopped when the test ends."""
    started: list[subprocess.Popen[bytes]] = []

    def start(database_url: str, workers: int = 1, env: dict[str, str] | None = None) -> str:
        process, base_url = start_server(tmp_path, database_url, workers, env)
        started.append(process)
        return base_url

    yield start
    for process in started:
        stop(process)


@pytest.fixture
def live_server(sqlite_url: str, serve: Callable[..., str]) -> str:
    """The base URL of one uvicorn worker serving an empty, migrated SQLite database."""
    return serve(sqlite_url)
