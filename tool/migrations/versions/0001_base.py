"""Short-lived key/value entries (embedded default for OIDC state, nonces, launches).

Revision ID: 0001_base
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_base"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kv_entries",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_kv_entries")),
    )
    op.create_index(op.f("ix_kv_entries_expires_at"), "kv_entries", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_kv_entries_expires_at"), table_name="kv_entries")
    op.drop_table("kv_entries")
