"""Hardening (issue 15): failed sign-ins are throttled per name and address.

- ``login_throttle``: failed sign-ins per (HMAC of the normalised username, client address),
  with the time the next attempt is allowed. Keyed on the name as typed, whether or not an
  account has it, so an unknown name and a throttled one answer alike; keyed on the
  address too, so a stranger elsewhere cannot keep an account locked.
- ``users.failed_logins`` and ``users.locked_until`` (the account-wide hard lock) go.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("name_hash", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failed_at", TS, nullable=False),
        sa.Column("blocked_until", TS),
        sa.PrimaryKeyConstraint("name_hash", "address"),
    )
    op.create_index("ix_login_throttle_last_failed", "login_throttle", ["last_failed_at"])
    op.drop_column("users", "failed_logins")
    op.drop_column("users", "locked_until")


def downgrade() -> None:
    op.add_column("users", sa.Column("locked_until", TS))
    op.add_column("users", sa.Column("failed_logins", sa.Integer, nullable=False,
                                     server_default="0"))
    op.drop_table("login_throttle")
