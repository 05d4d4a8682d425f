"""Stores shared by the services (inference records, jobs): PostgreSQL in production, SQLite by default."""
