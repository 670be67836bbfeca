"""The incident loop: fresh quakes only, aftershock sequences, closing and standing down,
one area per person.

- ``quakes.backfilled``: stored, listed, but too old at first sight to page anyone.
- ``incident_quakes``: the quakes of an incident's sequence (mainshock, aftershocks).
- ``incidents``: who closed it, why, and when it last saw activity (the quiet period).
- ``incident_areas``: an area stood down on its own; why an area is unstaffed.
- ``dispatches.prior_availability``: what the responder's availability was before this
  dispatch made them busy, so releasing them gives it back.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
OPEN = "state IN ('notified', 'acknowledged', 'en_route', 'on_site')"


def upgrade() -> None:
    op.add_column("quakes", sa.Column("backfilled", sa.Boolean, nullable=False,
                                      server_default=sa.false()))
    op.create_table(
        "incident_quakes",
        sa.Column("incident_id", sa.BigInteger,
                  sa.ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("quake_id", sa.BigInteger, sa.ForeignKey("quakes.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("joined_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("incident_quakes_quake", "incident_quakes", ["quake_id"])
    op.add_column("incidents", sa.Column("closed_by", sa.Text))
    op.add_column("incidents", sa.Column("close_note", sa.Text))
    op.add_column("incidents", sa.Column("last_activity_at", TS))
    op.execute("UPDATE incidents SET last_activity_at = created_at")
    op.execute("""
        INSERT INTO incident_quakes (incident_id, quake_id, role, joined_at)
        SELECT id, quake_id, 'mainshock', created_at FROM incidents WHERE quake_id IS NOT NULL
    """)
    op.add_column("incident_areas", sa.Column("closed_at", TS))
    op.add_column("incident_areas", sa.Column("closed_by", sa.Text))
    op.add_column("incident_areas", sa.Column("close_note", sa.Text))
    op.add_column("incident_areas", sa.Column("unstaffed_reason", sa.Text))
    op.add_column("dispatches", sa.Column("prior_availability", sa.String(16)))
    op.create_index("dispatches_open_by_incident", "dispatches", ["incident_id"],
                    postgresql_where=sa.text(OPEN))
    # "Call him again": a responder whose dispatch to an area ended (timed out, declined) may
    # be notified for it again, as a new dispatch; only one may be live at a time.
    op.drop_constraint("uq_dispatch_once_per_area", "dispatches", type_="unique")
    op.create_index("uq_dispatch_live_per_area", "dispatches",
                    ["incident_id", "area_code", "responder_id"], unique=True,
                    postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    op.drop_index("uq_dispatch_live_per_area", "dispatches")
    op.execute("""
        DELETE FROM dispatches d USING dispatches e
         WHERE d.incident_id = e.incident_id AND d.area_code = e.area_code
           AND d.responder_id = e.responder_id AND d.id < e.id
    """)
    op.create_unique_constraint("uq_dispatch_once_per_area", "dispatches",
                                ["incident_id", "area_code", "responder_id"])
    op.drop_index("dispatches_open_by_incident", "dispatches")
    op.drop_column("dispatches", "prior_availability")
    for name in ("unstaffed_reason", "close_note", "closed_by", "closed_at"):
        op.drop_column("incident_areas", name)
    for name in ("last_activity_at", "close_note", "closed_by"):
        op.drop_column("incidents", name)
    op.drop_index("incident_quakes_quake", "incident_quakes")
    op.drop_table("incident_quakes")
    op.drop_column("quakes", "backfilled")
