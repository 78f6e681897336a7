"""The console: GraphiQL at /graphql (for a browser) and /console, every file of it served
by Trellis itself, so it works behind a firewall."""
