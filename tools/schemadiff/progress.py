"""Timed steps: core code announces slow steps, the CLI decides how to show them."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


@dataclass
class Steps:
    """Records each step's duration and reports start/end to `sink(label, seconds_or_None)`."""

    sink: Callable[[str, float | None], None] = lambda label, seconds: None
    timings: list[tuple[str, float]] = field(default_factory=list)

    @contextlib.contextmanager
    def step(self, label: str) -> Iterator[None]:
        self.sink(label, None)
        start = time.perf_counter()
        yield
        seconds = time.perf_counter() - start
        self.timings.append((label, seconds))
        self.sink(label, seconds)

    def note(self, message: str) -> None:
        """A one-off message (no duration), e.g. a cache being built."""
        self.sink(message, -1.0)
