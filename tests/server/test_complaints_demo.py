"""``kendali demo complaints``: spread like the population, every channel, category, status."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from click.testing import CliRunner

from tests.server.complaints_support import *  # noqa: F403 - the fixtures
from tests.server.complaints_support import rows

pytestmark = pytest.mark.usefixtures("clean_complaints")


def test_demo_complaints(app, engine):
    from server.commands.demo_complaints import complaints

    runner = CliRunner()
    with app.app_context():
        result = runner.invoke(complaints, ["--count", "3000", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "3000 new" in result.output
    (total, channels, categories, statuses, oldest, newest) = rows(
        engine,
        "SELECT count(*), count(DISTINCT channel), count(DISTINCT category), "
        "count(DISTINCT status), min(received_at), max(received_at) FROM complaints",
    )[0]
    assert total == 3000 and channels == 4 and categories == 6 and statuses == 7
    now = datetime.now(UTC)
    assert now - oldest <= timedelta(days=91) and newest <= now
    # spread like the population: Jawa Barat (32) outnumbers Papua Pegunungan (95) by far
    by_province = dict(rows(engine, "SELECT province_code, count(*) FROM complaints GROUP BY 1"))
    assert by_province["32"] > 10 * by_province.get("95", 0)
    # deadlines and stamps follow the workflow
    bad = rows(
        engine,
        "SELECT count(*) FROM complaints WHERE verify_due IS NULL OR verify_due <= received_at "
        "OR (status IN ('diverifikasi', 'diteruskan', 'ditindaklanjuti', 'selesai') "
        "    AND (verified_at IS NULL OR follow_up_due IS NULL)) "
        "OR (status = 'selesai' AND closed_at IS NULL) "
        "OR (status IN ('ditolak', 'bukan_wewenang') AND reason IS NULL) "
        "OR (overdue AND status NOT IN ('baru', 'diverifikasi', 'diteruskan'))",
    )
    assert bad == [(0,)]
    # whistleblower rows keep no location or reporter and show their district's point
    wb = rows(
        engine,
        "SELECT count(*), count(*) FILTER (WHERE c.location IS NULL AND c.reporter IS NULL "
        "AND NOT c.geom_precise AND ST_Equals(c.geom, a.point)) FROM complaints c "
        "JOIN areas a ON a.code = c.district_code WHERE c.channel = 'whistleblower'",
    )[0]
    assert wb[0] > 0 and wb[0] == wb[1]
    # points fall in their district (the generated sample points are inside; the jitter is
    # ~100 m, so nearly all stay inside)
    inside = rows(
        engine,
        "SELECT avg((ST_Intersects(c.geom, a.geom))::int) FROM complaints c "
        "JOIN areas a ON a.code = c.district_code WHERE c.geom_precise",
    )[0][0]
    assert inside > 0.9
    assert rows(engine, "SELECT count(DISTINCT complaint_id) FROM complaint_timeline") == [(3000,)]
    counted = rows(engine, "SELECT sum(n) FROM complaint_counts WHERE dimension = 'status'")[0][0]
    assert counted == 3000  # folded by the generator
    # same seed again: nothing new
    with app.app_context():
        again = runner.invoke(complaints, ["--count", "3000", "--seed", "5"])
    assert "0 new" in again.output
