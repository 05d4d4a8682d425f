"""Database helpers every store builds on: PostgreSQL in production, SQLite by default."""
