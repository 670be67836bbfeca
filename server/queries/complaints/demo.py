"""Demo complaints in one INSERT ... SELECT: a million rows without a million round trips.

Random draws come from PostgreSQL's ``random()`` seeded with ``setseed``; points come from
``ST_GeneratePoints`` inside each district (a few per district, jittered), so markers
fall on land where people live, not on the district's label point. The small tables the
draws look up (allocation, per-age chances and deadlines, texts) are loaded into temporary
tables first: inlined as array literals they would be re-read for every row.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

#: Sample points generated per district, reused with a jitter of about 100 m.
POINTS_PER_DISTRICT = 24
JITTER_DEG = 0.001


@dataclass(frozen=True)
class DemoPlan:
    """What the generator draws from (prepared in Python, see services.complaints.demo)."""

    seed: int
    now: datetime
    codes: list[str]
    counts: list[int]
    channels: list[str]
    channel_cum: list[float]
    categories: list[str]
    category_cum: list[float]
    statuses: list[str]
    #: Per age in days (0..N): cumulative chance of each status, in ``statuses`` order.
    status_cum: list[list[float]]
    #: Per age in days: deadline of a verification (follow-up) started that day.
    verify_due: list[datetime]
    follow_due: list[datetime]
    #: Per category (``categories`` order): its text templates.
    templates: list[list[str]]
    names: list[str]
    reasons: list[str]


def districts(session: Session) -> list[tuple[str, int]]:
    """``(code, population)`` of districts with a population, in code order."""
    return [
        (code, int(pop))
        for code, pop in session.execute(
            text(
                "SELECT code, population FROM areas WHERE level = 'district' "
                "AND population > 0 AND point IS NOT NULL ORDER BY code"
            )
        )
    ]


_TABLES = [
    """
    CREATE TEMP TABLE demo_alloc ON COMMIT DROP AS
    SELECT code, n, (sum(n) OVER (ORDER BY ord) - n)::bigint AS before
      FROM unnest(CAST(:codes AS text[]), CAST(:counts AS int[])) WITH ORDINALITY x(code, n, ord)
     WHERE n > 0
    """,
    f"""
    CREATE TEMP TABLE demo_points ON COMMIT DROP AS
    SELECT a.code, d.path[1] AS i, d.geom AS g
      FROM areas a JOIN demo_alloc al ON al.code = a.code
     CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(coalesce(a.geom_simple, a.geom),
                                                  {POINTS_PER_DISTRICT}, :seed)) d
    """,
    "CREATE UNIQUE INDEX ON demo_points (code, i)",
    """
    CREATE TEMP TABLE demo_age ON COMMIT DROP AS
    SELECT (ord - 1)::int AS age, to_timestamp(v) AS verify_due, to_timestamp(f) AS follow_due,
           CAST(c AS float8[]) AS cum
      FROM unnest(CAST(:verify AS float8[]), CAST(:follow AS float8[]), CAST(:cum AS text[]))
           WITH ORDINALITY x(v, f, c, ord)
    """,
    "CREATE UNIQUE INDEX ON demo_age (age)",
    """
    CREATE TEMP TABLE demo_text ON COMMIT DROP AS
    SELECT ci::int, j::int, n::int, template
      FROM unnest(CAST(:t_ci AS int[]), CAST(:t_j AS int[]), CAST(:t_n AS int[]),
                  CAST(:t_text AS text[])) x(ci, j, n, template)
    """,
]


def _pick(draw: str, cumulative: list, values: list[str], literal: bool = True) -> str:
    """SQL CASE choosing ``values[i]`` where ``draw`` first falls below ``cumulative[i]``
    (numbers, or SQL expressions when ``literal`` is False)."""
    bounds = [repr(c) if literal else str(c) for c in cumulative[:-1]]
    arms = " ".join(f"WHEN {draw} < {c} THEN {v}" for c, v in zip(bounds, values, strict=False))
    return f"CASE {arms} ELSE {values[-1]} END"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_INSERT = """
WITH base AS (
    SELECT al.before + g AS k, a.code AS district_code, a.parent_code AS regency_code,
           a.province_code, a.name AS district_name, r.name AS regency_name, a.point,
           random() AS u_ch, random() AS u_cat, random() AS u_txt, random() AS u_age,
           random() AS u_hour, random() AS u_st, random() AS u_stage, random() AS u_rep,
           random() AS u_pt, random() AS u_rt, random() AS u_jx, random() AS u_jy
      FROM demo_alloc al CROSS JOIN LATERAL generate_series(1, al.n) g
      JOIN areas a ON a.code = al.code
      JOIN areas r ON r.code = a.parent_code
),
drawn AS (
    SELECT b.*, floor(:days * power(b.u_age, 1.6))::int AS age,
           {channel} AS channel, {category} AS ci
      FROM base b
),
dated AS (
    SELECT d.*,
           least(:today - d.age * interval '1 day' + (7 + 15 * d.u_hour) * interval '1 hour',
                 :now - d.u_hour * interval '2 hours') AS received_at,
           {status} AS status, ag.verify_due
      FROM drawn d JOIN demo_age ag ON ag.age = d.age
),
verified AS (
    SELECT d.*,
           CASE WHEN d.status NOT IN ('baru', 'ditolak', 'bukan_wewenang')
                THEN d.received_at + (:now - d.received_at) * (0.05 + 0.25 * d.u_stage)
           END AS verified_at
      FROM dated d
),
stamped AS (
    SELECT v.*, f.follow_due AS follow_up_due,
           CASE WHEN v.status IN ('diteruskan', 'ditindaklanjuti', 'selesai')
                THEN v.verified_at + (:now - v.verified_at) * 0.3 END AS forwarded_at
      FROM verified v
      LEFT JOIN demo_age f
        ON v.verified_at IS NOT NULL
       AND f.age = (:today_date - (v.verified_at AT TIME ZONE 'UTC' + interval '7 hours')::date)
),
followed AS (
    SELECT s.*,
           CASE WHEN s.status IN ('ditindaklanjuti', 'selesai')
                THEN s.forwarded_at + (:now - s.forwarded_at) * 0.4 END AS followed_up_at
      FROM stamped s
),
c AS (
    SELECT f.*,
           CASE WHEN f.status = 'selesai'
                THEN f.followed_up_at + (:now - f.followed_up_at) * 0.5
                WHEN f.status IN ('ditolak', 'bukan_wewenang')
                THEN f.received_at + (:now - f.received_at) * 0.2
           END AS closed_at,
           CASE WHEN f.channel <> 'whistleblower'
                THEN ST_Translate(coalesce(p.g, f.point), (f.u_jx - 0.5) * :jitter,
                                  (f.u_jy - 0.5) * :jitter)
           END AS exact,
           t.template
      FROM followed f
      LEFT JOIN demo_points p ON p.code = f.district_code
           AND p.i = 1 + floor(f.u_pt * {points})::int
      JOIN demo_text t ON t.ci = f.ci AND t.j = 1 + floor(f.u_txt * t.n)::int
)
INSERT INTO complaints (
    channel, external_id, content_hash, received_at, created_at, updated_at, category,
    description, status, reason, assigned_to, province_code, regency_code, district_code,
    geom, geom_precise, placement, match_confidence, match, location, reporter, verify_due,
    follow_up_due, verified_at, forwarded_at, followed_up_at, closed_at, overdue,
    overdue_verify_at, overdue_follow_up_at)
SELECT c.channel, :prefix || c.k, md5(:prefix || c.k),
       c.received_at, least(:now, c.received_at + interval '3 minutes' * c.u_hour),
       coalesce(c.closed_at, c.followed_up_at, c.forwarded_at, c.verified_at, c.received_at),
       {category_name},
       replace(replace(replace(c.template,
           '{{rt}}', lpad((1 + floor(c.u_rt * 20))::int::text, 2, '0')),
           '{{kec}}', c.district_name), '{{tahap}}', (1 + floor(c.u_rt * 4))::int::text),
       c.status,
       CASE WHEN c.status IN ('ditolak', 'bukan_wewenang') THEN {reason} END,
       CASE WHEN c.forwarded_at IS NOT NULL
            THEN (SELECT u.id FROM units u WHERE u.region_code = c.regency_code
                   ORDER BY (u.kind = 'regency_office') DESC, u.id LIMIT 1) END,
       c.province_code, c.regency_code, c.district_code,
       coalesce(c.exact, c.point), c.exact IS NOT NULL, 'point', 1.0,
       '{{"method": "point", "confidence": 1.0}}'::jsonb,
       CASE WHEN c.exact IS NOT NULL
            THEN jsonb_build_object('lat', round(ST_Y(c.exact)::numeric, 6),
                                    'lon', round(ST_X(c.exact)::numeric, 6)) END,
       CASE WHEN c.exact IS NOT NULL AND c.u_rep < 0.6
            THEN jsonb_build_object('name', {name},
                 'phone', '08' || lpad((floor(c.u_txt * 1e10))::bigint::text, 10, '1')) END,
       c.verify_due, c.follow_up_due, c.verified_at, c.forwarded_at, c.followed_up_at,
       c.closed_at,
       (c.status = 'baru' AND c.verify_due <= :now)
         OR (c.status IN ('diverifikasi', 'diteruskan') AND c.follow_up_due <= :now),
       -- deadlines already past count as reported: the service-level job must not flood
       -- the map with a hundred thousand overdue events for demo data
       CASE WHEN c.verify_due <= :now THEN c.verify_due END,
       CASE WHEN c.follow_up_due <= :now THEN c.follow_up_due END
  FROM c
ON CONFLICT (channel, external_id) DO NOTHING
"""

_TIMELINE = """
INSERT INTO complaint_timeline (complaint_id, at, actor, action, from_status, to_status,
                                note, details)
SELECT id, created_at, 'demo', 'created', NULL, 'baru', NULL, '{"demo": true}'::jsonb
  FROM complaints WHERE id > :after AND external_id LIKE :prefix
UNION ALL
SELECT id, updated_at, 'demo', 'status', 'baru', status, reason, '{"demo": true}'::jsonb
  FROM complaints WHERE id > :after AND external_id LIKE :prefix AND status <> 'baru'
"""


def _load_tables(session: Session, plan: DemoPlan) -> None:
    t_ci, t_j, t_n, t_text = [], [], [], []
    for ci, options in enumerate(plan.templates, start=1):
        for j, template in enumerate(options, start=1):
            t_ci.append(ci), t_j.append(j), t_n.append(len(options)), t_text.append(template)
    params = {
        "codes": plan.codes,
        "counts": plan.counts,
        "seed": max(1, plan.seed),
        "verify": [d.timestamp() for d in plan.verify_due],
        "follow": [d.timestamp() for d in plan.follow_due],
        # one cumulative row per age, padded to the deadlines' length (ages 0..N+1)
        "cum": [
            "{" + ",".join(map(repr, row)) + "}" for row in plan.status_cum + plan.status_cum[-1:]
        ],
        "t_ci": t_ci,
        "t_j": t_j,
        "t_n": t_n,
        "t_text": t_text,
    }
    for sql in _TABLES:
        session.execute(text(sql), params)
    session.execute(text("ANALYZE demo_alloc, demo_points, demo_age, demo_text"))


def insert_demo(session: Session, plan: DemoPlan, today: datetime) -> int:
    """Insert the demo rows and their timeline; return how many complaints were new."""
    # JIT compiling this one statement costs far more than it saves (seconds per run).
    session.execute(text("SET LOCAL jit = off"))
    session.execute(text("SELECT setseed(:s)"), {"s": (plan.seed % 1000) / 1000.0})
    _load_tables(session, plan)
    after = session.execute(text("SELECT coalesce(max(id), 0) FROM complaints")).scalar()
    ci = [str(i) for i in range(1, len(plan.categories) + 1)]
    sql = _INSERT.format(
        channel=_pick("b.u_ch", plan.channel_cum, [_quote(c) for c in plan.channels]),
        category=_pick("b.u_cat", plan.category_cum, ci),
        category_name="CASE c.ci "
        + " ".join(
            f"WHEN {i} THEN {_quote(name)}" for i, name in zip(ci, plan.categories, strict=True)
        )
        + " END",
        reason=_pick(
            "c.u_stage",
            [(i + 1) / len(plan.reasons) for i in range(len(plan.reasons))],
            [_quote(r) for r in plan.reasons],
        ),
        name=_pick(
            "c.u_rep / 0.6",
            [(i + 1) / len(plan.names) for i in range(len(plan.names))],
            [_quote(n) for n in plan.names],
        ),
        status=_pick(
            "d.u_st",
            [f"ag.cum[{k}]" for k in range(1, len(plan.statuses) + 1)],
            [_quote(st) for st in plan.statuses],
            literal=False,
        ),
        points=POINTS_PER_DISTRICT,
    )
    prefix = f"demo-{plan.seed}-"
    inserted = session.execute(
        text(sql),
        {
            "now": plan.now,
            "today": today,
            "today_date": today.date(),
            "days": len(plan.status_cum) - 1,
            "jitter": JITTER_DEG,
            "prefix": prefix,
        },
    ).rowcount
    session.execute(text(_TIMELINE), {"after": after, "prefix": prefix + "%"})
    return inserted or 0


def analyze(session: Session) -> None:
    """Fresh planner statistics after a bulk load."""
    session.execute(text("ANALYZE complaints"))
    session.execute(text("ANALYZE complaint_counts"))
    session.commit()


def place_pool(session: Session, per_district: int = 4) -> list[tuple]:
    """Points inside every populated district, with its population and the names of the
    district, regency and province: ``(lat, lon, population, district, regency, province)``.
    Benchmarks draw from it in proportion to population."""
    rows = session.execute(
        text(
            """
            SELECT ST_Y(p.geom), ST_X(p.geom), d.population, d.name, r.name, v.name
              FROM areas d JOIN areas r ON r.code = d.parent_code
              JOIN areas v ON v.code = r.parent_code
             CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(coalesce(d.geom_simple, d.geom),
                                                          :k, 7)) p
             WHERE d.level = 'district' AND d.population > 0
            """
        ),
        {"k": per_district},
    )
    return [tuple(r) for r in rows]


def count_complaints(session: Session) -> int:
    """How many complaints there are (from the counters: instant at any size)."""
    return int(
        session.execute(
            text(
                "SELECT coalesce(sum(n), 0) FROM (SELECT n FROM complaint_counts WHERE "
                "dimension = 'status' UNION ALL SELECT n FROM complaint_count_deltas WHERE "
                "dimension = 'status') c"
            )
        ).scalar()
    )


def delete_by_prefix(session: Session, prefix: str) -> int:
    """Delete complaints whose external id starts with ``prefix`` (benchmark clean-up)."""
    return (
        session.execute(
            text("DELETE FROM complaints WHERE external_id LIKE :p"), {"p": prefix + "%"}
        ).rowcount
        or 0
    )


def settle(engine) -> None:
    """Vacuum the complaint tables and checkpoint (best effort) after a bulk delete, so the
    next benchmark does not share the machine with autovacuum and a checkpoint."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) complaints, complaint_timeline"))
        with contextlib.suppress(DBAPIError):  # not a superuser: it comes on its own
            conn.execute(text("CHECKPOINT"))
