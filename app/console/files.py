"""The console's files: React, GraphiQL and its explorer from the npm packages pinned in
package.json beside this module (`make console` installs them into .cache/console/), and
the console's own script and style. Only these names are served, each at an address
holding a hash of its content, so a browser keeps it for a year and never runs a stale one."""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE.parents[1] / ".cache" / "console" / "node_modules"
INSTALL_COMMAND = "make console"

# Name served -> its path under node_modules.
PACKAGED = {
    "react.js": "react/umd/react.production.min.js",
    "react-dom.js": "react-dom/umd/react-dom.production.min.js",
    "graphiql.js": "graphiql/graphiql.min.js",
    "graphiql.css": "graphiql/graphiql.min.css",
    "explorer.js": "@graphiql/plugin-explorer/dist/index.umd.js",
    "explorer.css": "@graphiql/plugin-explorer/dist/style.css",
}
OWN = ("console.js", "console.css")
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
FOREVER = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class File:
    body: bytes
    media_type: str
    version: str


class ConsoleFiles:
    """Read once, on the first request that needs them; until the npm packages are
    installed, `load` answers None and looks again next time."""

    def __init__(self, node_modules: Path = NODE_MODULES, own: Path = HERE) -> None:
        self.paths = {name: node_modules / path for name, path in PACKAGED.items()}
        self.paths.update({name: own / name for name in OWN})
        self._files: dict[str, File] | None = None

    def installed(self) -> bool:
        return all(path.is_file() for path in self.paths.values())

    def load(self) -> dict[str, File] | None:
        if self._files is None and self.installed():
            files = {}
            for name, path in self.paths.items():
                body = path.read_bytes()
                files[name] = File(body, MEDIA_TYPES[path.suffix], hashlib.sha256(body).hexdigest()[:16])
            self._files = files
        return self._files


def address(root_path: str, name: str, file: File) -> str:
    return f"{root_path}/console/assets/{file.version}/{name}"


async def console_file(request: Request) -> Response:
    """GET /console/assets/{version}/{name}. An address of an older version still gets
    the current file, but not for keeping."""
    files = request.app.state.console.load()
    name = request.path_params["name"]
    if files is None or name not in files:
        return PlainTextResponse("No such file.", status_code=404)
    file = files[name]
    cache = FOREVER if request.path_params["version"] == file.version else "no-cache"
    return Response(file.body, media_type=file.media_type,
                    headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff"})
