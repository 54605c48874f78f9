"""The `housing` command, run as a real subprocess against the real database and broker."""

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import time_machine
from alembic.script import ScriptDirectory
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from common.auth import Role, TokenVerifier
from common.db import migrations
from common.db.engine import Database
from common.db.tables import outbox
from common.db.uow import UnitOfWork
from common.events.envelope import Envelope
from common.events.transport import KafkaBus
from common.testing.fixtures import truncate_all_tables
from common.testing.kafka import create_topic
from housing import reminder_ops
from housing.services import SERVICES

HOUSING = Path(sys.executable).parent / "housing"
SERVICE_PREFIXES = tuple(f"{s.package.upper()}_" for s in SERVICES)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any platform or service setting, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HOUSING_", "KAFKA_", *SERVICE_PREFIXES))
    }
    env.update(extra)
    return env


def housing(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(HOUSING), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


async def run_housing(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(housing, *args, env=env)


@pytest.fixture
def base_env(tmp_path) -> dict[str, str]:
    return clean_env(HOUSING_DATA_DIR=str(tmp_path))


@pytest.fixture
async def register_db(databases) -> str:
    """The register service's migrated test database, emptied."""
    url = databases.url("register", "register")
    await asyncio.to_thread(truncate_all_tables, url)
    return url


@pytest.fixture
def register_env(register_db, tmp_path) -> dict[str, str]:
    return clean_env(
        REGISTER_DATABASE_URL=register_db, HOUSING_ENV="dev", HOUSING_DATA_DIR=str(tmp_path)
    )


def register_head() -> str | None:
    config = migrations.alembic_config("register", "postgresql://unused")
    return ScriptDirectory.from_config(config).get_current_head()


def an_event(topic: str = "register.test.v1", subject: str = "agg-1", n: int = 1) -> Envelope:
    return Envelope(
        type="register.test.happened",
        source="/housing/register",
        subject=subject,
        topic=topic,
        data={"n": n},
        correlation_id="corr-cli",
    )


async def published_at_of(url: str) -> list[object]:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            rows = await connection.execute(select(outbox.c.published_at).order_by(outbox.c.id))
            return [row.published_at for row in rows]
    finally:
        await database.dispose()


async def record_published_events(url: str, count: int) -> None:
    """``count`` events committed through a unit of work, then marked published by a relay."""
    database = Database(url)
    try:
        async with UnitOfWork(database) as uow:
            for n in range(count):
                uow.record_event(an_event(subject=f"agg-{n}", n=n))
            await uow.commit()
        async with database.engine.begin() as connection:
            await connection.execute(update(outbox).values(published_at=outbox.c.created_at))
    finally:
        await database.dispose()


HELP_CASES = [
    ((), ["run", "token", "migrate", "events", "examples:"]),
    (("run",), ["--host", "--port", "HOUSING_DATA_DIR"]),
    (("token",), ["--role", "--org", "--municipality", "--subject", "--ttl"]),
    (("migrate",), ["--service", "--revision", "all", "register"]),
    (("events",), ["replay", "redrive", "tail", "asyncapi"]),
    (("events", "replay"), ["--service", "--since"]),
    (("events", "redrive"), ["--service", "--consumer"]),
    (("events", "tail"), ["topic", "--from-beginning", "--limit"]),
    (("events", "asyncapi"), ["--output"]),
]


class TestHelp:
    @pytest.mark.parametrize(
        ("argv", "mentions"),
        HELP_CASES,
        ids=[" ".join(("housing", *argv)) for argv, _ in HELP_CASES],
    )
    def test_every_command_explains_its_options(self, base_env, argv, mentions):
        result = housing(*argv, "--help", env=base_env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"usage: housing {' '.join(argv)}".rstrip())
        for mention in mentions:
            assert mention in result.stdout

    def test_no_command_is_a_usage_error(self, base_env):
        result = housing(env=base_env)
        assert result.returncode == 2
        assert "usage: housing" in result.stderr

    @pytest.mark.parametrize("service", SERVICES, ids=[s.name for s in SERVICES])
    def test_every_worker_explains_what_it_runs_and_reads(self, base_env, service):
        """``--help`` answers without a database or broker, even with settings the worker
        would refuse (a production environment without its keys), and starts nothing."""
        prefix = service.settings_class().env_prefix()
        env = {**base_env, f"{prefix}ENV": "prod"}
        result = subprocess.run(
            [sys.executable, "-m", f"{service.package}.worker", "--help"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"usage: python -m {service.package}.worker")
        for consumer in service.consumers():
            assert f"{consumer.name}: {', '.join(consumer.topics)}" in result.stdout
        for setting in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_PREFIX"):
            assert f"{prefix}{setting} (default: " in result.stdout
        assert "worker.started" not in result.stdout + result.stderr

    def test_a_worker_takes_no_arguments(self, base_env):
        result = subprocess.run(
            [sys.executable, "-m", "grants.worker", "--once"],
            env=base_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2
        assert "unrecognized arguments: --once" in result.stderr


class TestToken:
    def test_an_unknown_role_exits_2_listing_the_roles(self, base_env):
        result = housing("token", "--role", "nope", env=base_env)
        assert result.returncode == 2
        assert "invalid choice: 'nope'" in result.stderr
        for role in Role:
            assert role.value in result.stderr
        assert result.stdout == ""

    async def test_minting_loads_neither_the_web_stack_nor_sqlalchemy(self, base_env, tmp_path):
        """`housing token` is a quick command: it needs the dev key and the settings, not the
        services (issue 12, item 16: it imported every service and took ~2 s)."""
        script = (
            "import sys, json; from housing.cli import main; main(sys.argv[1:]); "
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('fastapi', 'starlette', 'sqlalchemy', 'aiokafka', 'register', 'governance') "
            "and m != 'register.settings' and m != 'register'); "
            "print(json.dumps(heavy))"
        )
        argv = ["--role", "housing_org", "--org", "org-1", "--subject", "erp-7"]
        result = subprocess.run(
            [sys.executable, "-c", script, "token", *argv],
            env=base_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        token, loaded = result.stdout.strip().splitlines()
        assert json.loads(loaded) == []
        settings = SERVICES[0].settings(data_dir=tmp_path)
        principal = await TokenVerifier.from_settings(settings).verify(token)
        assert (principal.subject, principal.role, principal.organisation_ids) == (
            "erp-7",
            Role.HOUSING_ORG,
            frozenset({"org-1"}),
        )

    async def test_a_new_token_for_the_same_caller_keeps_its_subject(self, base_env, tmp_path):
        """Idempotency keys belong to the token's subject: a retry with a freshly minted dev
        token must be the same caller (it was a random subject per token), another
        organisation's token is not."""
        verifier = TokenVerifier.from_settings(SERVICES[0].settings(data_dir=tmp_path))

        async def subject(*args: str) -> str:
            result = await run_housing("token", "--role", "erp_client", *args, env=base_env)
            assert result.returncode == 0, result.stderr
            return (await verifier.verify(result.stdout.strip())).subject

        first = await subject("--org", "BO-1", "--org", "BO-2")
        retry = await subject("--org", "BO-2", "--org", "BO-1", "--ttl", "60")
        other = await subject("--org", "BO-3")
        assert first == retry == "dev:erp_client:BO-1+BO-2:"
        assert other == "dev:erp_client:BO-3:"
        assert await subject("--org", "BO-1", "--subject", "erp-7") == "erp-7"


class TestEventsTail:
    async def test_it_prints_each_event_as_a_cloudevents_json_line(self, infra, base_env):
        topic = f"cli.t{uuid.uuid4().hex[:10]}.v1"
        await create_topic(infra.kafka_bootstrap_servers, topic)
        envelopes = [an_event(topic, subject="lease-1", n=n) for n in range(3)]  # one partition
        bus = KafkaBus(infra.kafka_bootstrap_servers)
        try:
            await bus.send_batch(envelopes)
        finally:
            await bus.stop()

        result = await run_housing(
            "events",
            "tail",
            topic,
            "--from-beginning",
            "--limit",
            "2",
            env={**base_env, "HOUSING_KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers},
        )
        assert result.returncode == 0, result.stderr
        lines = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(lines) == 2
        partition = lines[0]["partition"]
        assert isinstance(partition, int)
        for offset, (line, envelope) in enumerate(zip(lines, envelopes[:2], strict=True)):
            assert line == {**envelope.to_structured(), "partition": partition, "offset": offset}
            assert line["specversion"] == "1.0"
            assert line["correlationid"] == "corr-cli"

    def test_without_a_broker_setting_it_says_what_to_set(self, base_env):
        result = housing("events", "tail", "register.lease.v1", env=base_env)
        assert result.returncode == 2
        assert "HOUSING_KAFKA_BOOTSTRAP_SERVERS" in result.stderr


class TestEventsReplay:
    async def test_it_requeues_the_events_recorded_since_a_time(self, register_db, register_env):
        await record_published_events(register_db, 2)
        assert None not in await published_at_of(register_db)

        result = await run_housing(
            "events",
            "replay",
            "--service",
            "register",
            "--since",
            "2000-01-01T00:00:00+00:00",
            env=register_env,
        )
        assert result.returncode == 0, result.stderr
        assert "register: 2 event(s) queued for republishing" in result.stderr
        assert await published_at_of(register_db) == [None, None]

    async def test_events_before_the_time_stay_published(self, register_db, register_env):
        await record_published_events(register_db, 2)
        result = await run_housing(
            "events",
            "replay",
            "--service",
            "register",
            "--since",
            "2999-01-01T00:00:00+00:00",
            env=register_env,
        )
        assert result.returncode == 0, result.stderr
        assert "register: 0 event(s) queued for republishing" in result.stderr
        assert None not in await published_at_of(register_db)

    async def test_a_time_without_a_zone_exits_2_and_changes_nothing(
        self, register_db, register_env
    ):
        await record_published_events(register_db, 2)
        result = await run_housing(
            "events",
            "replay",
            "--service",
            "register",
            "--since",
            "2000-01-01T00:00:00",
            env=register_env,
        )
        assert result.returncode == 2
        assert "--since needs a time zone" in result.stderr
        assert None not in await published_at_of(register_db)

    def test_a_time_that_is_not_iso_exits_2(self, register_env):
        result = housing(
            "events", "replay", "--service", "register", "--since", "yesterday", env=register_env
        )
        assert result.returncode == 2
        assert "--since" in result.stderr


class TestEventsRedrive:
    def test_a_service_without_consumers_exits_1_saying_so(self, register_env):
        # legal-cases consumes nothing (the register does now: the allocation answers)
        result = housing("events", "redrive", "--service", "legal-cases", env=register_env)
        assert result.returncode == 1
        assert "legal-cases has no consumer" in result.stderr

    def test_an_unknown_consumer_of_a_service_exits_1_saying_so(self, register_env):
        result = housing(
            "events", "redrive", "--service", "register", "--consumer", "nobody", env=register_env
        )
        assert result.returncode == 1
        assert "register has no consumer nobody" in result.stderr


class TestReminders:
    async def test_without_a_date_the_round_is_the_danish_day(
        self, databases, tmp_path, monkeypatch, capsys
    ):
        """At 23:30 UTC on New Year's Eve it is already 1 January in Denmark: the day a round
        is previewed for when no --date is given is the Danish one, not the server's UTC day."""
        governance_db = databases.url("governance", "governance")
        for key in [k for k in os.environ if k.startswith(("HOUSING_", *SERVICE_PREFIXES))]:
            monkeypatch.delenv(key)
        monkeypatch.setenv("GOVERNANCE_DATABASE_URL", governance_db)
        monkeypatch.setenv("HOUSING_ENV", "dev")
        monkeypatch.setenv("HOUSING_DATA_DIR", str(tmp_path))
        with time_machine.travel(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), tick=False):
            assert await reminder_ops.dispatch("preview", None) == 0
        assert "would be reminded on 2027-01-01" in capsys.readouterr().err


class TestMigrate:
    def test_it_brings_the_service_database_to_head(self, register_db, register_env):
        result = housing("migrate", "--service", "register", env=register_env)
        assert result.returncode == 0, result.stderr
        assert "register: migrated to head" in result.stderr
        assert migrations.current_revision("register", register_db) == register_head()

    def test_it_creates_and_migrates_a_database_that_does_not_exist_yet(
        self, infra, tmp_path, base_env
    ):
        name = f"cli_{infra.run_id}_{uuid.uuid4().hex[:6]}"
        url = (
            make_url(infra.admin_dsn)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
        try:
            result = housing(
                "migrate",
                "--service",
                "register",
                env={**base_env, "REGISTER_DATABASE_URL": url, "HOUSING_ENV": "dev"},
            )
            assert result.returncode == 0, result.stderr
            assert migrations.current_revision("register", url) == register_head()
            with psycopg.connect(
                make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
            ) as connection:
                tables = {
                    row[0]
                    for row in connection.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                }
            assert {"outbox", "inbox", "dead_letters", "idempotency_keys"} <= tables
        finally:
            with psycopg.connect(infra.admin_dsn, autocommit=True) as connection:
                connection.execute(
                    psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        psycopg.sql.Identifier(name)
                    )
                )
