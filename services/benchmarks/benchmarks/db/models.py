"""Rows of the benchmarks service. Every table hangs off this service's own metadata."""

from sqlalchemy.orm import DeclarativeBase

from common.db import make_metadata


class Base(DeclarativeBase):
    metadata = make_metadata()
