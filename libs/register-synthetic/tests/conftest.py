import pytest


@pytest.fixture
def register_db_url(databases) -> str:
    """The register's migrated test database (SQLAlchemy URL), for the demo seed to fill."""
    return databases.url("register", "register")
