"""Tables and rules. Nothing here imports strawberry, starlette or dramatiq."""
