"""Every service's Alembic history against the real PostgreSQL test server.

For the seven services and the example test-bed: the history upgrades a fresh database to its
one head, the result is exactly what the models describe (service tables plus the platform
tables), it downgrades to nothing, and it upgrades again. File names and constraint names follow
the conventions, so histories stay readable and constraint names stay stable.
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, Text, create_engine, pool
from sqlalchemy.engine import make_url

from common.db import migrations
from common.db.tables import platform_metadata
from housing.services import SERVICES

if TYPE_CHECKING:
    from common.testing.fixtures import TestInfra

EXAMPLE = "common.testing.example"
PACKAGES = [*(entry.package for entry in SERVICES), EXAMPLE]
DATE_PREFIXED = re.compile(r"^(?P<date>\d{8})_(?P<rest>\w+)\.py$")


def service_metadata(package: str) -> MetaData:
    models = importlib.import_module(f"{package}.db.models")
    metadata: MetaData = models.metadata if package == EXAMPLE else models.Base.metadata
    return metadata


def script_directory(package: str) -> ScriptDirectory:
    return ScriptDirectory.from_config(migrations.alembic_config(package, "postgresql://unused"))


def head_of(package: str) -> str:
    head = script_directory(package).get_current_head()
    assert head is not None
    return head


def schema_differences(url: str, metadata: list[MetaData]) -> list[Any]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as connection:
        return list(connection.execute(sql))


def public_tables(url: str) -> set[str]:
    return {
        row[0] for row in query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    }


def downgrade_to_base(package: str, url: str) -> None:
    command.downgrade(migrations.alembic_config(package, url), "base")


@pytest.fixture
def fresh_database(infra: TestInfra) -> Iterator[str]:
    """A new, empty database on the test server (SQLAlchemy URL), dropped afterwards."""
    name = f"migrations_{infra.run_id}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(infra.admin_dsn, autocommit=True) as connection:
        connection.execute(
            psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name))
        )
    try:
        yield (
            make_url(infra.admin_dsn)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(infra.admin_dsn, autocommit=True) as connection:
            connection.execute(
                psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    psycopg.sql.Identifier(name)
                )
            )


@pytest.mark.parametrize("package", PACKAGES)
class TestMigrationHistory:
    def test_upgrade_reaches_the_one_head(self, package: str, fresh_database: str):
        assert len(script_directory(package).get_heads()) == 1
        migrations.upgrade(package, fresh_database)
        assert migrations.current_revision(package, fresh_database) == head_of(package)

    def test_the_upgraded_schema_matches_the_models_exactly(
        self, package: str, fresh_database: str
    ):
        migrations.upgrade(package, fresh_database)
        differences = schema_differences(
            fresh_database, [service_metadata(package), platform_metadata]
        )
        assert differences == []

    def test_downgrade_to_base_leaves_nothing_but_alembic_version(
        self, package: str, fresh_database: str
    ):
        migrations.upgrade(package, fresh_database)
        assert "outbox" in public_tables(fresh_database)
        downgrade_to_base(package, fresh_database)
        assert public_tables(fresh_database) == {"alembic_version"}
        assert query(fresh_database, "SELECT version_num FROM alembic_version") == []
        assert (
            query(
                fresh_database, "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"
            )
            == []
        )
        user_types = query(
            fresh_database,
            "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')",
        )
        assert user_types == []

    def test_upgrading_again_after_a_downgrade_rebuilds_the_same_schema(
        self, package: str, fresh_database: str
    ):
        migrations.upgrade(package, fresh_database)
        downgrade_to_base(package, fresh_database)
        migrations.upgrade(package, fresh_database)
        assert migrations.current_revision(package, fresh_database) == head_of(package)
        assert (
            schema_differences(fresh_database, [service_metadata(package), platform_metadata]) == []
        )

    def test_constraint_and_index_names_follow_the_naming_convention(
        self, package: str, fresh_database: str
    ):
        migrations.upgrade(package, fresh_database)
        constraints = query(
            fresh_database,
            """
            SELECT cls.relname, con.conname, con.contype,
                   (SELECT attname FROM pg_attribute
                    WHERE attrelid = con.conrelid AND attnum = con.conkey[1]),
                   ref.relname
            FROM pg_constraint con
            JOIN pg_class cls ON cls.oid = con.conrelid
            JOIN pg_namespace ns ON ns.oid = cls.relnamespace
            LEFT JOIN pg_class ref ON ref.oid = con.confrelid
            WHERE ns.nspname = 'public' AND cls.relname <> 'alembic_version'
              AND con.contype <> 'n'
            """,
        )
        assert ("outbox", "pk_outbox", "p", "id", None) in constraints
        wrong = []
        for table, name, kind, first_column, referred in constraints:
            expected = {
                "p": f"pk_{table}",
                "u": f"uq_{table}_{first_column}",
                "f": f"fk_{table}_{first_column}_{referred}",
            }.get(kind)
            ok = name.startswith(f"ck_{table}_") if kind == "c" else name == expected
            if not ok:
                wrong.append((table, name, kind, expected or f"ck_{table}_..."))
        assert wrong == []

        indexes = query(
            fresh_database,
            """
            SELECT i.tablename, i.indexname FROM pg_indexes i
            WHERE i.schemaname = 'public' AND i.tablename <> 'alembic_version'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conname = i.indexname)
            """,
        )
        assert [(t, n) for t, n in indexes if not n.startswith(f"ix_{t}_")] == []


@pytest.mark.parametrize("package", PACKAGES)
class TestMigrationFiles:
    def test_every_migration_file_is_named_date_rev_slug(self, package: str):
        versions = migrations.migrations_dir(package) / "versions"
        files = sorted(p.name for p in versions.glob("*.py"))
        assert files, f"no migrations in {versions}"
        by_path = {
            Path(script.path).name: script.revision
            for script in script_directory(package).walk_revisions()
        }
        assert sorted(by_path) == files
        for name in files:
            match = DATE_PREFIXED.match(name)
            assert match, f"{name} is not named YYYYMMDD_<rev>_<slug>.py"
            datetime.strptime(match["date"], "%Y%m%d")  # a real date
            assert match["rest"].startswith(f"{by_path[name]}_"), name


class TestTheChecksThemselves:
    """The comparison and the naming check would notice a model without a migration."""

    def test_a_model_change_without_a_migration_shows_as_a_difference(self, fresh_database: str):
        migrations.upgrade(EXAMPLE, fresh_database)
        drifted = MetaData(naming_convention=service_metadata(EXAMPLE).naming_convention)
        for table in service_metadata(EXAMPLE).tables.values():
            copied = table.to_metadata(drifted)
            if table.name == "things":
                copied.append_column(Column("colour", Text))
        differences = schema_differences(fresh_database, [drifted, platform_metadata])
        assert [(d[0], d[3].name) for d in differences] == [("add_column", "colour")]

    def test_a_table_missing_from_the_models_shows_as_a_difference(self, fresh_database: str):
        migrations.upgrade(EXAMPLE, fresh_database)
        differences = schema_differences(fresh_database, [platform_metadata])
        assert sorted(d[1].name for d in differences if d[0] == "remove_table") == [
            "applied_events",
            "things",
        ]
