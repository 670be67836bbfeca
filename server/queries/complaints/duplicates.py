"""Finding each new complaint's likeliest earlier duplicate, with bounded work per complaint.

A complaint is a possible duplicate of an earlier one (stored before it, received within 30
days either way, same category, both whistleblower or both not) with the **same reporter**
(NIK or phone hash), or failing that with **similar text in the same village** (same village
key, or exact points within 500 m; pg_trgm similarity at least ``:similarity``).

Work per complaint is bounded whatever the data (issue 15: 1,000 identical complaints of one
village took 52 s, a batch sharing one phone ran at a tenth of the usual rate, because every
complaint was compared with every earlier match). Each candidate set is read through an
index newest first (highest id: the most recently stored) and cut at :data:`CANDIDATES` rows:
per reporter key, per village, and per 0.005° grid cell around an exact point. The link goes
to the **newest** match: the reporter's newest earlier complaint, else the newest text at
least ``:similarity`` alike (an identical text counts as 1 without computing it), each
branch stopping at its first match (``LIMIT 1``; the text branch runs only when the reporter
branch found nothing: PostgreSQL's Append runs a ``UNION ALL`` branch only when the ones
before it found nothing). So a reporter's 5,000th complaint, or the 5,000th copy of a
template, costs what the second did.

Before, the link went to the most similar text (then the most recently received); ties,
as in a template mass complaint, fell back on recency anyway. A match older than the newest
:data:`CANDIDATES` of its reporter, village or cell is not looked for.
"""

from __future__ import annotations

#: Two complaints farther apart than this are not "in the same village" by position (a
#: village or urban kelurahan is a square kilometre or two where people live densely).
NEAR_M = 500.0
#: Grid cell (degrees) of the point index: at least NEAR_M wide at Indonesian latitudes
#: (6° N to 11° S: 0.005° of longitude is 546 m or more), so every point within NEAR_M of a
#: complaint lies in its cell or one of the eight around it.
CELL_DEG = 0.005
DUPLICATE_DAYS = 30
#: Newest complaints looked at per village, per grid cell and per reporter key.
CANDIDATES = 32

_KIND = "(o.channel = 'whistleblower') = n.wb"
_WINDOW = (f"c.received_at > n.received_at - interval '{DUPLICATE_DAYS} days' "
           f"AND c.received_at < n.received_at + interval '{DUPLICATE_DAYS} days'")
CELL_X = f"floor(ST_X(geom) / {CELL_DEG})::int"
CELL_Y = f"floor(ST_Y(geom) / {CELL_DEG})::int"


def _reporter(column: str) -> str:
    """The newest earlier complaint of the same reporter key, among its newest CANDIDATES."""
    return f"""
        (SELECT c.id, c.primary_id FROM (
            SELECT o.id, o.primary_id, o.received_at FROM complaints o
             WHERE o.{column} = n.{column} AND o.category = n.category AND {_KIND}
               AND o.id < n.id
             ORDER BY o.id DESC LIMIT {CANDIDATES}) c
          WHERE {_WINDOW} ORDER BY c.id DESC LIMIT 1)"""


# The texts a new complaint is compared with: the newest CANDIDATES of its village, and the
# newest CANDIDATES of the nine grid cells around its exact point that lie within NEAR_M.
_TEXTS = f"""
        SELECT c.id, c.primary_id, c.description FROM (
            SELECT o.id, o.primary_id, o.description, o.received_at FROM complaints o
             WHERE o.village_key = n.village_key AND o.category = n.category AND {_KIND}
               AND o.id < n.id
             ORDER BY o.id DESC LIMIT {CANDIDATES}) c
         WHERE {_WINDOW} AND c.description IS NOT NULL
        UNION ALL
        SELECT c.id, c.primary_id, c.description FROM (
            SELECT near.* FROM (VALUES (-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1),
                                       (1, -1), (1, 0), (1, 1)) d(dx, dy)
             CROSS JOIN LATERAL (
                SELECT o.id, o.primary_id, o.description, o.received_at, o.geom
                  FROM complaints o
                 WHERE n.geom_precise AND o.geom_precise AND o.category = n.category
                   AND {_KIND} AND {CELL_X.replace("geom", "o.geom")} = n.cx + d.dx
                   AND {CELL_Y.replace("geom", "o.geom")} = n.cy + d.dy AND o.id < n.id
                 ORDER BY o.id DESC LIMIT {CANDIDATES}) near
             ORDER BY near.id DESC LIMIT {CANDIDATES}) c
         WHERE {_WINDOW} AND c.description IS NOT NULL
           AND ST_DWithin(c.geom::geography, n.geom::geography, {NEAR_M})"""

# Whistleblower complaints are compared only with each other: linking one to a named
# report would tell the reader who blew the whistle.
DUPLICATE_CTES = f"""
WITH n AS (
    SELECT id, category, received_at, reporter_nik_hash, reporter_phone_hash, village_key,
           description, geom, geom_precise, channel = 'whistleblower' AS wb,
           {CELL_X} AS cx, {CELL_Y} AS cy
      FROM complaints WHERE id = ANY(CAST(:ids AS bigint[]))
),
best AS (
    SELECT n.id, m.of, m.reason, m.score
      FROM n CROSS JOIN LATERAL (
        (SELECT coalesce(r.primary_id, r.id) AS of, 'reporter' AS reason, 1.0::float8 AS score
           FROM ({_reporter("reporter_nik_hash")}
                 UNION ALL {_reporter("reporter_phone_hash")}) r
          ORDER BY r.id DESC LIMIT 1)
        UNION ALL
        (SELECT coalesce(t.primary_id, t.id), 'text', t.score FROM (
            SELECT t.id, t.primary_id,
                   CASE WHEN t.description = n.description THEN 1.0::float8
                        ELSE similarity(t.description, n.description) END AS score
              FROM (SELECT u.* FROM ({_TEXTS}) u ORDER BY u.id DESC OFFSET 0) t
             WHERE n.description IS NOT NULL) t
          WHERE t.score >= :similarity LIMIT 1)
        LIMIT 1
      ) m
)
"""

# ``shared``: every room the complaint's event reaches may see the duplicate (same regency, or
# an unplaced complaint, whose events go to national rooms only); the event names it then.
SET_DUPLICATES = """
UPDATE complaints c
   SET possible_duplicate_of = best.of, duplicate_reason = best.reason,
       duplicate_score = round(best.score::numeric, 3)
  FROM best LEFT JOIN complaints o ON o.id = best.of
 WHERE c.id = best.id
RETURNING c.id, c.possible_duplicate_of,
          (c.regency_code IS NULL OR o.regency_code IS NOT DISTINCT FROM c.regency_code) AS shared
"""
