"""Batch executors: deduplicate whole tables (DuckDB embedded; same settings as real time)."""
