"""``kendali impact``: check the intensity model against BMKG felt reports, and refit it."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask.cli import with_appcontext

from geo.bmkg import FeedParseError
from geo.bmkg import hint_from_name
from geo.bmkg import parse_feed
from geo.bmkg import parse_felt
from geo.calibration import STRONG_WEIGHT
from geo.calibration import Observation
from geo.calibration import conditioned_predictions
from geo.calibration import fit
from geo.calibration import observations
from geo.calibration import observations_of
from geo.calibration import place_reports
from geo.calibration import score
from geo.calibration import summary_line
from geo.crs import valid_lat_lon
from geo.intensity import mmi_at
from geo.intensity import reported_mmi_at
from geo.names import Gazetteer
from geo.quake import Sighting
from server.extensions import db
from server.services import impact as impact_svc
from server.services import places


@click.group(
    "impact",
    cls=AppGroup,
    invoke_without_command=True,
    help="Print a quake's impact as JSON (--lat --lon --depth --mag), without storing it; "
    "or validate / calibrate the intensity model on BMKG felt reports.",
)
@click.option("--lat", type=float, help="Epicentre latitude.")
@click.option("--lon", type=float, help="Epicentre longitude.")
@click.option("--depth", type=float, help="Depth in km.")
@click.option("--mag", type=float, help="Magnitude.")
@click.option("--tsunami", is_flag=True, help="Also mark coastal regencies (tsunami potential).")
@click.option(
    "--felt",
    metavar="LIST",
    help='A felt list as BMKG writes it ("V Kota Yogyakarta, III-IV Nganjuk"): the impact '
    "is then conditioned on its places.",
)
@click.pass_context
@with_appcontext
def impact(ctx, lat, lon, depth, mag, tsunami, felt) -> None:
    """Impact of a hypothetical quake: max_mmi, areas, exposure and contours as JSON."""
    if ctx.invoked_subcommand is not None:
        return
    missing = [
        n
        for n, v in (("--lat", lat), ("--lon", lon), ("--depth", depth), ("--mag", mag))
        if v is None
    ]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)} (or use a sub-command)")
    fields = {}
    if not valid_lat_lon(lat, lon):
        fields["--lat/--lon"] = "out of range"
    if not 0 <= depth <= 1000:
        fields["--depth"] = "0 to 1000 km"
    if not 0 < mag <= 10:
        fields["--mag"] = "0 to 10"
    reports = [r.as_dict() for r in parse_felt(felt or "")]
    if felt and not reports:
        fields["--felt"] = 'no "LEVEL place" item, e.g. "III-IV Nganjuk, II Demak"'
    if fields:
        raise click.UsageError("; ".join(f"{k}: {v}" for k, v in fields.items()))
    with db.session() as session:
        result = impact_svc.compute(session, lat, lon, depth, mag, reports, tsunami_flag=tsunami)
        contours = impact_svc.contour_geojson(session, lat, lon, result)
    click.echo(json.dumps(impact_svc.as_json(result, contours), ensure_ascii=False))


MODELS = ("aww2012", "calibrated")
_INF = float("inf")
#: (lower, upper, label): the validation table's magnitude and depth (km) bins.
_MAG_BINS = ((-_INF, 4.0, "M<4"), (4.0, 5.0, "M4-5"), (5.0, 6.0, "M5-6"), (6.0, _INF, "M>=6"))
_DEPTH_BINS = ((-_INF, 30.0, "<30km"), (30.0, 70.0, "30-70km"), (70.0, _INF, ">=70km"))
_DATE = click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ"])
_FILES = click.Path(exists=True, dir_okay=False, path_type=Path)


def _utc(moment: datetime | None) -> datetime | None:
    """Options are read as UTC, the zone of every origin time in Kendali."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def read_sightings(
    files: Sequence[Path], since: datetime | None = None, until: datetime | None = None
) -> list[Sighting]:
    """Felt quakes of ``files`` (archive or raw feeds) with since <= origin time < until.

    The same quake in two files (a feed sample inside the archive's window) counts once.
    """
    since, until = _utc(since), _utc(until)
    seen: set[tuple] = set()
    out: list[Sighting] = []
    for path in files:
        try:
            result = parse_feed(path.read_bytes(), source_hint=hint_from_name(path.name))
        except (OSError, FeedParseError) as exc:
            raise click.ClickException(f"{path}: {exc}") from None
        for s in result.sightings:
            key = (s.origin_time, round(s.lat, 2), round(s.lon, 2))
            if not s.felt or key in seen:
                continue
            if (since and s.origin_time < since) or (until and s.origin_time >= until):
                continue
            seen.add(key)
            out.append(s)
    return out


def load_gazetteer() -> Gazetteer:
    """Regencies and districts from the database, plus the seat towns of ``SEATS_CSV``."""
    with db.session() as session:
        gaz = places.gazetteer(session, current_app.config.get("SEATS_CSV"))
    if not len(gaz):
        raise click.ClickException("no areas loaded: run `kendali areas load-shared` first")
    return gaz


def _bin(value: float, bins: tuple) -> str:
    return next(label for lo, hi, label in bins if lo <= value < hi)


def _table(obs: Sequence[Observation], preds: dict[str, list[float]]) -> list[str]:
    """n and MAE per model for each magnitude x depth bin that has reports."""
    head = f"{'magnitude':<10}{'depth':<9}{'n':>6}" + "".join(f"{m:>12}" for m in preds)
    lines = [head + "   (MAE)"]
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, o in enumerate(obs):
        groups[(_bin(o.magnitude, _MAG_BINS), _bin(o.depth_km, _DEPTH_BINS))].append(i)
    for _, _, mag in _MAG_BINS:
        for _, _, depth in _DEPTH_BINS:
            idx = groups.get((mag, depth))
            if not idx:
                continue
            observed = [obs[i].mmi for i in idx]
            maes = [score([p[i] for i in idx], observed)["MAE"] for p in preds.values()]
            lines.append(f"{mag:<10}{depth:<9}{len(idx):>6}" + "".join(f"{v:>12.3f}" for v in maes))
    return lines


@impact.command("validate")
@click.argument("files", nargs=-1, required=True, type=_FILES)
@click.option("--since", type=_DATE, help="First origin time (UTC) to score.")
@click.option("--until", type=_DATE, help="Score origin times before this (UTC).")
@click.option("--model", type=click.Choice(("both", *MODELS)), default="both", show_default=True)
@click.option(
    "--conditioned",
    is_flag=True,
    help="Also score the calibrated model conditioned on the OTHER felt places of each quake "
    "(leave one place out); its line comes last.",
)
def validate(files, since, until, model, conditioned) -> None:
    """Score the intensity models on the felt reports of FILES (felt archive or raw feeds).

    Each listed place is resolved to a district, regency or seat town; its observed
    intensity is the midpoint of the reported range. The last line gives the calibrated
    model's figures (the published AWW2012 ones just before it, with --model both); with
    --conditioned, the conditioned estimate's, after the unconditioned line.
    """
    sightings = read_sightings(files, since, until)
    placed, total = place_reports(sightings, load_gazetteer())
    obs = observations_of(placed)
    if not obs:
        raise click.ClickException(f"none of {total} felt reports could be placed")
    models = MODELS if model == "both" else (model,)
    preds = {
        m: [reported_mmi_at(o.magnitude, o.depth_km, o.distance_km, m) for o in obs] for m in models
    }
    if conditioned:
        preds["conditioned"] = conditioned_predictions(placed)
    observed = [o.mmi for o in obs]
    resolved = 100.0 * len(obs) / total
    click.echo(f"{len(sightings)} felt quakes, {total} felt reports, {len(obs)} placed")
    for line in _table(obs, preds):
        click.echo(line)
    if "calibrated" in models:
        median = [mmi_at(o.magnitude, o.depth_km, o.distance_km) for o in obs]
        # Shown for candour: the median is what maps use; lists only name places that felt it.
        line = summary_line(score(median, observed), resolved)
        click.echo(f"calibrated median, not conditioned on being listed: {line}")
    for m in models:
        line = summary_line(score(preds[m], observed), resolved)
        if m == "aww2012" and len(models) > 1:
            line = f"aww2012: {line}"
        elif conditioned:
            line = f"calibrated, unconditioned: {line}"
        click.echo(line)
    if conditioned:
        click.echo(summary_line(score(preds["conditioned"], observed), resolved))


@impact.command("calibrate")
@click.argument("files", nargs=-1, required=True, type=_FILES)
@click.option(
    "--before",
    type=_DATE,
    default="2025-07-01",
    show_default=True,
    help="Fit on origin times before this (UTC).",
)
@click.option("--since", type=_DATE, help="Fit on origin times from this (UTC).")
@click.option(
    "--strong-weight",
    type=float,
    default=STRONG_WEIGHT,
    show_default=True,
    help="Weight of reports of IV and above.",
)
def calibrate(files, before, since, strong_weight) -> None:
    """Refit the calibrated intensity model on FILES and print it for geo/intensity.py."""
    sightings = read_sightings(files, since, before)
    obs, total = observations(sightings, load_gazetteer())
    if len(obs) < 100:  # four parameters; fewer reports would fit noise
        raise click.ClickException(f"only {len(obs)} felt reports placed; too few to fit")
    ipe = fit(obs, strong_weight=strong_weight)
    first = min(s.origin_time for s in sightings).date()
    last = max(s.origin_time for s in sightings).date()
    today = datetime.now(UTC).date()
    click.echo(
        f"#: Refitted on BMKG felt reports of {first} .. {last} (n={len(obs):,} resolved reports "
        f"of {len(sightings):,} events, {100.0 * len(obs) / total:.1f}% of {total:,}; "
        f"fitted {today}, strong weight {strong_weight:g})."
    )
    click.echo("CALIBRATED = Ipe(")
    click.echo(
        f"    c0={ipe.c0:.4f}, c1={ipe.c1:.4f}, c2={ipe.c2:.4f}, c4={ipe.c4:.4f}, "
        f"m1={ipe.m1}, m2={ipe.m2}, sigma={ipe.sigma:.4f}"
    )
    click.echo(")")
    fitted = [reported_mmi_at(o.magnitude, o.depth_km, o.distance_km, ipe) for o in obs]
    click.echo(
        "# in sample: "
        + summary_line(score(fitted, [o.mmi for o in obs]), 100.0 * len(obs) / total)
    )
