"""Process-wide runtime settings of a server process."""

from __future__ import annotations

import gc
import resource


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


def raise_nofile() -> int:
    """Raise this process's limit of open files to its hard limit; return the new limit.

    Every live connection is a file descriptor, and a reconnect storm briefly holds twice as
    many (closing and new sockets); the usual soft limit (1,024 on many systems) would refuse
    connections long before memory or CPU run out.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def connection_limit(configured: int) -> int:
    """The most connections one process serves at once: the setting, under the descriptor
    limit with room for the database pool, log files and the listener."""
    return max(64, min(configured, raise_nofile() - 256))
