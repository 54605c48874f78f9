"""Database plumbing shared by every service: engine, declarative base, unit of work, migrations."""

from common.db.base import NAMING_CONVENTION, make_metadata
from common.db.engine import Database
from common.db.uow import UnitOfWork

__all__ = ["NAMING_CONVENTION", "Database", "UnitOfWork", "make_metadata"]
