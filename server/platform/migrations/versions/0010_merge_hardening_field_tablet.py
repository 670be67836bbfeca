"""Join the two branches made in parallel from 0007: 0008 (hardening, issue 15) and 0009 (the
field tablet, issue 17). Nothing to change; one head again, whichever was applied first.

Revision ID: 0010
Revises: 0008, 0009
Create Date: 2026-12-03
"""

revision = "0010"
down_revision = ("0008", "0009")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
