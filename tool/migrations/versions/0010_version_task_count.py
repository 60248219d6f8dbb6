"""Sequence versions keep their number of tasks, so the teacher's lists never parse a version's content.

Revision ID: 0010_version_task_count
Revises: 0009_hidden_words
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_version_task_count"
down_revision = "0009_hidden_words"
branch_labels = None
depends_on = None

# len(content["tasks"]) of every existing version (0 when there is no list), as the model computes it.
BACKFILL = {
    "postgresql": (
        "UPDATE sequence_versions SET task_count = CASE WHEN json_typeof(content::json -> 'tasks') = 'array' "
        "THEN json_array_length(content::json -> 'tasks') ELSE 0 END"
    ),
    "sqlite": (
        "UPDATE sequence_versions SET task_count = CASE WHEN json_type(content, '$.tasks') = 'array' "
        "THEN json_array_length(content, '$.tasks') ELSE 0 END"
    ),
}


def upgrade() -> None:
    with op.batch_alter_table("sequence_versions") as batch:
        batch.add_column(sa.Column("task_count", sa.Integer(), nullable=True))
    op.execute(BACKFILL[op.get_bind().dialect.name])
    with op.batch_alter_table("sequence_versions") as batch:
        batch.alter_column("task_count", existing_type=sa.Integer(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("sequence_versions") as batch:
        batch.drop_column("task_count")
