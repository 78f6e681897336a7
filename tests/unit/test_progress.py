"""Long commands show progress on a terminal and keep logs and pipes clean."""

import io

from rich.console import Console

from infra.progress import progress


def test_on_a_terminal_the_bar_counts_the_steps_done() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=100)
    with progress("Planning 2026-12-02", total=3, console=console) as advance:
        advance()
        advance(2)
    drawn = out.getvalue()
    assert "Planning 2026-12-02" in drawn and "3/3" in drawn


def test_piped_or_logged_it_draws_nothing() -> None:
    out = io.StringIO()
    with progress("Planning 2026-12-02", total=3, console=Console(file=out, force_terminal=False)) as advance:
        advance(3)
    assert out.getvalue() == ""
