"""Hardening (issue 15): failed sign-ins are throttled per name and address.

- ``login_throttle``: failed sign-ins per (HMAC of the normalised username, client address),
  with the time the next attempt is allowed. Keyed on the name as typed, whether or not an
  account has it, so an unknown name and a throttled one answer alike; keyed on the
  address too, so a stranger elsewhere cannot keep an account locked.
- ``users.failed_logins`` and ``users.locked_until`` (the account-wide hard lock) go.
- Duplicate detection reads each candidate set newest first and stops after a few rows
  (``server/queries/complaints/duplicates.py``): the reporter and village indexes end in
  ``id``, after the whistleblower/named split, and exact points get a grid-cell index
  (0.005°, the nine cells around a point cover 500 m).

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

_KIND = "(channel = 'whistleblower')"
_NEWEST = {
    "ix_complaints_nik_newest": (f"reporter_nik_hash, category, {_KIND}, id",
                                 "reporter_nik_hash IS NOT NULL"),
    "ix_complaints_phone_newest": (f"reporter_phone_hash, category, {_KIND}, id",
                                   "reporter_phone_hash IS NOT NULL"),
    "ix_complaints_village_newest": (f"village_key, category, {_KIND}, id",
                                     "village_key IS NOT NULL"),
    "ix_complaints_near_cell": (f"category, {_KIND}, (floor(ST_X(geom) / 0.005)::int), "
                                "(floor(ST_Y(geom) / 0.005)::int), id", "geom_precise"),
}
_REPLACED = {
    "ix_complaints_nik": ("reporter_nik_hash, category", "reporter_nik_hash IS NOT NULL"),
    "ix_complaints_phone": ("reporter_phone_hash, category", "reporter_phone_hash IS NOT NULL"),
    "ix_complaints_village": ("village_key, received_at", "village_key IS NOT NULL"),
}


def _create(indexes: dict) -> None:
    for name, (columns, where) in indexes.items():
        op.execute(f"CREATE INDEX {name} ON complaints ({columns}) WHERE {where}")


def _drop(indexes: dict) -> None:
    for name in indexes:
        op.execute(f"DROP INDEX {name}")


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
    _drop(_REPLACED)
    _create(_NEWEST)


def downgrade() -> None:
    _drop(_NEWEST)
    _create(_REPLACED)
    op.add_column("users", sa.Column("locked_until", TS))
    op.add_column("users", sa.Column("failed_logins", sa.Integer, nullable=False,
                                     server_default="0"))
    op.drop_table("login_throttle")
