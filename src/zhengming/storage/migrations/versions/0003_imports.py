"""Imports: import batches (how a file was read, its verdicts, run and revert) and their rows

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:19:01.619656
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("encoding", sa.String(length=40), nullable=True),
        sa.Column("sheet", sa.String(length=255), nullable=True),
        sa.Column("header_row", sa.Integer(), nullable=True),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.Column("on_duplicate", sa.String(length=10), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("reverted_by", sa.String(length=64), nullable=True),
        sa.Column("reverted_at", sa.DateTime(), nullable=True),
        sa.Column("revert_report", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_import_batch_job_id_job")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    op.create_table(
        "import_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("standard_name", sa.String(length=1000), nullable=True),
        sa.Column("matched_customer_id", sa.Integer(), nullable=True),
        sa.Column("duplicate_of_row", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("probability", sa.Float(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_import_row_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_import_row_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["matched_customer_id"],
            ["customer.id"],
            name=op.f("fk_import_row_matched_customer_id_customer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_row")),
        sa.UniqueConstraint(
            "batch_id", "row_number", name=op.f("uq_import_row_batch_id_row_number")
        ),
    )


def downgrade() -> None:
    op.drop_table("import_row")
    op.drop_table("import_batch")
