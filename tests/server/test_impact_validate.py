"""``kendali impact validate|calibrate`` on the national boundaries and BMKG's felt archive."""

from __future__ import annotations

import re

import pytest

from geo.intensity import CALIBRATED
from server.commands.impact import impact
from server.extensions import db
from server.queries.places import gazetteer_rows
from tests.conftest import SHARED

DATA = SHARED / "data"
ARCHIVE = DATA / "bmkg" / "felt_archive" / "bmkg_felt_archive_2023-01-27_to_2026-08-31.json"
FEED = DATA / "bmkg" / "gempadirasakan" / "gempadirasakan_2025-12-24.json"
SEATS = DATA / "other" / "ibukota_kabkota_seats_515.csv"

LINE = re.compile(
    r"^n=(?P<n>\d+) resolved=(?P<resolved>[\d.]+)% MAE=(?P<MAE>[\d.]+) "
    r"bias=(?P<bias>[-+][\d.]+) within1=(?P<within1>[\d.]+)% "
    r"MAE_IV\+=(?P<mae4>[\d.]+|nan) bias_IV\+=(?P<bias4>[-+][\d.]+|[-+]?nan)$"
)


@pytest.fixture
def cli(app, monkeypatch):
    # The group is registered by server/commands/__init__.py; add it here when it is not (yet).
    if "impact" not in app.cli.commands:
        app.cli.add_command(impact)
    monkeypatch.setitem(app.config, "SEATS_CSV", str(SEATS))

    def run(*args: str):
        result = app.test_cli_runner().invoke(args=["impact", *args])
        assert result.exit_code == 0, result.output + repr(result.exception)
        return result.output.strip().splitlines()

    return run


def _figures(line: str) -> dict[str, float]:
    m = LINE.match(line)
    assert m, f"not a summary line: {line!r}"
    return {k: float(v) for k, v in m.groupdict().items()}


def test_validate_beats_the_published_equation_on_later_reports(cli):
    lines = cli("validate", str(ARCHIVE), "--since", "2025-07-01")
    assert lines[-2].startswith("aww2012: ")
    published, calibrated = _figures(lines[-2].removeprefix("aww2012: ")), _figures(lines[-1])
    assert calibrated["n"] == published["n"] > 2000
    assert calibrated["resolved"] > 90.0
    assert calibrated["MAE"] < published["MAE"]
    assert calibrated["bias4"] >= -0.5
    # The table: one row per magnitude x depth bin, n and MAE per model.
    rows = [line.split() for line in lines if line.startswith("M")]
    assert {r[0] for r in rows} == {"M<4", "M4-5", "M5-6", "M>=6"}
    assert sum(int(r[2]) for r in rows) == calibrated["n"]


def test_validate_conditioned_ends_with_the_conditioned_line(cli):
    lines = cli("validate", str(ARCHIVE), "--since", "2025-07-01", "--conditioned")
    assert lines[-3].startswith("aww2012: ")
    assert lines[-2].startswith("calibrated, unconditioned: ")
    plain = _figures(lines[-2].removeprefix("calibrated, unconditioned: "))
    conditioned = _figures(lines[-1])
    assert conditioned["n"] == plain["n"] > 2000
    assert conditioned["resolved"] == plain["resolved"] >= 92.0
    # Issue 19's targets on quakes after 2025-07-01.
    assert conditioned["MAE"] <= 0.40 < plain["MAE"]
    assert conditioned["mae4"] <= 0.70 and abs(conditioned["bias4"]) <= 0.5
    # The table gains a conditioned column: n, then MAE for aww2012, calibrated, conditioned.
    assert lines[1].split()[3:6] == ["aww2012", "calibrated", "conditioned"]
    rows = [line.split() for line in lines if line.startswith("M")]
    assert all(len(r) == 6 for r in rows)
    strong = [r for r in rows if r[0] == "M>=6"]
    assert strong and all(float(r[5]) < float(r[4]) for r in strong)


def test_validate_reads_raw_gempadirasakan_feeds(cli):
    lines = cli("validate", str(FEED), "--model", "calibrated")
    figures = _figures(lines[-1])
    assert figures["n"] > 20 and figures["resolved"] > 80.0
    assert not any(line.startswith("aww2012: ") for line in lines)


def test_validate_window_selects_by_origin_time(cli):
    lines = cli("validate", str(ARCHIVE), "--since", "2026-08-01", "--until", "2026-08-10")
    few = _figures(lines[-1])
    assert 0 < few["n"] < 200


def test_calibrate_reproduces_the_module_constants(cli):
    lines = cli("calibrate", str(ARCHIVE), "--before", "2025-07-01")
    text = "\n".join(lines)
    fitted = dict(re.findall(r"(c0|c1|c2|c4|sigma)=(-?[\d.]+)", text))
    for name, value in fitted.items():
        assert float(value) == pytest.approx(getattr(CALIBRATED, name), abs=0.01), name
    assert len(fitted) == 5


def test_gazetteer_rows_give_a_point_inside_each_area(app):
    with app.app_context():
        session = db.session()
        try:
            rows = gazetteer_rows(session)
        finally:
            session.close()
    levels = [r[1] for r in rows]
    assert levels.count("regency") == 514 and levels.count("district") == 7285
    soreang = [r for r in rows if r[2] == "Soreang"]
    assert {r[0] for r in soreang} == {"32.04.37", "73.72.03"}
    assert all(-11.5 < lat < 6.5 and 94.0 < lon < 141.5 for _, _, _, lat, lon in rows)
