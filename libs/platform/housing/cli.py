"""`housing`: run the platform, mint dev tokens, migrate, and operate the event backbone."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import date, datetime

from common.settings import Environment
from common.tokens import DevSigningKey, Role
from housing.services import SERVICE_NAMES, SERVICES, service
from housing.settings import PlatformSettings

EPILOG = """\
examples:
  housing run                                   every service on http://127.0.0.1:8000
  housing token --role housing_org --org 1234   a dev token for one housing organisation
  housing migrate --service all                 bring every service database up to date
  housing events tail register.lease.v1         watch events as they are published
  housing reminders preview --date 2027-03-01   what a reminder round would send
  housing events replay --service register --since 2026-11-01T00:00:00+00:00
  housing events replay --service dashboards --since 2026-11-01T00:00:00+00:00   (rebuild)
  housing events redrive --service benchmarks   apply dead-lettered events again
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="housing",
        description="Administration platform for Danish social housing (almene boliger).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run every service in one process (embedded PostgreSQL, in-process events)",
        description="Serve all services on one port. Settings come from HOUSING_* variables: "
        "HOUSING_PORT, HOUSING_DATA_DIR, HOUSING_DATABASE_SERVER_URL (a real PostgreSQL instead "
        "of the embedded one), HOUSING_KAFKA_BOOTSTRAP_SERVERS (Kafka instead of in-process).",
    )
    run.add_argument("--host", help="address to bind (default 127.0.0.1)")
    run.add_argument("--port", type=int, help="port (default $HOUSING_PORT or 8000)")

    token = commands.add_parser(
        "token",
        help="print a bearer token signed with the embedded run's dev key",
        description="Mint a dev JWT. Only the embedded/dev run accepts it: deployed services "
        "verify tokens with the identity provider's public key.",
    )
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument(
        "--org", action="append", default=[], metavar="ID", help="organisation id (repeatable)"
    )
    token.add_argument("--municipality", metavar="CODE", help="municipality code, e.g. 101")
    token.add_argument(
        "--subject",
        help="token subject, the caller's identity (default: the same for the same role, "
        "organisations and municipality, so a retry with a new token is the same caller)",
    )
    token.add_argument("--ttl", type=int, default=8 * 3600, help="lifetime in seconds")

    migrate = commands.add_parser("migrate", help="run a service's Alembic migrations")
    migrate.add_argument("--service", required=True, choices=[*SERVICE_NAMES, "all"])
    migrate.add_argument("--revision", default="head")

    reminders = commands.add_parser(
        "reminders",
        help="the twice-yearly reminder rounds to municipalities (governance)",
        description="See the schedule, preview what a round would send, or hold a round now "
        "(once per round date), against the same databases as `housing run`.",
    )
    reminders.add_argument("action", choices=["schedule", "preview", "run"])
    reminders.add_argument(
        "--date", type=date.fromisoformat, help="round date, YYYY-MM-DD (default: today)"
    )

    events = commands.add_parser("events", help="operate the event backbone")
    event_commands = events.add_subparsers(dest="events_command", required=True, metavar="ACTION")
    replay = event_commands.add_parser(
        "replay",
        help="publish a service's outbox rows again (kept 7 days); for a read model fed "
        "only by events (dashboards): empty it and have its producers publish again",
    )
    replay.add_argument("--service", required=True, choices=SERVICE_NAMES)
    replay.add_argument(
        "--since", required=True, type=datetime.fromisoformat, help="ISO timestamp with zone"
    )
    redrive = event_commands.add_parser("redrive", help="apply dead-lettered events again")
    redrive.add_argument("--service", required=True, choices=SERVICE_NAMES)
    redrive.add_argument("--consumer", help="only this consumer (default: all of the service)")
    tail = event_commands.add_parser("tail", help="print events on a topic as they arrive")
    tail.add_argument("topic")
    tail.add_argument("--from-beginning", action="store_true")
    tail.add_argument("--limit", type=int, help="stop after this many events")
    asyncapi = event_commands.add_parser("asyncapi", help="write the AsyncAPI document")
    asyncapi.add_argument("--output", default="docs/events/asyncapi.json")
    return parser


def dev_subject(role: Role, organisation_ids: Sequence[str], municipality: str | None) -> str:
    """A dev token's default subject: stable per caller, as an identity provider's ``sub`` is
    for one client. Idempotency keys belong to the subject, so two tokens minted for the same
    caller replay each other's keyed requests."""
    organisations = "+".join(sorted(set(organisation_ids)))
    return f"dev:{role.value}:{organisations}:{municipality or ''}"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    platform = PlatformSettings()
    if args.command == "run":
        from housing.embedded_database import start_embedded_postgres_early

        overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
        platform = platform.model_copy(update=overrides)
        # the embedded PostgreSQL starts (cold: initdb) while the services' modules are imported
        database = (
            None
            if platform.database_server_url
            else start_embedded_postgres_early(platform.data_dir)
        )
        from housing.embedded import serve

        serve(platform, database)
        return 0
    if args.command == "token":
        settings = SERVICES[0].settings(env=Environment.DEV, data_dir=platform.data_dir)
        key = DevSigningKey.load_or_create(settings.dev_signing_key_path)
        print(
            key.mint(
                role=Role(args.role),
                organisation_ids=args.org,
                municipality_code=args.municipality,
                subject=args.subject or dev_subject(Role(args.role), args.org, args.municipality),
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                ttl_seconds=args.ttl,
            )
        )
        return 0
    if args.command == "migrate":
        from common.db import migrations
        from housing.embedded import command_settings

        targets = SERVICES if args.service == "all" else (service(args.service),)
        for entry in targets:
            with command_settings(entry, platform) as settings:
                migrations.upgrade(entry.package, settings.effective_database_url, args.revision)
            print(f"{entry.name}: migrated to {args.revision}", file=sys.stderr)
        return 0
    if args.command == "reminders":
        from housing import reminder_ops

        return asyncio.run(reminder_ops.dispatch(args.action, args.date))
    if args.command == "events":
        from housing import event_ops

        return asyncio.run(event_ops.dispatch(args))
    return 2


if __name__ == "__main__":
    sys.exit(main())
