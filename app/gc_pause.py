"""Pausing the cyclic garbage collector around bulk work.

Parsing a big attendance report, matching it, or reading 10,000 rows for the report
allocates tens of thousands of small objects that stay alive together; the collector
would rescan them again and again (it tripled the import time and took more than half
of the report's load time in the benchmarks). Pausing it for such a stage is safe:
anything cyclic left over is collected when it resumes."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
