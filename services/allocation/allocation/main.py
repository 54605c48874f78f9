"""The allocation service's web application."""

from fastapi import FastAPI

from allocation.api import agreements, duty, offers, private, subsidies
from allocation.settings import AllocationSettings
from common.app import create_service_app
from common.events.transport import EventBus

TITLE = "Allocation (anvisning)"
DESCRIPTION = (
    "Municipal allocation rights to social housing (allocation agreements and offers), rent "
    "subsidies for particularly cheap dwellings, and allocation rights in private rentals "
    "(agreements, vacancy notices, the 7-weekday answer deadline)."
)
ROUTERS = (agreements.router, offers.router, subsidies.router, private.router, duty.router)


def create_app(
    settings: AllocationSettings | None = None, *, bus: EventBus | None = None
) -> FastAPI:
    return create_service_app(
        settings or AllocationSettings(),
        title=TITLE,
        description=DESCRIPTION,
        routers=ROUTERS,
        bus=bus,
    )
