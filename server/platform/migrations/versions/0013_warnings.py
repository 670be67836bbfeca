"""Warnings from other agencies (CAP 1.2): BMKG's weather nowcasts, tsunami warnings, partners.

- ``warnings``: one row per CAP message (identifier and sender unique), its hazard and
  severity, its polygons (``geom``), its validity (``effective``, ``expires``, ``ends_at``),
  what Kendali does with it (``action``) and its state (``active``, ``updated``,
  ``cancelled``, ``expired``); the message itself is kept as received (``document``).
- ``warning_districts``: the areas a warning affects, ``terjadi`` / ``meluas``, found by
  ``polygon``, ``name`` or ``both``.
- ``incident_warnings``: the warnings that opened or joined an incident.
- ``warning_rejections``: messages refused, with the field at fault and the reason.
- ``dispatches.kind``: ``dispatch`` or ``standby`` (a notice for a warning: acknowledge, no
  travel; ``warning_id`` set, no incident).
- ``api_keys.agency``: an agency's key pushes CAP as this sender (channel ``agency``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
CHANNELS = ("jaga_bansos", "sp4n_lapor", "ditjen", "whistleblower")
OPEN = "state IN ('notified', 'acknowledged', 'en_route', 'on_site')"


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _warnings() -> None:
    op.create_table(
        "warnings",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("identifier", sa.Text, nullable=False),
        sa.Column("sender", sa.Text, nullable=False),
        sa.Column("sent", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("msg_type", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("origin", sa.Text),
        sa.Column("hazard", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("level", sa.String(8)),
        sa.Column("event", sa.Text, nullable=False),
        sa.Column("urgency", sa.String(16)),
        sa.Column("certainty", sa.String(16)),
        sa.Column("language", sa.String(16)),
        sa.Column("sender_name", sa.Text),
        sa.Column("headline", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("instruction", sa.Text),
        sa.Column("web", sa.Text),
        sa.Column("area_desc", sa.Text),
        sa.Column("effective", TS, nullable=False),
        sa.Column("onset", TS),
        sa.Column("expires", TS),
        sa.Column("ends_at", TS, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="active"),
        sa.Column("ended_at", TS),
        sa.Column("replaced_by", sa.BigInteger,
                  sa.ForeignKey("warnings.id", ondelete="SET NULL")),
        sa.Column("geom", Geometry("MULTIPOLYGON", 4326, spatial_index=False)),
        sa.Column("references", JSONB, nullable=False, server_default="[]"),
        sa.Column("quirks", JSONB, nullable=False, server_default="[]"),
        sa.Column("unresolved", JSONB, nullable=False, server_default="[]"),
        sa.Column("document", sa.LargeBinary, nullable=False),
        sa.Column("received_at", TS, nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("sender", "identifier", name="uq_warnings_message"),
        sa.CheckConstraint("state IN ('active', 'updated', 'cancelled', 'expired')",
                           name="ck_warnings_state"),
        sa.CheckConstraint("source IN ('poll', 'push')", name="ck_warnings_source"),
        sa.CheckConstraint("action IN ('show', 'standby', 'incident')",
                           name="ck_warnings_action"),
    )
    op.create_index("ix_warnings_geom", "warnings", ["geom"], postgresql_using="gist")
    # The expiry job's question, and the list of active warnings.
    op.create_index("ix_warnings_active_ends", "warnings", ["ends_at"],
                    postgresql_where=sa.text("state = 'active'"))
    op.create_table(
        "warning_districts",
        sa.Column("warning_id", sa.BigInteger,
                  sa.ForeignKey("warnings.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("code", sa.String(16), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("by", sa.String(8), nullable=False),
        sa.Column("share", sa.Float),
        sa.CheckConstraint("kind IN ('terjadi', 'meluas')", name="ck_warning_districts_kind"),
        sa.CheckConstraint("by IN ('polygon', 'name', 'both')", name="ck_warning_districts_by"),
    )
    op.create_index("ix_warning_districts_code", "warning_districts", ["code"])
    op.create_table(
        "incident_warnings",
        sa.Column("incident_id", sa.BigInteger,
                  sa.ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("warning_id", sa.BigInteger,
                  sa.ForeignKey("warnings.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("joined_at", TS, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_incident_warnings_warning", "incident_warnings", ["warning_id"])
    op.create_table(
        "warning_rejections",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("origin", sa.Text),
        sa.Column("identifier", sa.Text),
        sa.Column("sender", sa.Text),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_warning_rejections_at", "warning_rejections", [sa.text("at DESC")])


def _standby() -> None:
    op.add_column("dispatches", sa.Column("kind", sa.String(8), nullable=False,
                                          server_default="dispatch"))
    op.add_column("dispatches", sa.Column(
        "warning_id", sa.BigInteger, sa.ForeignKey("warnings.id", ondelete="CASCADE")))
    op.alter_column("dispatches", "incident_id", nullable=True)
    op.create_check_constraint(
        "ck_dispatches_kind", "dispatches",
        "(kind = 'dispatch' AND incident_id IS NOT NULL) OR "
        "(kind = 'standby' AND warning_id IS NOT NULL AND incident_id IS NULL)")
    # One standby notice per responder and warning (an update moves it to the new message).
    op.create_index("uq_standby_per_warning", "dispatches", ["warning_id", "responder_id"],
                    unique=True, postgresql_where=sa.text("kind = 'standby'"))


def upgrade() -> None:
    _warnings()
    _standby()
    op.add_column("api_keys", sa.Column("agency", sa.Text))
    op.drop_constraint("ck_api_keys_channel", "api_keys")
    op.create_check_constraint(
        "ck_api_keys_channel", "api_keys",
        f"channel IN ({_quoted(CHANNELS)}) OR (channel = 'agency' AND agency IS NOT NULL)")


def downgrade() -> None:
    op.execute("DELETE FROM api_keys WHERE channel = 'agency'")
    op.drop_constraint("ck_api_keys_channel", "api_keys")
    op.create_check_constraint("ck_api_keys_channel", "api_keys",
                               f"channel IN ({_quoted(CHANNELS)})")
    op.drop_column("api_keys", "agency")
    op.execute("DELETE FROM dispatches WHERE kind = 'standby'")
    op.drop_index("uq_standby_per_warning", "dispatches")
    op.drop_constraint("ck_dispatches_kind", "dispatches")
    op.alter_column("dispatches", "incident_id", nullable=False)
    op.drop_column("dispatches", "warning_id")
    op.drop_column("dispatches", "kind")
    op.drop_table("warning_rejections")
    op.drop_table("incident_warnings")
    op.drop_table("warning_districts")
    op.drop_table("warnings")
