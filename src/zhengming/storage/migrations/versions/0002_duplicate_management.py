"""Duplicate management: jobs, duplicate clusters and pairs, merge events, customer links

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 15:48:06.936807
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("stage", sa.String(length=40), nullable=True),
        sa.Column("done", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_kind_status", ["kind", "status"], unique=False)

    op.create_table(
        "customer_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("related_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_customer_link_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["related_id"], ["customer.id"], name=op.f("fk_customer_link_related_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_link")),
    )
    with op.batch_alter_table("customer_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_link_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_link_related_id"), ["related_id"], unique=False
        )

    op.create_table(
        "duplicate_cluster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_duplicate_cluster_job_id_job")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_cluster")),
    )
    with op.batch_alter_table("duplicate_cluster", schema=None) as batch_op:
        batch_op.create_index(
            "ix_duplicate_cluster_status_probability", ["status", "probability"], unique=False
        )

    op.create_table(
        "merge_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_ids", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by", sa.String(length=64), nullable=True),
        sa.Column("undo_report", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["customer.id"], name=op.f("fk_merge_event_survivor_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_merge_event")),
    )
    with op.batch_alter_table("merge_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_merge_event_survivor_id"), ["survivor_id"], unique=False
        )

    op.create_table(
        "duplicate_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_a", sa.Integer(), nullable=False),
        sa.Column("customer_b", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("name_a", sa.String(length=1000), nullable=True),
        sa.Column("name_b", sa.String(length=1000), nullable=True),
        sa.Column("fingerprint_a", sa.String(length=32), nullable=False),
        sa.Column("fingerprint_b", sa.String(length=32), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["duplicate_cluster.id"],
            name=op.f("fk_duplicate_pair_cluster_id_duplicate_cluster"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_a"], ["customer.id"], name=op.f("fk_duplicate_pair_customer_a_customer")
        ),
        sa.ForeignKeyConstraint(
            ["customer_b"], ["customer.id"], name=op.f("fk_duplicate_pair_customer_b_customer")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_duplicate_pair_job_id_job")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_pair")),
        sa.UniqueConstraint(
            "customer_a", "customer_b", name=op.f("uq_duplicate_pair_customer_a_customer_b")
        ),
    )
    with op.batch_alter_table("duplicate_pair", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_duplicate_pair_cluster_id"), ["cluster_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_duplicate_pair_customer_b"), ["customer_b"], unique=False
        )
        batch_op.create_index("ix_duplicate_pair_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("duplicate_pair", schema=None) as batch_op:
        batch_op.drop_index("ix_duplicate_pair_status")
        batch_op.drop_index(batch_op.f("ix_duplicate_pair_customer_b"))
        batch_op.drop_index(batch_op.f("ix_duplicate_pair_cluster_id"))

    op.drop_table("duplicate_pair")
    with op.batch_alter_table("merge_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merge_event_survivor_id"))

    op.drop_table("merge_event")
    with op.batch_alter_table("duplicate_cluster", schema=None) as batch_op:
        batch_op.drop_index("ix_duplicate_cluster_status_probability")

    op.drop_table("duplicate_cluster")
    with op.batch_alter_table("customer_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_link_related_id"))
        batch_op.drop_index(batch_op.f("ix_customer_link_customer_id"))

    op.drop_table("customer_link")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_kind_status")

    op.drop_table("job")
