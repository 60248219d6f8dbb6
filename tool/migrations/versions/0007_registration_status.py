"""Registrations can be pending (approved in the admin console); deployments record their last launch.

Revision ID: 0007_registration_status
Revises: 0006_job_states_lease
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_registration_status"
down_revision = "0006_job_states_lease"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lti_registrations") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="active"))
        batch.add_column(sa.Column("source", sa.String(16), nullable=False, server_default="cli"))
    with op.batch_alter_table("lti_deployments") as batch:
        batch.add_column(sa.Column("last_launch_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lti_deployments") as batch:
        batch.drop_column("last_launch_at")
    with op.batch_alter_table("lti_registrations") as batch:
        batch.drop_column("source")
        batch.drop_column("status")
