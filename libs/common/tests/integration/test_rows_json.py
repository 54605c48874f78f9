"""``rows_json``: what PostgreSQL stores from the rows, read through ``json_populate_recordset``
as the consumers' fixed statements read them — the same as from the standard ``json`` encoder
it replaced (``default=str``), and the values given, on the real PostgreSQL test server."""

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from common.db.engine import driver_connection
from common.db.projection import rows_json
from common.events.contracts import HousingType

# the encoder rows_json used before session 24
_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)

_TABLE = """CREATE TEMP TABLE rows_json_test (
    at timestamptz, local_at timestamp, day date, amount numeric, money numeric(9, 2),
    ratio float8, n integer, big bigint, flag boolean, name text, ref uuid, doc jsonb,
    tags text[], counts integer[], span interval, clock time
)"""

COLUMNS = [
    "at",
    "local_at",
    "day",
    "amount",
    "money",
    "ratio",
    "n",
    "big",
    "flag",
    "name",
    "ref",
    "doc",
    "tags",
    "counts",
    "span",
    "clock",
]

_COPENHAGEN = ZoneInfo("Europe/Copenhagen")

# column → tricky values, each stored in a row of its own (the other columns NULL)
TRICKY: dict[str, list[Any]] = {
    "at": [
        datetime(2026, 12, 7, 9, 30, tzinfo=UTC),
        datetime(2026, 12, 7, 9, 30, 0, 123456, tzinfo=UTC),
        datetime(2026, 12, 7, 9, 30, 0, 1, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 30, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
        datetime(2026, 7, 1, 0, 0, 0, 999999, tzinfo=_COPENHAGEN),  # summer time, +02:00
        datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=_COPENHAGEN),  # the repeated hour
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 21, 59, 59, 999999, tzinfo=UTC),
        None,
    ],
    "local_at": [datetime(2026, 12, 7, 9, 30, 0, 5), datetime(2000, 2, 29)],
    "day": [date(2026, 12, 7), date(1, 1, 1), date(9999, 12, 31), date(2024, 2, 29)],
    "amount": [
        Decimal("1.50"),
        Decimal("0.000"),
        Decimal("-0"),
        Decimal("1E+2"),
        Decimal("1E-7"),
        Decimal("12345678901234567890.123456789012345678901234567890"),
        Decimal("-987654.3210"),
        Decimal("NaN"),
        7,
    ],
    "money": [Decimal("1.5"), Decimal("1234567.89"), Decimal("-0.01"), Decimal("2")],
    "ratio": [0.1, 1e16, 1e-300, -2.5, 1 / 3, 0.0, 3],
    "n": [0, -2147483648, 2147483647],
    "big": [2**62, -(2**63)],
    "flag": [True, False],
    "name": [
        "Ærø Boligselskab – Østergade 7, 1. th.",
        'quote " backslash \\ slash / tab \t newline \n',
        "emoji 🏠 and \u2028 line separator",
        "",
        HousingType.FAMILY,  # the contracts' StrEnum: its value
        "1.50",  # text that looks like a number stays text
    ],
    "ref": [uuid.UUID("0a8f1c3e-7b2d-4e5f-9a01-23456789abcd"), uuid.UUID(int=0)],
    "doc": [
        {"a": [1, 2.5, None, True], "ø": {"nested": "værdi"}},
        [],
        {},
        {"amount": Decimal("1.50"), "id": uuid.UUID(int=1), "type": HousingType.FAMILY},
        "just text",
    ],
    "tags": [["a", "b,c", 'd"e', "Å"], []],
    "counts": [[1, 2, 3], (4, 5)],
    "clock": [time(9, 30), time(23, 59, 59, 999999), time(0, 0, 0, 1)],
}


async def _stored(session, text: str) -> list[tuple[Any, ...]]:
    """Each row as PostgreSQL stores it from the JSON ``text``: the values and their text."""
    driver = await driver_connection(session)  # Decimal('NaN') != itself: compare the repr
    result = await driver.execute(
        "SELECT r.*, r::text FROM json_populate_recordset(NULL::rows_json_test,"
        " CAST(%(rows)s AS json)) r",
        {"rows": text},
    )
    return await result.fetchall()


def _rows(column: str, values: list[Any]) -> list[dict[str, Any]]:
    return [{column: value} for value in values]


@pytest.fixture
async def session(example_db):
    async with example_db.session() as session, session.begin():
        driver = await driver_connection(session)
        await driver.execute(_TABLE)
        await driver.execute("SET LOCAL TimeZone = 'Europe/Copenhagen'")
        yield session


@pytest.mark.parametrize("column", TRICKY)
async def test_postgresql_stores_the_same_as_from_the_json_encoder(session, column):
    rows = _rows(column, TRICKY[column])
    stored = await _stored(session, rows_json(rows))
    assert repr(stored) == repr(await _stored(session, _JSON.encode(rows)))


@pytest.mark.parametrize("column", TRICKY)
async def test_postgresql_reads_back_the_values_given(session, column):
    """The values read back are those given (a StrEnum its value, a tuple a list, a bool 1 or
    0, an int in a numeric or float column the same number)."""
    stored = await _stored(session, rows_json(_rows(column, TRICKY[column])))
    index = COLUMNS.index(column)
    read = [row[index] for row in stored]
    expected = [list(v) if isinstance(v, tuple) else v for v in TRICKY[column]]
    if column == "doc":  # jsonb: decimals and timestamps in it are their text, as ever
        expected[3] = {
            "amount": "1.50",
            "id": "00000000-0000-0000-0000-000000000001",
            "type": HousingType.FAMILY.value,
        }
    if column == "amount":  # Decimal('NaN') != itself
        assert read[7].is_nan()
        read[7] = expected[7] = None
    assert read == expected
    # numeric keeps the scale given: trailing zeros and all
    if column == "amount":
        texts = [row[-1] for row in stored]
        assert texts[0] == "(,,,1.50,,,,,,,,,,,,)"
        assert texts[1] == "(,,,0.000,,,,,,,,,,,,)"


async def test_a_row_of_every_column_at_once(session):
    """The caller's shape: many rows with a value in every column."""
    rows = [
        {column: values[i % len(values)] for column, values in TRICKY.items()} for i in range(9)
    ]
    stored = await _stored(session, rows_json(rows))
    assert repr(stored) == repr(await _stored(session, _JSON.encode(rows)))


class Colour(Enum):
    RED = 1


async def test_values_the_json_encoder_wrote_wrongly_are_read_back_as_given(session):
    """Since session 24: a float NaN or infinity is the text float8 reads (``json`` wrote a bare
    ``NaN``, which PostgreSQL refuses as JSON), and an enum that is not a ``str`` is its value
    (``json``'s ``default=str`` wrote ``Colour.RED``). No caller passes either."""
    rows = [
        {"ratio": float("nan")},
        {"ratio": float("inf")},
        {"ratio": float("-inf"), "amount": Decimal("-Infinity")},
        {"n": Colour.RED},
    ]
    stored = await _stored(session, rows_json(rows))
    ratio, amount, n = (COLUMNS.index(c) for c in ("ratio", "amount", "n"))
    assert stored[0][ratio] != stored[0][ratio]  # NaN
    assert [row[ratio] for row in stored[1:3]] == [float("inf"), float("-inf")]
    assert stored[2][amount] == Decimal("-Infinity")
    assert stored[3][n] == 1


async def test_what_differs_from_the_json_encoder(session):
    """What no caller passes, and differs: a timedelta is its seconds (exact to the microsecond
    within 270 years; ``json`` wrote ``str()``, "1 day, 0:00:05", which interval read as a day
    and 5 s, ISO 8601's "P100Y" would be months and "-PT1S" an error), so interval holds
    hours; a timestamp inside a jsonb value is ISO 8601 text (``json``: ``str()``)."""
    spans = [timedelta(days=1, seconds=5, microseconds=7), timedelta(days=-3, microseconds=1)]
    spans += [timedelta(0), timedelta(days=36500, microseconds=1)]
    at = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    rows = [*_rows("span", spans), {"doc": {"at": at}}]
    stored = await _stored(session, rows_json(rows))
    span, doc = COLUMNS.index("span"), COLUMNS.index("doc")
    assert [row[span] for row in stored[:4]] == spans
    assert [row[-1] for row in stored[:2]] == [
        "(,,,,,,,,,,,,,,24:00:05.000007,)",
        "(,,,,,,,,,,,,,,-71:59:59.999999,)",
    ]
    assert stored[4][doc] == {"at": "2026-12-07T09:30:00Z"}
