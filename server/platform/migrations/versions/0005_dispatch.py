"""Field companions and dispatch: responders and their positions, incidents and their areas,
dispatches with deadlines, outbound notification deliveries.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "responders",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("phone", sa.String(32)),
        sa.Column("external_ref", sa.String(64), unique=True),
        sa.Column("base", Geography("POINT", 4326, spatial_index=False), nullable=False),
        sa.Column("province_code", sa.String(2)),
        sa.Column("regency_code", sa.String(5)),
        sa.Column("district_code", sa.String(8)),
        sa.Column("position", Geography("POINT", 4326, spatial_index=False)),
        sa.Column("position_at", TS),
        sa.Column("position_accuracy_m", sa.Float),
        # Where dispatch measures from: the position while fresh, the home base otherwise.
        sa.Column("loc", Geography("POINT", 4326, spatial_index=False), nullable=False),
        sa.Column("availability", sa.String(16), nullable=False, server_default="on_duty"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("availability IN ('on_duty', 'off_duty', 'busy')",
                           name="ck_responders_availability"),
    )
    op.create_index("idx_responders_loc", "responders", ["loc"], postgresql_using="gist")
    op.create_index("idx_responders_base", "responders", ["base"], postgresql_using="gist")
    op.create_index("ix_responders_regency", "responders", ["regency_code"])
    op.create_index("ix_responders_available", "responders", ["availability"],
                    postgresql_where=sa.text("active"))

    op.create_table(
        "responder_positions",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("responder_id", sa.BigInteger,
                  sa.ForeignKey("responders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("geom", Geometry("POINT", 4326, spatial_index=False), nullable=False),
        sa.Column("accuracy_m", sa.Float),
        sa.Column("incident_id", sa.BigInteger),
    )
    op.create_index("ix_responder_positions_responder", "responder_positions",
                    ["responder_id", "at"])
    op.create_index("idx_responder_positions_geom", "responder_positions", ["geom"],
                    postgresql_using="gist")

    op.create_table(
        "incidents",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("hazard", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("quake_id", sa.BigInteger, sa.ForeignKey("quakes.id", ondelete="SET NULL"),
                  unique=True),
        sa.Column("geom", Geometry("MULTIPOLYGON", 4326, spatial_index=False)),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("closed_at", TS),
    )
    op.create_index("idx_incidents_geom", "incidents", ["geom"], postgresql_using="gist")

    op.create_table(
        "incident_areas",
        sa.Column("incident_id", sa.BigInteger,
                  sa.ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("priority", sa.Float, nullable=False, server_default="0"),
        sa.Column("needed", sa.Integer, nullable=False, server_default="2"),
        sa.Column("unstaffed_at", TS),
        # Where in the area the help is needed (dispatch measures from here): the part of the
        # area inside a drawn incident, or the area's point nearest a quake's epicentre.
        sa.Column("anchor", Geometry("POINT", 4326, spatial_index=False), nullable=False),
    )
    op.create_index("ix_incident_areas_code", "incident_areas", ["code"])

    op.create_table(
        "dispatches",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("incident_id", sa.BigInteger,
                  sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("area_code", sa.String(16), nullable=False),
        sa.Column("responder_id", sa.BigInteger, sa.ForeignKey("responders.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("distance_km", sa.Float),
        sa.Column("notified_at", TS, nullable=False),
        sa.Column("ack_deadline", TS, nullable=False),
        sa.Column("state_at", TS, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.CheckConstraint(
            "state IN ('notified', 'acknowledged', 'en_route', 'on_site', 'done', 'declined', "
            "'timed_out', 'cancelled')", name="ck_dispatches_state"),
        sa.UniqueConstraint("incident_id", "area_code", "responder_id",
                            name="uq_dispatch_once_per_area"),
    )
    op.create_index("ix_dispatches_incident_area", "dispatches", ["incident_id", "area_code"])
    op.create_index("ix_dispatches_responder", "dispatches", ["responder_id"])
    # The escalation job's question: which notifications passed their deadline?
    op.create_index("ix_dispatches_deadline", "dispatches", ["ack_deadline"],
                    postgresql_where=sa.text("state = 'notified'"))

    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("dispatch_id", sa.BigInteger,
                  sa.ForeignKey("dispatches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("notifier", sa.String(32), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("response_code", sa.Integer),
        sa.Column("delivered_at", TS),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')",
                           name="ck_deliveries_status"),
    )
    op.create_index("ix_deliveries_due", "notification_deliveries", ["next_attempt_at"],
                    postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    for table in ("notification_deliveries", "dispatches", "incident_areas", "incidents",
                  "responder_positions", "responders"):
        op.drop_table(table)
