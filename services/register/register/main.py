"""The register service's web application."""

from fastapi import FastAPI

from common.app import create_service_app
from common.events.transport import EventBus
from register.settings import RegisterSettings

TITLE = "Rent register (huslejeregister)"
DESCRIPTION = "Every social dwelling and lease reported by the housing organisations, with history: rent as of a date, vacancy flags, allocation type."


def create_app(settings: RegisterSettings | None = None, *, bus: EventBus | None = None) -> FastAPI:
    return create_service_app(
        settings or RegisterSettings(),
        title=TITLE,
        description=DESCRIPTION,
        bus=bus,
    )
