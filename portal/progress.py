"""One way of counting steps, for every step indicator and progress line of the portal.

A journey is a list of steps; each step is done or not. The wizard of an application (its
sections plus "check and submit") and the welcome checklist (every card, optional ones
included) are both counted here, so "Step 2 of 6" on a section, "1 of 6 steps" on the task
list and "0 of 13 steps done" on the checklist always agree with what the page shows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    current: int | None = None  # the step shown on this page, counted from 1

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


def count(done: Iterable[bool], current: int | None = None) -> Progress:
    """The progress of a list of steps, given whether each one is done, in page order."""
    flags = [bool(flag) for flag in done]
    if current is not None and not 1 <= current <= len(flags):
        raise ValueError(f"step {current} is not one of {len(flags)}")
    return Progress(sum(flags), len(flags), current)
