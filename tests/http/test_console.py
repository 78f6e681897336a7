"""The console a browser gets at /graphql and /console (app/console/): Trellis's own page,
every file of it from this service under a Content-Security-Policy, each file kept by the
browser for a year at an address that changes with its content, and a plain answer naming
the install step while its files are missing. How it runs in a real browser is the live
test tests/services/test_console_in_chromium.py."""

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from app.console.files import ConsoleFiles
from app.main import create_app
from infra.database import Database
from infra.settings import Settings
from tests.availability import require
from tests.conftest import schema_for

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


class Page(HTMLParser):
    """The title, and every address a page loads or links to."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.title, self.addresses, self.scripts, self.styles = "", [], [], []
        self._in_title = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self._in_title = tag == "title"
        for name in ("src", "href", "action", "srcset"):
            if found.get(name):
                self.addresses.append(found[name])
        if tag == "script" and found.get("src"):
            self.scripts.append(found["src"])
        if tag == "link" and found.get("rel") == "stylesheet":
            self.styles.append(found["href"])

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False


@pytest.fixture
def installed() -> None:
    require(ConsoleFiles().installed(), "The console's files are not installed: run `make console` (needs npm)")


def directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("path", ["/graphql", "/console"])
async def test_a_browser_gets_trellis_own_console_loading_only_from_trellis(
    client: httpx.AsyncClient, installed: None, path: str
) -> None:
    response = await client.get(path, headers=HTML)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = Page(response.text)
    assert page.title == "Trellis"
    assert len(page.scripts) == 5 and len(page.styles) == 3
    loaded = page.scripts + page.styles
    assert all(re.fullmatch(r"/console/assets/[0-9a-f]{16}/[a-z-]+\.(js|css)", address) for address in loaded), loaded
    assert all(address.startswith(("/", "data:")) for address in page.addresses), page.addresses
    assert "unpkg" not in response.text and "Cookies" not in response.text


async def test_the_console_page_says_how_to_get_a_token(client: httpx.AsyncClient, installed: None) -> None:
    text = (await client.get("/graphql", headers=HTML)).text
    note = re.search(r'<aside id="token-note".*?</aside>', text, re.S)
    assert note, text
    assert "licence owner" in note[0] and "trellis token create --email" in note[0] and "make run" in note[0]


async def test_the_console_may_load_and_call_only_this_service(client: httpx.AsyncClient, installed: None) -> None:
    response = await client.get("/graphql", headers=HTML)
    policy = directives(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]
    # A link's address may carry a token: the page never passes it on.
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-cache"


async def test_every_file_the_page_loads_is_served_for_keeping(client: httpx.AsyncClient, installed: None) -> None:
    page = Page((await client.get("/graphql", headers=HTML)).text)
    for address in page.scripts + page.styles:
        response = await client.get(address)
        assert response.status_code == 200, address
        expected = "text/javascript" if address.endswith(".js") else "text/css"
        assert response.headers["content-type"].startswith(expected)
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert b"unpkg.com" not in response.content


async def test_an_address_of_another_version_gets_the_file_but_not_for_keeping(
    client: httpx.AsyncClient, installed: None
) -> None:
    page = Page((await client.get("/graphql", headers=HTML)).text)
    current = next(address for address in page.scripts if address.endswith("/console.js"))
    stale = await client.get("/console/assets/0000000000000000/console.js")
    assert stale.status_code == 200 and stale.content == (await client.get(current)).content
    assert stale.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("name", ["package.json", "graphiql.min.js", "..%2F..%2Fpyproject.toml", "%2E%2E", "page.html",
                                  "files.py", "react"])
async def test_only_the_console_files_are_served(client: httpx.AsyncClient, name: str) -> None:
    response = await client.get(f"/console/assets/0000000000000000/{name}")
    assert response.status_code == 404


async def test_graphiql_travels_gzipped(client: httpx.AsyncClient, installed: None) -> None:
    address = next(a for a in Page((await client.get("/graphql", headers=HTML)).text).scripts
                   if a.endswith("/graphiql.js"))
    async with client.stream("GET", address, headers={"Accept-Encoding": "gzip"}) as response:
        wire = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.headers["content-encoding"] == "gzip"
    plain = gzip.decompress(wire)
    assert len(plain) > 1_000_000 and len(wire) < len(plain) / 3


async def test_without_its_files_the_console_names_the_install_step(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    app = create_app(settings, db, schema=schema_for(settings))
    app.state.console = ConsoleFiles(node_modules=tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://trellis.test") as client:
        response = await client.get("/graphql", headers=HTML)
        file = await client.get("/console/assets/0000000000000000/graphiql.js")
        api = await client.post("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 503 and response.headers["content-type"].startswith("text/html")
    assert "make console" in response.text and "npm" in response.text
    assert "<script" not in response.text
    assert file.status_code == 404
    assert api.json()["data"] == {"__typename": "Query"}
