"""The first tables: customers, names, match keys, contacts, tags, audit log, users

Revision ID: 0001
Revises:
Create Date: 2026-11-23 12:55:04.678286
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=True),
        sa.Column("role", sa.String(length=20), server_default="sales", nullable=False),
        sa.Column("scope", sa.String(length=10), server_default="own", nullable=False),
        sa.Column("team", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "counter",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counter")),
    )
    op.create_table(
        "customer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_no", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("name_key", sa.String(length=1000), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("status", sa.String(length=10), server_default="active", nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("trade_name", sa.String(length=200), nullable=True),
        sa.Column("industry_words", sa.String(length=200), nullable=True),
        sa.Column("legal_form", sa.String(length=50), nullable=True),
        sa.Column("branch", sa.String(length=200), nullable=True),
        sa.Column("type", sa.String(length=12), server_default="prospect", nullable=False),
        sa.Column("industry", sa.String(length=10), nullable=True),
        sa.Column("size", sa.String(length=20), nullable=True),
        sa.Column("owner", sa.String(length=64), nullable=True),
        sa.Column("team", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("last_verified_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merged_into"], ["customer.id"], name=op.f("fk_customer_merged_into_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer")),
        sa.UniqueConstraint("customer_no", name=op.f("uq_customer_customer_no")),
    )
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_region_code"), ["region_code"], unique=False)
        batch_op.create_index("ix_customer_status_updated", ["status", "updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_team"), ["team"], unique=False)
        batch_op.create_index(
            "uq_customer_uscc_live",
            ["uscc"],
            unique=True,
            sqlite_where=sa.text("uscc IS NOT NULL AND status <> 'merged'"),
            postgresql_where=sa.text("uscc IS NOT NULL AND status <> 'merged'"),
        )

    op.create_table(
        "tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag")),
        sa.UniqueConstraint("name", name=op.f("uq_tag_name")),
    )
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_contact_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "customer_name",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=1000), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("folded", sa.String(length=1000), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_customer_name_customer_id_customer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_name")),
    )
    with op.batch_alter_table("customer_name", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_name_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_customer_name_folded"), ["folded"], unique=False)

    op.create_table(
        "customer_tag",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_customer_tag_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(["tag_id"], ["tag.id"], name=op.f("fk_customer_tag_tag_id_tag")),
        sa.PrimaryKeyConstraint("customer_id", "tag_id", name=op.f("pk_customer_tag")),
    )
    with op.batch_alter_table("customer_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_tag_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "match_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("side", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.String(length=1000), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"], name=op.f("fk_match_key_customer_id_customer")
        ),
        sa.ForeignKeyConstraint(
            ["name_id"], ["customer_name.id"], name=op.f("fk_match_key_name_id_customer_name")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_key")),
    )
    with op.batch_alter_table("match_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_key_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_match_key_rule_value", ["rule", "value"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("match_key", schema=None) as batch_op:
        batch_op.drop_index("ix_match_key_rule_value")
        batch_op.drop_index(batch_op.f("ix_match_key_customer_id"))

    op.drop_table("match_key")
    with op.batch_alter_table("customer_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_tag_tag_id"))

    op.drop_table("customer_tag")
    with op.batch_alter_table("customer_name", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_name_folded"))
        batch_op.drop_index(batch_op.f("ix_customer_name_customer_id"))

    op.drop_table("customer_name")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_customer_id"))

    op.drop_table("contact")
    op.drop_table("tag")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_customer_uscc_live",
            sqlite_where=sa.text("uscc IS NOT NULL AND status <> 'merged'"),
            postgresql_where=sa.text("uscc IS NOT NULL AND status <> 'merged'"),
        )
        batch_op.drop_index(batch_op.f("ix_customer_team"))
        batch_op.drop_index("ix_customer_status_updated")
        batch_op.drop_index(batch_op.f("ix_customer_region_code"))
        batch_op.drop_index(batch_op.f("ix_customer_owner"))
        batch_op.drop_index(batch_op.f("ix_customer_name_key"))

    op.drop_table("customer")
    op.drop_table("counter")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_entity_id"))

    op.drop_table("audit_log")
    op.drop_table("app_user")
