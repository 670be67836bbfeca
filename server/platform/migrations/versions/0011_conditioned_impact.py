"""Felt reports condition a quake's whole intensity map (issue 19).

- ``quakes.observations``: how many placed reports the stored impact (contours, areas,
  exposure) is conditioned on; 0 means the intensity model alone (circles).
- ``incident_areas.below_at``: since when the estimates of the incident's quakes no longer
  reach an area that was dispatched. Nobody is withdrawn automatically: the area is marked
  for the operator, who may stand it down; cleared if a later revision reaches it again.

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "quakes", sa.Column("observations", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column("incident_areas", sa.Column("below_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("incident_areas", "below_at")
    op.drop_column("quakes", "observations")
