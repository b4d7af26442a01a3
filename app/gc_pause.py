"""Pausing the cyclic garbage collector around bulk work.

Parsing a big attendance report, matching it, or reading 10,000 rows for the report
allocates tens of thousands of small objects that stay alive together; the collector
would rescan them again and again (it tripled the import time and took more than half
of the report's load time in the benchmarks). Anything cyclic left over is collected
when it resumes.

The switch is the whole process's, so it is only thrown where nobody else is working:
on the main thread of a process with no other thread (a command, an RQ worker, start-up).
In a threaded web server or beside the in-process job runner the work runs with the
collector on, slower but without leaving other threads' garbage uncollected."""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def pausing_is_safe() -> bool:
    """The only thread of the process: pausing holds up nobody else's garbage."""
    return threading.current_thread() is threading.main_thread() and threading.active_count() == 1


@contextmanager
def gc_paused() -> Iterator[None]:
    if not gc.isenabled() or not pausing_is_safe():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
