"""Alembic helpers: every service migrates its own database from its own history.

A service keeps its history in ``<package>/db/migrations`` (env.py calls :func:`run_env`).
Tests and the embedded run build schemas by running these migrations, never ``create_all``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from alembic.operations import Operations
from sqlalchemy import MetaData, create_engine, pool

from common.db.engine import ensure_database_exists
from common.db.tables import platform_metadata


def migrations_dir(package: str) -> Path:
    return Path(str(resources.files(package))) / "db" / "migrations"


def alembic_config(package: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir(package)))
    # Alembic's ini interpolation treats % specially.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def upgrade(package: str, database_url: str, revision: str = "head") -> None:
    """Create the database if missing and migrate it to ``revision``."""
    ensure_database_exists(database_url)
    command.upgrade(alembic_config(package, database_url), revision)


def current_revision(package: str, database_url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(database_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def run_env(service_metadata: MetaData) -> None:
    """Body of every service's ``env.py``: online migrations over a synchronous psycopg engine."""
    url = context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("sqlalchemy.url is not configured")
    target = [service_metadata, platform_metadata]
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


def create_platform_tables(op: Operations) -> None:
    """Called from each service's first migration."""
    platform_metadata.create_all(op.get_bind(), checkfirst=False)


def drop_platform_tables(op: Operations) -> None:
    platform_metadata.drop_all(op.get_bind(), checkfirst=False)
