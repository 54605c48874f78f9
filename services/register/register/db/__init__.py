"""Rows, repositories and this service's Alembic history."""
