"""Governance benchmark: the year's packages for the synthetic national register, and the PDF
of its largest organisation.

The synthetic register (``register_synthetic``, seed 1, 640,000 dwellings: ~500 organisations
and their departments; 20,000 dwellings with ``--quick``) reaches a fresh governance database
the way it does in production: ``OrganisationUpsertedV1`` and ``DepartmentUpsertedV1`` through
the master-data consumer, then a ``KeyFiguresUpdatedV1`` per department (eight figures, 70 %
green, 20 % yellow, 10 % red, a fifth with indexed benchmarks) through the key-figure
consumer — each in batches of 500 per transaction, as the Kafka consumer applies a fetched
partition batch (timed: events/s), against a **baseline**: the master-data events through the
same inbox with a no-op handler (the platform's floor per event). Then, round after round:

* **opening the year**: ``generate_packages`` (the fund's ``POST /packages/generate``): one
  package per organisation, a report and one department form per department with its progress
  computed and its key figures prefilled, and a change-log line per package; committed.
* **baseline**: the same package and form rows (without progress, snapshot or log) by two
  ``INSERT … SELECT`` statements in PostgreSQL — the floor for writing that many rows.

Each round deletes the packages again. Then the year is opened once more and a second revision
of every department's figures goes through the key-figure consumer into the open packages (the
usual order: accounts come in through the packages, then the calculator's figures), each
prefilling its form (timed: events/s). Then the PDF of the organisation with the most
departments, every question answered: the data read (``package_document``: package, forms,
answers, accounts → HTML) and the WeasyPrint rendering are timed separately, against a
**baseline** one-page document rendered by WeasyPrint (its fixed cost).
"""

from __future__ import annotations

import asyncio
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from random import Random

import psycopg
from psycopg import sql as psql

from bench import _stats
from bench._setup import Infra, database_url
from common.access import Scope
from common.auth import Role
from common.db import migrations
from common.db.engine import Database, libpq_dsn
from common.db.uow import UnitOfWork
from common.events.consumer import Consumer, InboxProcessor
from common.events.contracts import (
    CriticalColour,
    DepartmentUpsertedV1,
    HousingType,
    KeyFigure,
    KeyFiguresUpdatedV1,
    OrganisationUpsertedV1,
    to_envelope,
)
from common.events.envelope import Envelope
from common.pdf import render_pdf
from governance.domain.catalogue import STANDARD_QUESTIONS
from governance.events.incoming import consumers
from governance.services.documents import package_document
from governance.services.forms import replace_catalogue
from governance.services.packages import generate_packages
from register_synthetic import SyntheticRegister

Progress = Callable[[str], None]
SEED = 1
YEAR = 2027
BATCH = 500
FIGURE_CODES = (
    "administration_per_dwelling",
    "maintenance_per_m2",
    "moves_share",
    "operating_cost_per_m2",
    "rent_per_m2",
    "tenant_complaints",
    "vacancy_days",
    "vacancy_loss_share",
)
FUND = Scope("bench-fund", Role.FUND, None, None)
BASELINE_SQL = (
    "INSERT INTO packages (id, organisation_id, year, status, version, home_municipality_code) "
    "SELECT 'pkg-' || %(year)s || '-' || o.id, o.id, %(year)s, 'ready', 1, "
    "o.home_municipality_code FROM organisations o "
    "WHERE EXISTS (SELECT 1 FROM departments d WHERE d.organisation_id = o.id)",
    "INSERT INTO forms (package_id, kind, key, municipality_code, status, answered, required, "
    "required_answered, comments) "
    "SELECT 'pkg-' || %(year)s || '-' || organisation_id, 'department', id, municipality_code, "
    "'ready', 0, 0, 0, '{}'::jsonb FROM departments "
    "UNION ALL SELECT p.id, 'report', 'report', NULL, 'ready', 0, 0, 0, '{}'::jsonb "
    "FROM packages p WHERE p.year = %(year)s",
)


@dataclass(frozen=True)
class Settings:
    dwellings: int
    rounds: int
    pdf_rounds: int


FULL = Settings(dwellings=640_000, rounds=3, pdf_rounds=3)
QUICK = Settings(dwellings=20_000, rounds=2, pdf_rounds=2)


@dataclass
class Result:
    settings: Settings
    organisations: int = 0
    departments: int = 0
    packages: int = 0
    forms: int = 0
    master_data_seconds: float = 0.0
    key_figures_seconds: float = 0.0
    inbox_only_seconds: float = 0.0
    prefill_seconds: float = 0.0
    generate: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    largest_organisation: str = ""
    largest_departments: int = 0
    pdf_pages: int = 0
    pdf_bytes: int = 0
    pdf_data: list[float] = field(default_factory=list)
    pdf_render: list[float] = field(default_factory=list)
    pdf_baseline: list[float] = field(default_factory=list)


def _figures(rng: Random) -> list[KeyFigure]:
    figures = []
    for code in FIGURE_CODES:
        draw = rng.random()
        colour = (
            CriticalColour.RED
            if draw < 0.1
            else CriticalColour.YELLOW
            if draw < 0.3
            else CriticalColour.GREEN
        )
        benchmark = Decimal(rng.randrange(100_00, 1000_00)) / 100
        value = (benchmark * Decimal(rng.uniform(0.6, 1.4))).quantize(Decimal("0.01"))
        figures.append(
            KeyFigure(
                code=code,
                value=value,
                unit="DKK/m²/år",
                benchmark=benchmark,
                benchmark_indexed=rng.random() < 0.2,
                colour=colour,
                reason=None if colour is CriticalColour.GREEN else "langt fra benchmark",
            )
        )
    return figures


def _envelopes(
    register: SyntheticRegister, progress: Progress
) -> tuple[list[Envelope], list[Envelope], dict[str, int]]:
    now = datetime.now(UTC)
    master = [
        to_envelope(
            OrganisationUpsertedV1(
                organisation_id=o.id,
                home_municipality_code=o.home_municipality_code,
                administered_by=o.administered_by,
                version=1,
                recorded_at=now,
            )
        )
        for o in register.organisations
    ]
    figures: list[Envelope] = []
    per_organisation: dict[str, int] = {}
    rng = Random(f"{SEED}/key-figures")
    for bundle in register.bundles():
        d = bundle.department
        per_organisation[d.organisation_id] = per_organisation.get(d.organisation_id, 0) + 1
        master.append(
            to_envelope(
                DepartmentUpsertedV1(
                    department_id=d.id,
                    organisation_id=d.organisation_id,
                    municipality_code=d.municipality_code,
                    region=d.region,
                    housing_type=HousingType(d.housing_type),
                    building_type=d.building_type,
                    construction_year=d.construction_year,
                    version=1,
                    recorded_at=now,
                )
            )
        )
        figures.append(
            to_envelope(
                KeyFiguresUpdatedV1(
                    department_id=d.id,
                    organisation_id=d.organisation_id,
                    municipality_code=d.municipality_code,
                    year=YEAR - 1,
                    revision=1,
                    figures=_figures(rng),
                    computed_at=now,
                )
            )
        )
    progress(f"governance-packages: {len(master)} master-data and {len(figures)} figure events")
    return master, figures, per_organisation


async def _no_op(_session: object, _envelope: Envelope) -> None:
    return None


async def _apply(database: Database, processor: InboxProcessor, envelopes: list[Envelope]) -> float:
    started = time.perf_counter()
    for i in range(0, len(envelopes), BATCH):
        batch = envelopes[i : i + BATCH]
        applied = await processor.apply_leading(batch)
        assert len(applied) == len(batch), "a handler failed"
    return time.perf_counter() - started


def _sql(url: str, statement: str, params: dict[str, object] | None = None) -> None:
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        connection.execute(statement, params)


def _baseline(url: str) -> None:
    with psycopg.connect(libpq_dsn(url)) as connection, connection.transaction():
        for statement in BASELINE_SQL:
            connection.execute(statement, {"year": YEAR})


def _count_where(url: str, table: str, condition: str) -> int:
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        row = connection.execute(
            psql.SQL("SELECT count(*) FROM {} WHERE {}").format(
                psql.Identifier(table), psql.SQL(condition)
            )
        ).fetchone()
    assert row is not None
    return int(row[0])


def _count(url: str, table: str) -> int:
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        row = connection.execute(
            psql.SQL("SELECT count(*) FROM {}").format(psql.Identifier(table))
        ).fetchone()
    assert row is not None
    return int(row[0])


async def _generate(database: Database) -> int:
    async with UnitOfWork(database) as uow:
        result = await generate_packages(uow.session, FUND, YEAR)
        await uow.commit()
    return len(result.created)


def _answer_everything(url: str, package_id: str) -> None:
    """Every question of the package answered (so the PDF is as long as it gets)."""
    with psycopg.connect(libpq_dsn(url), autocommit=True) as connection:
        connection.execute(
            "INSERT INTO answers (form_id, question_code, value, updated_by) "
            "SELECT f.id, q.code, CASE q.kind WHEN 'yes_no' THEN 'true'::jsonb "
            "WHEN 'choice' THEN q.options->0 WHEN 'number' THEN '\"3\"'::jsonb "
            "ELSE to_jsonb('Besvaret i forbindelse med benchmarkkørslen.'::text) END, 'bench' "
            "FROM forms f JOIN questions q ON q.form_kind = f.kind AND q.year = %s "
            "WHERE f.package_id = %s",
            (YEAR, package_id),
        )


async def _run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    result = Result(settings)
    name = f"bench_governance_{os.getpid()}"
    url = database_url(infra.admin_dsn, name)
    _sql(infra.admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await asyncio.to_thread(migrations.upgrade, "governance", url)
    database = Database(url, pool_size=2)
    try:
        register = SyntheticRegister(SEED, settings.dwellings)
        master, figures, per_organisation = _envelopes(register, progress)
        result.organisations = len(register.organisations)
        result.departments = len(figures)
        master_consumer, figures_consumer, _ = consumers()
        inbox_only = Consumer("bench.inbox-only", master_consumer.topics, _no_op)
        result.inbox_only_seconds = await _apply(
            database, InboxProcessor(database, inbox_only), master
        )
        result.master_data_seconds = await _apply(
            database, InboxProcessor(database, master_consumer), master
        )
        result.key_figures_seconds = await _apply(
            database, InboxProcessor(database, figures_consumer), figures
        )
        progress("governance-packages: master data and key figures applied")
        async with UnitOfWork(database) as uow:
            await replace_catalogue(uow.session, FUND, YEAR, STANDARD_QUESTIONS)
            await uow.commit()
        _sql(url, "ANALYZE")
        for round_ in range(settings.rounds):
            started = time.perf_counter()
            result.packages = await _generate(database)
            result.generate.append(time.perf_counter() - started)
            result.forms = _count(url, "forms")
            _sql(url, "DELETE FROM packages")
            started = time.perf_counter()
            _baseline(url)
            result.baseline.append(time.perf_counter() - started)
            _sql(url, "DELETE FROM packages")
            progress(f"governance-packages: round {round_ + 1}/{settings.rounds}")
        await _generate(database)
        # The usual order: the year is open, accounts come in, then the calculator's figures —
        # each event prefills its department's form in the open package.
        _sql(url, "UPDATE forms SET figures = NULL, figures_revision = NULL")
        second = [
            to_envelope(KeyFiguresUpdatedV1.from_envelope(e).model_copy(update={"revision": 2}))
            for e in figures
        ]
        result.prefill_seconds = await _apply(
            database, InboxProcessor(database, figures_consumer), second
        )
        prefilled = _count_where(url, "forms", "figures IS NOT NULL")
        assert prefilled == result.departments, f"{prefilled} forms prefilled"
        progress("governance-packages: forms prefilled through the consumer")
        largest, departments = max(per_organisation.items(), key=lambda item: item[1])
        result.largest_organisation, result.largest_departments = largest, departments
        package_id = f"pkg-{YEAR}-{largest}"
        _answer_everything(url, package_id)
        owner = Scope("bench-owner", Role.HOUSING_ORG, frozenset({largest}), None)
        trivial = "<html><body><p>Dokumentationspakke</p></body></html>"
        render_pdf(trivial)  # warm-up: loads Pango and the fonts
        import pypdf

        for _ in range(settings.pdf_rounds):
            started = time.perf_counter()
            async with UnitOfWork(database) as uow:
                document = await package_document(uow.session, owner, package_id, None)
            result.pdf_data.append(time.perf_counter() - started)
            started = time.perf_counter()
            pdf = render_pdf(document.html)
            result.pdf_render.append(time.perf_counter() - started)
            started = time.perf_counter()
            render_pdf(trivial)
            result.pdf_baseline.append(time.perf_counter() - started)
        result.pdf_bytes = len(pdf)
        result.pdf_pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    finally:
        await database.dispose()
        _sql(infra.admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return result


def run(infra: Infra, settings: Settings, progress: Progress) -> Result:
    return asyncio.run(_run(infra, settings, progress))


def _ms(values: list[float]) -> str:
    return f"{_stats.median(values) * 1000:,.0f} ms"


def report(result: Result, recorded: str) -> str:
    s = result.settings
    generate = _stats.median(result.generate)
    baseline = _stats.median(result.baseline)
    data = _stats.median(result.pdf_data)
    render = _stats.median(result.pdf_render)
    fixed = _stats.median(result.pdf_baseline)
    per_page = (render - fixed) / max(result.pdf_pages - 1, 1)
    master_events = result.organisations + result.departments
    return "\n".join(
        [
            f"Synthetic register, seed {SEED}, {s.dwellings:,} dwellings: "
            f"{result.organisations:,} organisations, {result.departments:,} departments. "
            f"Medians of {s.rounds} rounds (packages) and {s.pdf_rounds} (PDF).",
            "",
            "| step | time | rate |",
            "|---|---:|---:|",
            f"| master data through the consumer ({master_events:,} events, batches of {BATCH}) "
            f"| {result.master_data_seconds:,.1f} s "
            f"| {master_events / result.master_data_seconds:,.0f} events/s |",
            f"| baseline: the same master-data events through the inbox, no-op handler "
            f"| {result.inbox_only_seconds:,.1f} s "
            f"| {master_events / result.inbox_only_seconds:,.0f} events/s |",
            f"| key figures through the consumer, before the year is opened "
            f"({result.departments:,} events) | {result.key_figures_seconds:,.1f} s "
            f"| {result.departments / result.key_figures_seconds:,.0f} events/s |",
            f"| key figures through the consumer into the open packages (each prefills its "
            f"form) | {result.prefill_seconds:,.1f} s "
            f"| {result.departments / result.prefill_seconds:,.0f} events/s |",
            f"| **open the year**: `generate_packages` → {result.packages:,} packages, "
            f"{result.forms:,} forms, prefilled and logged | {_ms(result.generate)} "
            f"| {result.forms / generate:,.0f} forms/s |",
            f"| baseline: the same package and form rows by two `INSERT … SELECT` in one transaction "
            f"| {_ms(result.baseline)} | {result.forms / baseline:,.0f} forms/s |",
            f"| PDF of `{result.largest_organisation}` ({result.largest_departments} "
            f"departments, {result.pdf_pages} pages, {result.pdf_bytes / 1024:,.0f} KiB): "
            f"data and HTML | {_ms(result.pdf_data)} | |",
            f"| the same: WeasyPrint rendering | {_ms(result.pdf_render)} "
            f"| {per_page * 1000:,.0f} ms/page |",
            f"| baseline: a one-page document rendered by WeasyPrint | {_ms(result.pdf_baseline)} "
            "| |",
            "",
            f"Opening the year costs {generate / baseline:,.1f}× the bare row writes: the "
            "difference is reading the read model and the key figures into Python, computing "
            "each form's progress and sending the rows in chunks of 2,000. The PDF's cost is "
            f"the rendering ({render / (render + data):.0%} of it), which grows with the pages; "
            "it runs in a worker thread, so the service keeps answering meanwhile.",
            "",
            recorded,
        ]
    )
