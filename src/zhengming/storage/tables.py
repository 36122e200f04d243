"""The database schema, as SQLAlchemy Core tables (DESIGN.md §5).

Alembic migrations create and change these tables; a test checks that the migrations and this
module agree on both SQLite and PostgreSQL. Timestamps are naive UTC on both databases, so they
compare the same way everywhere.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

user = sa.Table(
    "app_user",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(100)),
    sa.Column("role", sa.String(20), nullable=False, server_default="sales"),
    sa.Column("scope", sa.String(10), nullable=False, server_default="own"),
    sa.Column("team", sa.String(64)),
    sa.Column("password_hash", sa.String(200)),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

customer = sa.Table(
    "customer",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_no", sa.String(40), nullable=False, unique=True),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("name", sa.String(1000), nullable=False),
    sa.Column("name_key", sa.String(1000), nullable=False, index=True),
    sa.Column("uscc", sa.String(18)),
    sa.Column("status", sa.String(10), nullable=False, server_default="active"),
    sa.Column("merged_into", sa.Integer, sa.ForeignKey("customer.id")),
    sa.Column("region_code", sa.String(6), index=True),
    sa.Column("trade_name", sa.String(200)),
    sa.Column("industry_words", sa.String(200)),
    sa.Column("legal_form", sa.String(50)),
    sa.Column("branch", sa.String(200)),
    sa.Column("type", sa.String(12), nullable=False, server_default="prospect"),
    sa.Column("industry", sa.String(10)),
    sa.Column("size", sa.String(20)),
    sa.Column("owner", sa.String(64), index=True),
    sa.Column("team", sa.String(64), index=True),
    sa.Column("source", sa.String(100)),
    sa.Column("last_verified_at", sa.DateTime),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(64)),
    sa.Column("extra", sa.JSON),
    # A USCC names one legal entity: one live customer per USCC (tombstones keep theirs).
    sa.Index(
        "uq_customer_uscc_live",
        "uscc",
        unique=True,
        sqlite_where=sa.text("uscc IS NOT NULL AND status <> 'merged'"),
        postgresql_where=sa.text("uscc IS NOT NULL AND status <> 'merged'"),
    ),
    sa.Index("ix_customer_status_updated", "status", "updated_at"),
)

customer_name = sa.Table(
    "customer_name",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id"), nullable=False, index=True),
    sa.Column("name", sa.String(1000), nullable=False),
    sa.Column("type", sa.String(10), nullable=False),
    # fold_for_key of the name: case, width, brackets and script folded, for prefix search.
    sa.Column("folded", sa.String(1000), nullable=False, index=True),
    sa.Column("valid_from", sa.Date),
    sa.Column("valid_to", sa.Date),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

#: The keys every name is found under, for the duplicate check, search and blocking alike.
#: ``side`` is the blocking side (0 both, 1 query, 2 target; see domain/matching/blocking.py).
match_key = sa.Table(
    "match_key",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id"), nullable=False, index=True),
    sa.Column("name_id", sa.Integer, sa.ForeignKey("customer_name.id")),
    sa.Column("rule", sa.String(20), nullable=False),
    sa.Column("side", sa.SmallInteger, nullable=False),
    sa.Column("value", sa.String(1000), nullable=False),
    sa.Index("ix_match_key_rule_value", "rule", "value"),
)

contact = sa.Table(
    "contact",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id"), nullable=False, index=True),
    sa.Column("name", sa.String(100)),
    sa.Column("phone", sa.String(40)),
    sa.Column("email", sa.String(320)),
    sa.Column("title", sa.String(100)),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

tag = sa.Table(
    "tag",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
)

customer_tag = sa.Table(
    "customer_tag",
    metadata,
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id"), primary_key=True),
    sa.Column("tag_id", sa.Integer, sa.ForeignKey("tag.id"), primary_key=True, index=True),
)

#: Append-only and hash-chained: each row's hash covers its content and the previous hash.
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("entity_type", sa.String(40), nullable=False),
    sa.Column("entity_id", sa.String(64), index=True),
    sa.Column("before", sa.JSON),
    sa.Column("after", sa.JSON),
    sa.Column("reason", sa.String(1000)),
    sa.Column("prev_hash", sa.String(64)),
    sa.Column("hash", sa.String(64), nullable=False),
)

#: Named counters (customer numbers), incremented inside the registering transaction.
counter = sa.Table(
    "counter",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

# --- duplicate management (issue 5) --------------------------------------------------------

#: Long work (scans, imports) with its progress; a scheduled scan and a manual one never overlap.
job = sa.Table(
    "job",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("params", sa.JSON),
    sa.Column("result", sa.JSON),
    sa.Column("error", sa.JSON),
    sa.Column("stage", sa.String(40)),
    sa.Column("done", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("total", sa.BigInteger),
    sa.Column("created_by", sa.String(64)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("started_at", sa.DateTime),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("heartbeat_at", sa.DateTime),
    sa.Index("ix_job_kind_status", "kind", "status"),
)

#: Customers a scan found to be one customer, reviewed together (DESIGN.md §5).
duplicate_cluster = sa.Table(
    "duplicate_cluster",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("probability", sa.Float, nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("job.id")),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("decided_by", sa.String(64)),
    sa.Column("decided_at", sa.DateTime),
    sa.Column("reason", sa.String(1000)),
    sa.Index("ix_duplicate_cluster_status_probability", "status", "probability"),
)

#: One scored pair of customers (``customer_a < customer_b``), with the evidence and the
#: review decision; the fingerprints remember what the records looked like when decided.
duplicate_pair = sa.Table(
    "duplicate_pair",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_a", sa.Integer, sa.ForeignKey("customer.id"), nullable=False),
    sa.Column("customer_b", sa.Integer, sa.ForeignKey("customer.id"), nullable=False, index=True),
    sa.Column("cluster_id", sa.Integer, sa.ForeignKey("duplicate_cluster.id"), index=True),
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    sa.Column("probability", sa.Float, nullable=False),
    sa.Column("decision", sa.String(10), nullable=False),
    sa.Column("evidence", sa.JSON),
    sa.Column("name_a", sa.String(1000)),
    sa.Column("name_b", sa.String(1000)),
    sa.Column("fingerprint_a", sa.String(32), nullable=False),
    sa.Column("fingerprint_b", sa.String(32), nullable=False),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("job.id")),
    sa.Column("found_at", sa.DateTime, nullable=False),
    sa.Column("seen_at", sa.DateTime, nullable=False),
    sa.Column("decided_by", sa.String(64)),
    sa.Column("decided_at", sa.DateTime),
    sa.Column("reason", sa.String(1000)),
    sa.UniqueConstraint("customer_a", "customer_b"),
    sa.Index("ix_duplicate_pair_status", "status"),
)

#: A merge with everything needed to undo it: the records as they were and what it changed.
merge_event = sa.Table(
    "merge_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("survivor_id", sa.Integer, sa.ForeignKey("customer.id"), nullable=False, index=True),
    sa.Column("merged_ids", sa.JSON, nullable=False),
    sa.Column("plan", sa.JSON, nullable=False),
    sa.Column("snapshot", sa.JSON, nullable=False),
    sa.Column("changes", sa.JSON, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("reason", sa.String(1000)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("undone_at", sa.DateTime),
    sa.Column("undone_by", sa.String(64)),
    sa.Column("undo_report", sa.JSON),
)

#: Related customers that stay separate: a branch and its head office, members of one group,
#: a company acquired by (or merged into) another.
customer_link = sa.Table(
    "customer_link",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id"), nullable=False, index=True),
    sa.Column("related_id", sa.Integer, sa.ForeignKey("customer.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("effective_date", sa.Date),
    sa.Column("note", sa.String(1000)),
    sa.Column("created_by", sa.String(64)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("ended_at", sa.DateTime),
)

# --- imports (issue 6) ----------------------------------------------------------------------

#: One imported file: how it was read (format, encoding, sheet, header mapping), the verdict
#: totals of its preview, and its run (mode, job, action totals) and revert.
import_batch = sa.Table(
    "import_batch",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("format", sa.String(10), nullable=False),
    sa.Column("encoding", sa.String(40)),
    sa.Column("sheet", sa.String(255)),
    sa.Column("header_row", sa.Integer),
    sa.Column("mapping", sa.JSON, nullable=False),
    sa.Column("row_count", sa.Integer, nullable=False),
    sa.Column("totals", sa.JSON, nullable=False),
    sa.Column("on_duplicate", sa.String(10)),
    sa.Column("reason", sa.String(1000)),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("job.id")),
    sa.Column("result", sa.JSON),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("started_at", sa.DateTime),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("reverted_by", sa.String(64)),
    sa.Column("reverted_at", sa.DateTime),
    sa.Column("revert_report", sa.JSON),
)

#: One data row of an imported file: the preview's verdict, and what the run did (``action``,
#: the customer it created or changed, and the changes a revert restores). A row with an
#: action is never applied again, which makes a run resumable.
import_row = sa.Table(
    "import_row",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("import_batch.id"), nullable=False),
    sa.Column("row_number", sa.Integer, nullable=False),
    sa.Column("verdict", sa.String(20), nullable=False),
    sa.Column("standard_name", sa.String(1000)),
    sa.Column("matched_customer_id", sa.Integer, sa.ForeignKey("customer.id")),
    sa.Column("duplicate_of_row", sa.Integer),
    sa.Column("decision", sa.String(10)),
    sa.Column("probability", sa.Float),
    sa.Column("evidence", sa.JSON),
    sa.Column("problems", sa.JSON),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("action", sa.String(10)),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customer.id")),
    sa.Column("changes", sa.JSON),
    sa.Column("error", sa.JSON),
    sa.Column("applied_at", sa.DateTime),
    sa.UniqueConstraint("batch_id", "row_number"),
)
