// The console: GraphiQL and its explorer, talking to this service's /graphql with the
// headers the user gives it (a bearer token; no cookies). A link may fill in the query
// (`query` or `q`), the variables and the headers; `make run` prints such links.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("console-config").textContent);
  // URLSearchParams reads both `+` and `%20` as a space.
  var params = new URLSearchParams(window.location.search);
  var note = document.getElementById("token-note");

  var WELCOME = [
    "# Welcome to Trellis.",
    "# Write a query here, then run it with Ctrl-Enter",
    "# or the run button. The explorer on the left",
    "# builds one field by field; the docs list every",
    "# type. Your token goes in the Headers tab below:",
    "# {\"Authorization\": \"Bearer trl_...\"}",
    "",
    "{",
    "  me {",
    "    person { displayName }",
    "    memberships { role organisation { name } }",
    "  }",
    "}",
    "",
  ].join("\n");

  function carriesToken(text) {
    try {
      var headers = JSON.parse(text || "{}");
      return Object.keys(headers).some(function (name) {
        var value = headers[name];
        return name.toLowerCase() === "authorization" && typeof value === "string" && /^\s*\S+\s+\S+/.test(value);
      });
    } catch (notJson) {
      return false;
    }
  }

  function showNoteFor(headers) {
    note.hidden = carriesToken(headers);
  }

  // The address keeps the query and variables being edited, so a reload or a shared link
  // has them; `q`, since /graphql runs a `query` given in the address instead of opening
  // the console. Headers are left as they came: a token is not written into history.
  function remember(name, value) {
    var now = new URLSearchParams(window.location.search);
    if (name === "q") {
      now.delete("query");
    }
    if (value) {
      now.set(name, value);
    } else {
      now.delete(name);
    }
    var search = now.toString();
    history.replaceState(null, "", window.location.pathname + (search ? "?" + search : ""));
  }

  // A query on one line (as links carry them) is laid out; one line holds no comment to lose.
  function laidOut(query) {
    if (!query || query.indexOf("\n") >= 0) {
      return query || undefined;
    }
    try {
      return GraphiQL.GraphQL.print(GraphiQL.GraphQL.parse(query));
    } catch (notGraphQL) {
      return query;
    }
  }

  var query = laidOut(params.get("query") || params.get("q"));
  var headers = params.get("headers") || undefined;
  showNoteFor(headers);

  // GraphiQL keeps its tabs and history in localStorage, the history with each run's
  // headers; these are dropped, so a token stays in this tab only (school computers are
  // often shared). The query history stays.
  function withoutHeaders(value) {
    if (Array.isArray(value)) {
      value.forEach(withoutHeaders);
    } else if (value && typeof value === "object") {
      delete value.headers;
      Object.keys(value).forEach(function (key) { withoutHeaders(value[key]); });
    }
    return value;
  }

  function graphiqlKeys() {
    return Object.keys(localStorage).filter(function (key) { return key.indexOf("graphiql:") === 0; });
  }

  var storage = {
    getItem: function (key) { return localStorage.getItem(key); },
    setItem: function (key, value) {
      var saved;
      try {
        saved = JSON.stringify(withoutHeaders(JSON.parse(value)));
      } catch (notJson) {
        saved = value;
      }
      localStorage.setItem(key, saved);
    },
    removeItem: function (key) { localStorage.removeItem(key); },
    clear: function () { graphiqlKeys().forEach(function (key) { localStorage.removeItem(key); }); },
    get length() { return graphiqlKeys().length; },
  };

  var fetcher = GraphiQL.createFetcher({ url: new URL(config.endpoint, window.location.href).toString() });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  function Console() {
    return React.createElement(
      GraphiQL,
      {
        fetcher: fetcher,
        plugins: [explorer],
        defaultQuery: WELCOME,
        query: query,
        variables: params.get("variables") || undefined,
        headers: headers,
        onEditQuery: function (value) { remember("q", value); },
        onEditVariables: function (value) { remember("variables", value); },
        onEditHeaders: showNoteFor,
        isHeadersEditorEnabled: true,
        defaultEditorToolsVisibility: "headers",
        storage: storage,
        shouldPersistHeaders: false,
        inputValueDeprecation: true,
      },
      React.createElement(GraphiQL.Logo, null, "Trellis"),
    );
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(Console));
})();
