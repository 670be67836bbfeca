"""Duplicate detection does bounded work per complaint (issue 15).

Each new complaint used to be compared with every earlier match: N identical complaints of
one village, or N sharing one phone, made about N²/2 comparisons. Measured here without a
clock: the rows every node of the flagging statement's plan handled (``EXPLAIN ANALYZE`` of
the statement intake ran, run again in a savepoint), per complaint, for a batch of 150 and
one of 600, each inside a transaction rolled back afterwards. Speed is `kendali bench intake`
(``intake_identical_text_per_s``, ``intake_shared_identity_per_s``).
"""

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from server.auth.scope import Principal
from tests.server.complaints_support import PALU
from tests.server.complaints_support import complaint

PALU_ADDRESS = {"province": "Sulawesi Tengah", "regency": "Kota Palu",
                "district": "Palu Timur", "village": "Kelurahan Besusu Barat"}
TEXT = ("Bantuan sembako bulan ini belum dibagikan di kelurahan kami, padahal nama kami "
        "terdaftar di DTKS. Mohon segera ditindaklanjuti.")


def _identical_text(n: int) -> list[dict]:
    """One text from one village: half by its address, half by GPS points around it."""
    now = datetime.now(UTC)
    return [complaint(
        PALU if i % 2 else None, description=TEXT, category="BPNT/Sembako",
        received_at=(now - timedelta(minutes=n - i)).isoformat(),
        **({} if i % 2 else {"location": PALU_ADDRESS})) for i in range(n)]


def _shared_phone(n: int) -> list[dict]:
    """One reporter phone (a call centre) on varied complaints of one category."""
    now = datetime.now(UTC)
    return [complaint(PALU, description=f"Laporan warga nomor {i}: {TEXT[: 40 + i % 50]}",
                      reporter={"name": f"Warga {i}", "phone": "0811-2233-4455"},
                      received_at=(now - timedelta(minutes=n - i)).isoformat())
            for i in range(n)]


def _rows_handled(plan: dict) -> int:
    """Rows produced by every node of an EXPLAIN ANALYZE plan (loops included)."""
    own = int(plan.get("Actual Rows", 0) * plan.get("Actual Loops", 1))
    return own + sum(_rows_handled(child) for child in plan.get("Plans", []))


def _work(app, engine, items: list[dict]) -> tuple[int, list]:
    """Take ``items`` in as one batch; return the rows its flagging handled, and the flags."""
    from server.services.complaints import intake

    principal = Principal(kind="channel", role="channel", channel="jaga_bansos", key_id=0)
    seen = {}

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "possible_duplicate_of = best.of" in statement:
            seen.update(sql=statement, params=parameters)

    with app.app_context(), engine.connect() as conn:
        outer = conn.begin()
        event.listen(conn, "before_cursor_execute", grab)
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            done = intake.submit(session, principal, items)
            assert [it.code for it in done] == [201] * len(items)
            flags = [it.body["possible_duplicate_of"] for it in done]
            again = conn.begin_nested()
            plan = conn.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + seen["sql"],
                                        seen["params"]).scalar_one()
            again.rollback()
        finally:
            event.remove(conn, "before_cursor_execute", grab)
            session.close()
            outer.rollback()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return _rows_handled(plan[0]["Plan"]), flags


@pytest.mark.parametrize("make", [_identical_text, _shared_phone])
def test_each_complaint_costs_the_same_however_many_match(app, engine, make):
    small, large = 150, 600
    work_small, flags_small = _work(app, engine, make(small))
    work_large, flags = _work(app, engine, make(large))
    # what is flagged, as before: every complaint after the first of its kind (by address,
    # by point; by phone)
    first = 2 if make is _identical_text else 1
    for found in (flags_small, flags):
        assert found[:first] == [None] * first and all(found[first:])
    per_small, per_large = work_small / small, work_large / large
    print(f"\nrows handled per complaint: {per_small:.0f} ({small}), {per_large:.0f} ({large})")
    assert per_large < 1.5 * per_small + 20, "work per complaint grows with the matches"
