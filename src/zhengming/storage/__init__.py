"""SQLAlchemy 2 storage for SQLite and PostgreSQL; dialects.py holds every difference."""
