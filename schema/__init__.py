"""The GraphQL schema: types, inputs, payload unions, Relay nodes and connections."""
