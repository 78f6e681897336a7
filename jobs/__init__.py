"""Background work on Dramatiq: actors take ids, never objects, and are idempotent."""
