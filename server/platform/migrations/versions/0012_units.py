"""Work units: forwarding a complaint becomes a real assignment.

- ``units``: directorates general, provincial and regency social offices (with their
  region), and any other unit an admin adds. ``kendali units seed`` fills the standard ones.
- ``users.unit_id``: the unit an account belongs to. A regional account needs a region or a
  unit (a unit's account without a region sees what is forwarded to the unit).
- ``complaints.assigned_to``: from free text to a unit id. Each distinct text becomes a
  unit of kind ``other`` named by it (case and surrounding spaces ignored), unless a unit
  of that name exists; the complaints then point at it.
- ``event_log.unit_ids``: the units an event concerns (a complaint forwarded to them), so
  that a unit's members receive it live and on catch-up.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
_REGION_RULE = ("CASE WHEN role = 'regional' THEN region_code IS NOT NULL OR unit_id IS NOT NULL "
                "ELSE region_code IS NULL END")
_OLD_REGION_RULE = "(role = 'regional') = (region_code IS NOT NULL)"


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False, server_default="other"),
        sa.Column("region_code", sa.String(16)),
        sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("kind IN ('directorate', 'provincial_office', 'regency_office', "
                           "'other')", name="ck_units_kind"),
        sa.CheckConstraint("length(btrim(name)) BETWEEN 1 AND 200", name="ck_units_name"),
    )
    op.execute("CREATE UNIQUE INDEX uq_units_name ON units (lower(name))")
    op.create_index("ix_units_region_code", "units", ["region_code"])
    op.add_column("users", sa.Column("unit_id", sa.BigInteger,
                                     sa.ForeignKey("units.id", ondelete="SET NULL")))
    op.drop_constraint("ck_users_region", "users", type_="check")
    op.create_check_constraint("ck_users_region", "users", _REGION_RULE)
    _migrate_assignments()
    op.add_column("event_log", sa.Column("unit_ids", ARRAY(sa.BigInteger), nullable=False,
                                         server_default="{}"))
    op.create_index("ix_event_log_unit_ids", "event_log", ["unit_ids"],
                    postgresql_using="gin")


def _migrate_assignments() -> None:
    """Free-text ``assigned_to`` values become units; the column then holds their ids."""
    op.execute("""
        INSERT INTO units (name, kind)
        SELECT DISTINCT ON (lower(btrim(assigned_to))) left(btrim(assigned_to), 200), 'other'
          FROM complaints
         WHERE btrim(coalesce(assigned_to, '')) <> ''
         ORDER BY lower(btrim(assigned_to)), btrim(assigned_to)
        ON CONFLICT (lower(name)) DO NOTHING
    """)
    op.add_column("complaints", sa.Column("assigned_unit", sa.BigInteger))
    op.execute("""
        UPDATE complaints c SET assigned_unit = u.id
          FROM units u
         WHERE c.assigned_to IS NOT NULL AND lower(u.name) = lower(left(btrim(c.assigned_to), 200))
    """)
    op.drop_column("complaints", "assigned_to")
    op.alter_column("complaints", "assigned_unit", new_column_name="assigned_to")
    op.create_foreign_key("fk_complaints_assigned_to", "complaints", "units",
                          ["assigned_to"], ["id"], ondelete="RESTRICT")
    op.create_index("ix_complaints_assigned_to", "complaints", ["assigned_to"],
                    postgresql_where=sa.text("assigned_to IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_event_log_unit_ids", table_name="event_log")
    op.drop_column("event_log", "unit_ids")
    op.drop_index("ix_complaints_assigned_to", table_name="complaints")
    op.drop_constraint("fk_complaints_assigned_to", "complaints", type_="foreignkey")
    op.add_column("complaints", sa.Column("assigned_text", sa.String(200)))
    op.execute("""
        UPDATE complaints c SET assigned_text = u.name
          FROM units u WHERE c.assigned_to = u.id
    """)
    op.drop_column("complaints", "assigned_to")
    op.alter_column("complaints", "assigned_text", new_column_name="assigned_to")
    # the old rule wants a region: such accounts are disabled, with a region that is no area
    op.execute("UPDATE users SET disabled_at = coalesce(disabled_at, now()), "
               "region_code = '00' WHERE role = 'regional' AND region_code IS NULL")
    op.drop_constraint("ck_users_region", "users", type_="check")
    op.create_check_constraint("ck_users_region", "users", _OLD_REGION_RULE)
    op.drop_column("users", "unit_id")
    op.drop_table("units")
