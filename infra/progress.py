"""Progress for commands that can run long: a live bar on the operator's terminal, on
stderr so what a command prints on stdout stays as it was. Piped or logged (CI, cron, a
container's log), it draws nothing: each command's own summary lines say enough there."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

Advance = Callable[..., None]


@contextmanager
def progress(description: str, total: int | None = None, console: Console | None = None) -> Iterator[Advance]:
    """`advance(n=1)` moves the bar; with no total it is a spinner with the time so far."""
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield lambda n=1: None
        return
    columns = (
        [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        if total is not None else
        [SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()]
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)
