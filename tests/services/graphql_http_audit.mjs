// Runs graphql-http's GraphQL-over-HTTP server audits against a live Trellis and prints
// [{id, name, status, reason}] as JSON. Used by tests/services/test_graphql_http_audit.py.
//
// usage: node graphql_http_audit.mjs <directory holding node_modules/graphql-http> <graphql url>

import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const [modulesDir, url] = process.argv.slice(2);
if (!modulesDir || !url) {
  console.error('usage: node graphql_http_audit.mjs <modules dir> <graphql url>');
  process.exit(2);
}

// graphql-http lives in a cache directory, not next to this script: resolve it from there.
const require = createRequire(resolve(modulesDir, 'package.json'));
const { serverAudits } = require('graphql-http');

const results = [];
for (const audit of serverAudits({ url })) {
  try {
    const { id, name, status, reason } = await audit.fn();
    results.push({ id, name, status, reason: reason ?? null });
  } catch (error) {
    // An audit throws only on a fatal problem (e.g. the server hung up); report it, carry on.
    results.push({ id: audit.id, name: audit.name, status: 'error', reason: `threw: ${error}` });
  }
}
process.stdout.write(JSON.stringify(results));
