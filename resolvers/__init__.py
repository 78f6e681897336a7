"""The use cases behind the GraphQL fields, not field resolvers: one function per query
family and per mutation, taking the request's context (queries) or a unit of work and the
object the policy already let the caller act on (mutations); the reading of objects with
their facts (targets.py); and the DataLoader batch functions."""
