from sqlalchemy import Column, Integer, Table, Text

from common.db import make_metadata

metadata = make_metadata()

things = Table(
    "things",
    metadata,
    Column("id", Text, primary_key=True),
    Column("organisation_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("version", Integer, nullable=False),
)
