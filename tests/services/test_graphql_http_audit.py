"""The GraphQL-over-HTTP spec, checked by a client we did not write: graphql-http's
server audits, run with the machine's Node against a live server.

The audits send no token; that is intended, since introspection and `__typename`
answer anonymously. graphql-http is installed (pinned) into the gitignored
`.cache/graphql-http/` once and reused on later runs.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.availability import require

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "graphql-http"
SCRIPT = Path(__file__).with_name("graphql_http_audit.mjs")
PACKAGES = {"graphql-http": "1.23.1", "graphql": "16.15.0"}  # graphql-http's peer: graphql >=0.11 <=17


def _installed() -> bool:
    for name, version in PACKAGES.items():
        manifest = CACHE / "node_modules" / name / "package.json"
        try:
            if json.loads(manifest.read_text())["version"] != version:
                return False
        except (OSError, ValueError, KeyError):
            return False
    return True


@pytest.fixture(scope="session")
def graphql_http() -> Path:
    """The directory whose node_modules holds graphql-http; skips (fails under CI)
    without Node, npm or the registry."""
    node, npm = shutil.which("node"), shutil.which("npm")
    require(bool(node and npm), "Node and npm are needed for the graphql-http audit")
    if not _installed():
        CACHE.mkdir(parents=True, exist_ok=True)
        specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
        installed = subprocess.run(
            [npm, "install", "--prefix", str(CACHE), "--no-package-lock", "--no-save", "--no-audit", "--no-fund",
             *specs],
            cwd=CACHE, capture_output=True, text=True, timeout=300,
        )
        require(installed.returncode == 0 and _installed(),
                f"npm could not install {' '.join(specs)}: {installed.stderr[-2000:]}")
    return CACHE


def test_the_server_passes_every_must_and_should_audit(graphql_http: Path, live_server: str) -> None:
    run = subprocess.run(
        ["node", str(SCRIPT), str(graphql_http), f"{live_server}/graphql"],
        capture_output=True, text=True, timeout=180,
    )
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    required = [r for r in results if r["name"].startswith(("MUST", "SHOULD"))]
    failures = [r for r in required if r["status"] != "ok"]
    report = "\n".join(f"- [{r['status']}] {r['id']} {r['name']}: {r['reason']}" for r in failures)
    assert required and not failures, f"{len(failures)} of {len(required)} audits failed:\n{report}"
