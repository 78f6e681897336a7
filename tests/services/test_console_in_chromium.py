"""The console as a person meets it, in headless Chromium against a real server holding
the demo world: a link exactly as `make run` prints it opens the console with the token
and the query filled in, the query runs and its answer shows demo data; without a token
the page says how to get one. Every request to a host other than this machine is refused
and recorded, and none may be made; the page may log no error (a blocked script or style
would log one). A page of another origin calls the API as CORS_ALLOWED_ORIGINS lets it.

Chromium is Debian's (`make browser` installs it); Playwright drives it and downloads no
browser of its own."""

import json
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.async_api import BrowserContext, ConsoleMessage, Page, Route, async_playwright

from app import cli, demo
from app.console.files import ConsoleFiles
from infra.database import Database, create_engine
from tests.availability import require
from tests.services.conftest import start_server, stop
from tests.test_cli import printed_links

pytestmark = pytest.mark.live

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
THIS_MACHINE = {"127.0.0.1", "localhost"}
RESULT = "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue()"
EDITOR = "(selector) => document.querySelector(selector).CodeMirror.getValue()"
QUERY_EDITOR = ".graphiql-query-editor .CodeMirror"
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"


class Partner(BaseHTTPRequestHandler):
    """Another site's page: a blank one its scripts run in."""

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        body = b"<!doctype html><title>A partner's page</title><p>Partner</p>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture(scope="module")
def chromium_path() -> str:
    """Asked first, so a machine without Chromium skips before any server starts."""
    executable = shutil.which("chromium")
    require(executable is not None, "Chromium is needed for the console's browser test: `make browser` installs it")
    return executable or ""


@pytest.fixture(scope="module")
def partner() -> Iterator[int]:
    """The port of a page server on 127.0.0.1, an origin of its own."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Partner)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@dataclass
class Trellis:
    base_url: str
    port: int
    issued: list[demo.DemoToken]

    def token(self, role: str) -> demo.DemoToken:
        return next(item for item in self.issued if item.role == role)


@pytest.fixture(scope="module")
async def trellis(chromium_path: str, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
                  partner: int) -> AsyncIterator[Trellis]:
    """A real server on the demo world, letting the partner's origin (and no other) call it."""
    require(ConsoleFiles().installed(), "The console's files are not installed: run `make console` (needs npm)")
    folder = tmp_path_factory.mktemp("console")
    shutil.copy(sqlite_template, folder / "demo.db")
    url = f"sqlite+aiosqlite:///{folder / 'demo.db'}"
    db = Database(create_engine(url))
    try:
        issued = await demo.issue_tokens(db, await demo.load(db))
    finally:
        await db.dispose()
    process, base_url = start_server(folder, url, env={"CORS_ALLOWED_ORIGINS": f"http://127.0.0.1:{partner}"})
    try:
        yield Trellis(base_url, urlsplit(base_url).port or 0, issued)
    finally:
        stop(process)


@dataclass
class Browser:
    """A fresh Chromium profile; what left the machine, and what each page logged as wrong."""

    context: BrowserContext
    left: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)
    logged: dict[Page, list[str]] = field(default_factory=dict)

    async def route(self, route: Route) -> None:
        if urlsplit(route.request.url).hostname in THIS_MACHINE:
            self.served.append(route.request.url)
            await route.continue_()
        else:
            self.left.append(route.request.url)
            await route.abort("blockedbyclient")

    async def open(self, url: str) -> Page:
        page = await self.context.new_page()
        logged = self.logged.setdefault(page, [])

        def console(message: ConsoleMessage) -> None:
            if message.type in ("error", "warning"):
                logged.append(f"{message.type}: {message.text}")

        page.on("console", console)
        page.on("pageerror", lambda error: logged.append(f"uncaught: {error}"))
        await page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                                   "console.error('CSP blocked ' + e.blockedURI + ' by ' + e.violatedDirective))")
        await page.goto(url)
        return page

    async def console(self, url: str) -> Page:
        page = await self.open(url)
        await page.wait_for_selector(".graphiql-execute-button", timeout=30_000)
        return page


@pytest.fixture
async def chromium(chromium_path: str, tmp_path: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=chromium_path, headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 800})
        browser = Browser(context)
        await context.route("**/*", browser.route)
        try:
            yield browser
        finally:
            await context.close()


def link_as_printed(trellis: Trellis, role: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                    capsys: pytest.CaptureFixture[str]) -> str:
    demo.save(tmp_path / "demo-tokens.json", trellis.issued)
    monkeypatch.setattr(cli, "_demo_tokens_path", lambda: tmp_path / "demo-tokens.json")
    cli._print_demo_tokens(trellis.port)
    return printed_links(capsys.readouterr().out)[role]


async def answer_shown(page: Page) -> dict[str, Any]:
    await page.wait_for_function(f"() => ({RESULT})().includes('\"data\"')", timeout=30_000)
    return json.loads(await page.evaluate(RESULT))


async def test_a_printed_link_runs_its_query_and_shows_the_demo_staff_members_path(
    trellis: Trellis, chromium: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    staff = trellis.token("staff member")
    page = await chromium.console(link_as_printed(trellis, "staff member", tmp_path, monkeypatch, capsys))
    assert await page.title() == "Trellis"
    assert await page.is_hidden("#token-note")
    assert json.loads(await page.evaluate(EDITOR, HEADERS_EDITOR)) == {"Authorization": f"Bearer {staff.token}"}
    assert "".join((await page.evaluate(EDITOR, QUERY_EDITOR)).split()) == "".join(staff.query.split())

    await page.click(".graphiql-execute-button")
    shown = await answer_shown(page)
    assert "errors" not in shown, shown
    titles = [item["course"]["title"] for item in shown["data"]["me"]["learningPath"]["items"]]
    assert "Phonics 1: Sounds and Letters" in titles and set(titles) <= {title for _, title in demo.COURSES}
    assert "Phonics 1: Sounds and Letters" in await page.inner_text(".graphiql-response")

    # A dialog writes its own <style> element, which the page's policy must let in.
    await page.click("button[aria-label='Open settings dialog']")
    await page.wait_for_selector(".graphiql-dialog", timeout=10_000)
    await page.keyboard.press("Escape")

    assert chromium.left == []
    assert any("/console/assets/" in url and url.endswith("/graphiql.js") for url in chromium.served)
    assert chromium.logged[page] == []


async def test_without_a_token_the_console_says_how_to_get_one_until_one_is_given(
    trellis: Trellis, chromium: Browser
) -> None:
    owner = trellis.token("licence owner")
    page = await chromium.console(f"http://localhost:{trellis.port}/graphql")
    note = page.locator("#token-note")
    assert await note.is_visible()
    text = await note.inner_text()
    assert "licence owner" in text and "trellis token create --email" in text and "make run" in text

    await page.click(HEADERS_EDITOR)
    await page.keyboard.type(json.dumps({"Authorization": f"Bearer {owner.token}"}))
    await note.wait_for(state="hidden", timeout=10_000)

    await page.click(QUERY_EDITOR)
    await page.keyboard.press("Control+Enter")
    shown = await answer_shown(page)
    expected = httpx.post(f"{trellis.base_url}/graphql", json={"query": await page.evaluate(EDITOR, QUERY_EDITOR)},
                          headers={"Authorization": f"Bearer {owner.token}"}).json()
    assert shown == expected and shown["data"]["me"]["person"]["displayName"]

    # The query is remembered for next time; the token is not (computers are shared).
    await page.wait_for_timeout(1000)  # GraphiQL saves half a second after a change
    kept = await page.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    assert "displayName" in kept and owner.token not in kept
    assert chromium.left == [] and chromium.logged[page] == []


async def test_a_listed_origins_page_calls_the_api_and_another_origins_page_is_refused(
    trellis: Trellis, chromium: Browser, partner: int
) -> None:
    call = """async ([url, token]) => {
        try {
            const response = await fetch(url, {method: "POST",
                body: JSON.stringify({query: "{ me { person { email } } }"}),
                headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token}});
            return {status: response.status, requestId: response.headers.get("X-Request-ID"),
                    body: await response.json()};
        } catch (error) {
            return {refused: String(error)};
        }
    }"""
    staff = trellis.token("staff member")
    listed = await chromium.open(f"http://127.0.0.1:{partner}/")
    allowed = await listed.evaluate(call, [f"{trellis.base_url}/graphql", staff.token])
    assert allowed["status"] == 200 and allowed["body"]["data"]["me"]["person"]["email"] == staff.who
    assert allowed["requestId"]
    assert chromium.logged[listed] == []

    other = await chromium.open(f"http://localhost:{partner}/")  # the same server, another origin
    refused = await other.evaluate(call, [f"{trellis.base_url}/graphql", staff.token])
    assert "refused" in refused, refused
    assert any("CORS policy" in line for line in chromium.logged[other]), chromium.logged[other]
    assert chromium.left == []
