"""The allocation service's web application."""

from fastapi import FastAPI

from allocation.settings import AllocationSettings
from common.app import create_service_app
from common.events.transport import EventBus

TITLE = "Allocation (anvisning)"
DESCRIPTION = "Municipal allocation rights, vacancy notices and rent subsidies for particularly cheap dwellings."


def create_app(
    settings: AllocationSettings | None = None, *, bus: EventBus | None = None
) -> FastAPI:
    return create_service_app(
        settings or AllocationSettings(),
        title=TITLE,
        description=DESCRIPTION,
        bus=bus,
    )
