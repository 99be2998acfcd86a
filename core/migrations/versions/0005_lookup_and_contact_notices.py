"""lookup attempts (tries to read a submission by code and contact); notices copied to e-mail and Zalo ZNS

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 02:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lookup_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_lookup_attempts_key"), "lookup_attempts", ["key"], unique=False)
    op.create_index(op.f("ix_lookup_attempts_created_at"), "lookup_attempts", ["created_at"], unique=False)
    with op.batch_alter_table("initiatives") as batch:
        batch.add_column(sa.Column("contact_notices", sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("copy_of_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_notices_copy_of_id"), ["copy_of_id"], unique=False)
        batch.create_unique_constraint(batch.f("uq_notices_copy_of_id"), ["copy_of_id", "channel"])


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_constraint(batch.f("uq_notices_copy_of_id"), type_="unique")
        batch.drop_index(batch.f("ix_notices_copy_of_id"))
        batch.drop_column("copy_of_id")
    with op.batch_alter_table("initiatives") as batch:
        batch.drop_column("contact_notices")
    op.drop_index(op.f("ix_lookup_attempts_created_at"), table_name="lookup_attempts")
    op.drop_index(op.f("ix_lookup_attempts_key"), table_name="lookup_attempts")
    op.drop_table("lookup_attempts")
