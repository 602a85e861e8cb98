"""Hold off Ctrl-C and SIGTERM while a resource comes into being.

Python runs signal handlers between bytecodes, so an interrupt can land after a temp
dir or child process exists but before the code that would clean it up holds it.
Creating it under `deferred()`, inside the caller's `try`, closes that gap: a signal
that arrives meanwhile is only recorded, and handled as soon as the body is done, by
which time the caller's cleanup knows the resource.

The handlers are swapped rather than the signal mask changed: with other threads
running (the migra import), the kernel delivers a signal blocked in the main thread to
another one, and Python still runs its handler in the main thread at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

_HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """SIGINT and SIGTERM recorded during the body, then handled (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[signal.Signals] = []
    previous = {signum: signal.signal(signum, lambda s, _f: caught.append(signal.Signals(s)))
                for signum in _HELD}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if caught:
            _handle(caught[0], previous[caught[0]])


def _handle(signum: signal.Signals, handler) -> None:
    if callable(handler):
        handler(signum, None)  # e.g. default_int_handler raises KeyboardInterrupt
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), signum)  # the default action, now that it is restored
