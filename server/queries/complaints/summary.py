"""The summary from the counters (migration 0004): counts plus not yet folded deltas.

Scanning a million complaints takes several hundred milliseconds; the counters hold about
twenty rows per regency (one per status, channel, category and overdue value), so the
province summary reads about ten thousand small rows whatever the number of complaints.
"""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy import String
from sqlalchemy import column
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import table
from sqlalchemy import text
from sqlalchemy import union_all
from sqlalchemy.orm import Session

from server.queries.complaints.reads import scope_clause


def _counter(name: str):
    return table(
        name,
        column("regency_code", String),
        column("province_code", String),
        column("dimension", String),
        column("value", String),
        column("n", BigInteger),
    )


COUNTS = _counter("complaint_counts")
DELTAS = _counter("complaint_count_deltas")


def _scoped(counter, scope):
    # Unplaced complaints are counted under regency '': no regional scope matches them.
    # Counters are by area: complaints forwarded to the scope's unit from elsewhere are not
    # in them (the list, detail and exports have them).
    columns = (counter.c.province_code, counter.c.regency_code, counter.c.regency_code)
    return select(counter).where(scope_clause(scope, columns, unit_column=None))


def summary_rows(session: Session, scope, level: str) -> list[tuple[str, str, str, int]]:
    """``(area code, breakdown, value, count)`` for every area of ``level`` in scope.

    Breakdowns are ``status``, ``channel``, ``category`` and ``overdue`` (values
    ``true``/``false``); the area code is '' for unplaced complaints.
    """
    both = union_all(_scoped(COUNTS, scope), _scoped(DELTAS, scope)).subquery("c")
    area = both.c.province_code if level == "province" else both.c.regency_code
    stmt = select(area, both.c.dimension, both.c.value, func.sum(both.c.n)).group_by(
        area, both.c.dimension, both.c.value
    )
    return [(a, d, v, int(n)) for a, d, v, n in session.execute(stmt)]


_COMPACT = """
WITH moved AS (DELETE FROM complaint_count_deltas RETURNING *)
INSERT INTO complaint_counts AS c (regency_code, province_code, dimension, value, n)
SELECT regency_code, min(province_code), dimension, value, sum(n)
  FROM moved
 GROUP BY regency_code, dimension, value
 ORDER BY regency_code, dimension, value
ON CONFLICT (regency_code, dimension, value) DO UPDATE SET n = c.n + EXCLUDED.n
"""


def compact(session: Session) -> int:
    """Fold the deltas into the counts (the caller commits); return the rows touched."""
    touched = session.execute(text(_COMPACT)).rowcount
    session.execute(text("DELETE FROM complaint_counts WHERE n = 0"))
    return touched or 0


def rebuild(session: Session) -> None:
    """Recount from the complaints themselves (after a repair; the caller commits)."""
    session.execute(text("LOCK TABLE complaint_counts, complaint_count_deltas IN EXCLUSIVE MODE"))
    session.execute(text("DELETE FROM complaint_count_deltas"))
    session.execute(text("DELETE FROM complaint_counts"))
    session.execute(
        text(
            """
            INSERT INTO complaint_counts (regency_code, province_code, dimension, value, n)
            SELECT coalesce(regency_code, ''), min(coalesce(province_code, '')), x.dimension,
                   x.value, count(*)
              FROM complaints, LATERAL (VALUES ('status', status), ('channel', channel),
                                              ('category', category),
                                              ('overdue', overdue::text)) AS x(dimension, value)
             GROUP BY 1, 3, 4
            """
        )
    )
