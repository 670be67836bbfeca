"""The field tablet: Web Push subscriptions, push deliveries, reports from the ground.

- ``push_subscriptions``: a browser's PushSubscription (endpoint and keys) per field account;
  an endpoint belongs to one account at a time (the last one to subscribe it).
- ``notification_deliveries.subscription_id``: a push delivery's subscription (NULL for the
  webhook; set NULL when the push service says the subscription is gone), and two more final
  states: ``gone`` (the subscription no longer exists) and ``expired`` (the assignment was
  answered or timed out before the push could be sent: waking the worker is pointless).
- ``field_reports``: a rapid needs assessment sent from an assignment: text, counts of people
  and houses, needs, position, an optional photo on disk. One per (responder, client id), so a
  report the tablet sends twice is stored once.

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
COUNTS = ("affected", "injured", "dead", "displaced", "houses_damaged")
STATUSES = ("pending", "delivered", "failed", "gone", "expired")


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("endpoint", sa.Text, nullable=False, unique=True),
        sa.Column("p256dh", sa.Text, nullable=False),
        sa.Column("auth", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("last_success_at", TS),
    )
    op.create_index("ix_push_subscriptions_user", "push_subscriptions", ["user_id"])
    op.add_column("notification_deliveries", sa.Column(
        "subscription_id", sa.BigInteger,
        sa.ForeignKey("push_subscriptions.id", ondelete="SET NULL")))
    op.drop_constraint("ck_deliveries_status", "notification_deliveries")
    op.create_check_constraint("ck_deliveries_status", "notification_deliveries",
                               f"status IN ({_quoted(STATUSES)})")
    op.create_table(
        "field_reports",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("responder_id", sa.BigInteger,
                  sa.ForeignKey("responders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("dispatch_id", sa.BigInteger,
                  sa.ForeignKey("dispatches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("incident_id", sa.BigInteger,
                  sa.ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("area_code", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        *(sa.Column(name, sa.Integer, sa.CheckConstraint(f"{name} >= 0")) for name in COUNTS),
        sa.Column("needs", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("position", Geometry("POINT", 4326, spatial_index=False)),
        sa.Column("reported_at", TS, nullable=False),
        sa.Column("received_at", TS, nullable=False, server_default=sa.func.now()),
        sa.Column("photo_path", sa.Text),
        sa.Column("thumbnail_path", sa.Text),
        sa.Column("photo_type", sa.String(32)),
        sa.Column("photo_bytes", sa.Integer),
        sa.Column("photo_width", sa.Integer),
        sa.Column("photo_height", sa.Integer),
        sa.Column("photo_location_kept", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("responder_id", "client_id", name="uq_field_reports_client"),
    )
    op.create_index("ix_field_reports_incident", "field_reports",
                    ["incident_id", sa.text("received_at DESC")])
    op.create_index("ix_field_reports_area", "field_reports", ["area_code"])


def downgrade() -> None:
    op.drop_table("field_reports")
    op.execute("UPDATE notification_deliveries SET status = 'failed' "
               "WHERE status IN ('gone', 'expired')")
    op.drop_constraint("ck_deliveries_status", "notification_deliveries")
    op.create_check_constraint("ck_deliveries_status", "notification_deliveries",
                               f"status IN ({_quoted(STATUSES[:3])})")
    op.drop_column("notification_deliveries", "subscription_id")
    op.drop_table("push_subscriptions")
