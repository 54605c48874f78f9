"""The embedded run's start-up shortcuts (`housing.embedded_database`): the migration heads read
from the revision files agree with Alembic's, a database is "at head" exactly when an upgrade
would do nothing, and the embedded server started early is the one the run uses."""

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from common.db import migrations
from common.db.engine import libpq_dsn
from housing.embedded_database import (
    at_migration_head,
    database_revisions,
    migration_heads,
)
from housing.services import SERVICES

PACKAGES = [entry.package for entry in SERVICES] + ["common.testing.example"]


def alembic_heads(package: str) -> frozenset[str]:
    config = migrations.alembic_config(package, "postgresql+psycopg://unused/unused")
    return frozenset(ScriptDirectory.from_config(config).get_heads())


@pytest.mark.parametrize("package", PACKAGES)
def test_the_heads_read_from_the_files_are_alembics(package):
    heads = migration_heads(package)
    assert heads is not None
    assert heads == alembic_heads(package)
    assert len(heads) == 1  # every history is linear today


def test_a_revision_file_that_does_not_read_plainly_leaves_the_decision_to_alembic(
    tmp_path, monkeypatch
):
    package = tmp_path / "odd_service"
    versions = package / "db" / "migrations" / "versions"
    versions.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (versions / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (versions / "0002_b.py").write_text('revision = "0002"\ndown_revision = "0001"\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    assert migration_heads("odd_service") == frozenset({"0002"})
    (versions / "0003_merge.py").write_text(
        'revision = "0003"\ndown_revision = (\n    "0002",\n    "0001",\n)\n'
    )
    assert migration_heads("odd_service") is None
    (versions / "0003_merge.py").write_text('revision = "0003"\ndown_revision = ("0002", "x")\n')
    assert migration_heads("odd_service") == frozenset({"0003"})
    (versions / "0004_computed.py").write_text('revision = "0004"\ndown_revision = PREVIOUS\n')
    assert migration_heads("odd_service") is None


def test_a_database_is_at_head_only_when_an_upgrade_would_do_nothing(infra):
    name = f"e2e_{infra.run_id}_at_head"
    url = (
        make_url(infra.admin_dsn)
        .set(drivername="postgresql+psycopg", database=name)
        .render_as_string(hide_password=False)
    )
    package = "common.testing.example"
    try:
        assert database_revisions(libpq_dsn(url)) is None  # no such database yet
        assert not at_migration_head(package, libpq_dsn(url))
        migrations.upgrade(package, url)
        assert database_revisions(libpq_dsn(url)) == alembic_heads(package)
        assert at_migration_head(package, libpq_dsn(url))
        with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
            connection.execute("UPDATE alembic_version SET version_num = 'older'")
            assert database_revisions(libpq_dsn(url)) == frozenset({"older"})
            assert not at_migration_head(package, libpq_dsn(url))
            connection.execute("DELETE FROM alembic_version")  # as after a downgrade to base
            assert database_revisions(libpq_dsn(url)) == frozenset()
            assert not at_migration_head(package, libpq_dsn(url))
    finally:
        with psycopg.connect(infra.admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
