"""Generation jobs: lease, dispatch time and recoveries; typed job and sequence states.

Revision ID: 0006_job_states_lease
Revises: 0005_publication_lifecycle
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_job_states_lease"
down_revision = "0005_publication_lifecycle"
branch_labels = None
depends_on = None

# Written out (not imported): a migration keeps the states as they were when it was written.
STATUS_CHECK = "status IN ('queued', 'drafting', 'checking', 'repairing', 'ready', 'failed')"


def upgrade() -> None:
    with op.batch_alter_table("generation_jobs") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(32), nullable=True))
        batch.add_column(sa.Column("lease_expires_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("dispatched_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("recoveries", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index(batch.f("ix_generation_jobs_lease_expires_at"), ["lease_expires_at"])
        batch.create_check_constraint(op.f("ck_generation_jobs_status"), STATUS_CHECK)
    with op.batch_alter_table("sequences") as batch:
        batch.create_check_constraint(op.f("ck_sequences_status"), STATUS_CHECK)
    # Jobs queued before this migration were handed to the broker when they were created.
    op.execute("UPDATE generation_jobs SET dispatched_at = created_at WHERE status = 'queued'")


def downgrade() -> None:
    with op.batch_alter_table("sequences") as batch:
        batch.drop_constraint("ck_sequences_status", type_="check")
    with op.batch_alter_table("generation_jobs") as batch:
        batch.drop_constraint("ck_generation_jobs_status", type_="check")
        batch.drop_index(batch.f("ix_generation_jobs_lease_expires_at"))
        batch.drop_column("recoveries")
        batch.drop_column("dispatched_at")
        batch.drop_column("lease_expires_at")
        batch.drop_column("lease_owner")
