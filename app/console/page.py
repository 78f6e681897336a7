"""The console's page: Trellis's own GraphiQL page, loading every file from this service,
under a Content-Security-Policy that lets nothing else in or out."""

import json
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.console.files import INSTALL_COMMAND, address

HERE = Path(__file__).resolve().parent
PAGE = Template((HERE / "page.html").read_text())
NOT_INSTALLED = Template((HERE / "not_installed.html").read_text()).substitute(install=INSTALL_COMMAND)

# Scripts, styles and calls only to this service; GraphiQL's CSS embeds its fonts and icons.
# One exception: GraphiQL's dialogs lock scrolling with a <style> element they write (its
# bundle offers no way to give it a nonce), so inline style elements are allowed; style
# attributes in markup are not.
CSP = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-elem 'self' 'unsafe-inline'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])
HEADERS = {
    "Content-Security-Policy": CSP,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    # A link may carry a token in its address: it is never sent on as a Referer.
    "Referrer-Policy": "no-referrer",
}


def console_page(request: Request) -> HTMLResponse:
    files = request.app.state.console.load()
    if files is None:
        return HTMLResponse(NOT_INSTALLED, status_code=503, headers=HEADERS)
    root = request.scope.get("root_path", "")
    config = json.dumps({"endpoint": f"{root}/graphql"}).replace("<", "\\u003c")
    urls = {name.replace("-", "_").replace(".", "_"): address(root, name, file) for name, file in files.items()}
    return HTMLResponse(PAGE.substitute(urls, config=config), headers=HEADERS)
