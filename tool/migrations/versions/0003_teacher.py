"""Teacher area: courses, users, sequences, sequence versions, generation jobs.

Revision ID: 0003_teacher
Revises: 0002_lti
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_teacher"
down_revision = "0002_lti"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("deployment_pk", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.String(255), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["lti_registrations.id"], name=op.f("fk_courses_registration_id_lti_registrations")
        ),
        sa.ForeignKeyConstraint(
            ["deployment_pk"], ["lti_deployments.id"], name=op.f("fk_courses_deployment_pk_lti_deployments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint(
            "registration_id", "deployment_pk", "context_id",
            name=op.f("uq_courses_registration_id_deployment_pk_context_id"),
        ),
    )
    op.create_index(op.f("ix_courses_registration_id"), "courses", ["registration_id"])
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("sub", sa.String(255), nullable=False),
        sa.Column("display_name", sa.String(255), nullable=False),
        sa.Column("given_name", sa.String(255), nullable=True),
        sa.Column("family_name", sa.String(255), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"], ["lti_registrations.id"], name=op.f("fk_users_registration_id_lti_registrations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("registration_id", "sub", name=op.f("uq_users_registration_id_sub")),
    )
    op.create_table(
        "sequences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(32), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("target_user_id", sa.Integer(), nullable=True),
        sa.Column("target_label", sa.String(120), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_sequences_course_id_courses")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_sequences_created_by_id_users")),
        sa.ForeignKeyConstraint(["target_user_id"], ["users.id"], name=op.f("fk_sequences_target_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequences")),
        sa.UniqueConstraint("public_id", name=op.f("uq_sequences_public_id")),
    )
    op.create_index(op.f("ix_sequences_course_id"), "sequences", ["course_id"])
    op.create_table(
        "generation_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("task_index", sa.Integer(), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error_reason", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("redactions", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sequence_id"], ["sequences.id"], name=op.f("fk_generation_jobs_sequence_id_sequences")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_generation_jobs_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_generation_jobs")),
    )
    op.create_index(op.f("ix_generation_jobs_sequence_id"), "generation_jobs", ["sequence_id"])
    op.create_table(
        "sequence_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(24), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sequence_id"], ["sequences.id"], name=op.f("fk_sequence_versions_sequence_id_sequences")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["generation_jobs.id"], name=op.f("fk_sequence_versions_job_id_generation_jobs")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_sequence_versions_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequence_versions")),
        sa.UniqueConstraint("sequence_id", "number", name=op.f("uq_sequence_versions_sequence_id_number")),
        sa.UniqueConstraint("job_id", name=op.f("uq_sequence_versions_job_id")),
    )
    op.create_index(op.f("ix_sequence_versions_sequence_id"), "sequence_versions", ["sequence_id"])


def downgrade() -> None:
    op.drop_table("sequence_versions")
    op.drop_table("generation_jobs")
    op.drop_table("sequences")
    op.drop_table("users")
    op.drop_index(op.f("ix_courses_registration_id"), table_name="courses")
    op.drop_table("courses")
