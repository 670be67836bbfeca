"""The event log is append-only and ordered."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from server.queries import events as q


def test_append_and_read_in_order(engine):
    with Session(engine) as s:
        start = q.last_seq(s)
        a = q.append(s, "test.created", ["72.71", "72", "72"], {"n": 1})
        b = q.append(s, "test.updated", [], {"n": 2})
        s.commit()
        assert b.seq > a.seq > start
        assert a.regions == ["72", "72.71"]
        got = q.since(s, start)
        assert [e.type for e in got] == ["test.created", "test.updated"]


@pytest.mark.parametrize("statement", ["UPDATE event_log SET type = 'x'", "DELETE FROM event_log"])
def test_event_log_refuses_changes(engine, statement):
    with Session(engine) as s:
        q.append(s, "test.created", [], {})
        s.commit()
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
        conn.execute(sa.text(statement))
