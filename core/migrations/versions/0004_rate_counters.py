"""rate counters shared by every web worker

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "window"),
    )
    op.create_index(op.f("ix_rate_counters_window"), "rate_counters", ["window"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_counters_window"), table_name="rate_counters")
    op.drop_table("rate_counters")
