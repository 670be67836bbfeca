"""Process-wide runtime settings of a server process."""

from __future__ import annotations

import gc


def tune_gc() -> None:
    """Keep the cyclic garbage collector's pauses out of the live stream's latency.

    A full collection walks every object in the process: with the app's imports (pandas,
    shapely, SQLAlchemy) and hundreds of sockets that took 100-280 ms, and it stalled a
    fan-out to every client of the process in the middle. Everything alive once the app is
    ready is moved out of the collector's reach (``gc.freeze``), and collections run less
    often (a young generation of 50,000 objects instead of 700), each still short.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
