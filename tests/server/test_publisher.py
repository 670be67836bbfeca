"""The publisher releases only contiguous, committed sequences, whatever the commit order."""

from sqlalchemy.orm import Session

from server.queries import events as q
from server.realtime.publisher import GAP_GRACE_S
from server.realtime.publisher import Publisher


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def _publisher():
    released: list[int] = []
    clock = Clock()
    pub = Publisher(emit=lambda rows: released.extend(r.seq for r in rows), monotonic=clock)
    return pub, released, clock


def test_a_later_commit_waits_for_the_earlier_sequence(engine):
    pub, released, _ = _publisher()
    with Session(engine) as reader, Session(engine) as t1, Session(engine) as t2:
        pub.start_at(reader)
        first = q.append(t1, "pub.test", ["72"], {"n": 1}).seq  # not committed yet
        second = q.append(t2, "pub.test", ["72"], {"n": 2}).seq
        t2.commit()
        assert second == first + 1
        assert pub.tick(reader) == 0 and released == []  # N+1 visible, N not: hold
        t1.commit()
        assert pub.tick(reader) == 2
        assert released == [first, second]


def test_a_rolled_back_sequence_is_skipped_after_its_transaction_ends(engine):
    pub, released, clock = _publisher()
    with Session(engine) as reader, Session(engine) as t1, Session(engine) as t2:
        pub.start_at(reader)
        q.append(t1, "pub.test", ["72"], {"n": 1})
        second = q.append(t2, "pub.test", ["72"], {"n": 2}).seq
        t2.commit()
        assert pub.tick(reader) == 0
        clock.t += GAP_GRACE_S + 0.1
        assert pub.tick(reader) == 0, "its transaction is still open: keep waiting"
        t1.rollback()
        assert pub.tick(reader) == 1
        assert released == [second]


def test_concurrent_writers_are_released_in_order_exactly_once(engine):
    import random
    import threading

    pub, released, clock = _publisher()
    with Session(engine) as reader:
        pub.start_at(reader)
    start = pub.last
    errors = []

    def writer(k):
        rng = random.Random(k)
        try:
            for i in range(25):
                with Session(engine) as s:
                    q.append(s, "pub.burst", ["73"], {"k": k, "i": i})
                    if rng.random() < 0.2:
                        s.rollback()
                    else:
                        s.commit()
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    with Session(engine) as reader:
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            pub.tick(reader)
            clock.t += 0.3
        for _ in range(10):
            clock.t += GAP_GRACE_S
            pub.tick(reader)
        committed = [
            r.seq for r in q.committed_after(reader, start, limit=10000) if r.type == "pub.burst"
        ]
    assert not errors
    burst = [s for s in released if s in set(committed)]
    assert burst == sorted(burst) and len(burst) == len(set(burst))
    assert burst == committed
