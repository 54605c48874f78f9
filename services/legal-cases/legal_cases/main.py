"""The legal-cases service's web application."""

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from common.app import create_service_app
from common.events.transport import EventBus
from legal_cases.api import cases, members, owners, statistics
from legal_cases.settings import LegalCasesSettings

TITLE = "Rent tribunal cases (huslejenævn)"
DESCRIPTION = "Cases between private landlords and tenants before the rent tribunals: filing, replies, decisions, appeals."


def create_app(
    settings: LegalCasesSettings | None = None,
    *,
    bus: EventBus | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """``clock`` gives "now" for legal dates (tests pass a controlled one; default: UTC now)."""
    app = create_service_app(
        settings or LegalCasesSettings(),
        title=TITLE,
        description=DESCRIPTION,
        routers=[cases.router, owners.router, statistics.router, members.router],
        bus=bus,
    )
    app.state.clock = clock
    return app
