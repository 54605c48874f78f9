"""The legal-cases service's web application."""

from fastapi import FastAPI

from common.app import create_service_app
from common.events.transport import EventBus
from legal_cases.settings import LegalCasesSettings

TITLE = "Rent tribunal cases (huslejenævn)"
DESCRIPTION = "Cases between private landlords and tenants before the rent tribunals: filing, replies, decisions, appeals."


def create_app(
    settings: LegalCasesSettings | None = None, *, bus: EventBus | None = None
) -> FastAPI:
    return create_service_app(
        settings or LegalCasesSettings(),
        title=TITLE,
        description=DESCRIPTION,
        bus=bus,
    )
