"""The register service's web application."""

import gc

from fastapi import FastAPI

from common.app import create_service_app
from common.events.transport import EventBus
from common.worker import GC_THRESHOLDS
from register.api import history, records, reports, statistics, submissions, vacancy
from register.services import statistics as statistics_service
from register.settings import RegisterSettings

TITLE = "Rent register (huslejeregister)"
DESCRIPTION = (
    "Every social dwelling and lease reported by the housing organisations, with history: "
    "rent as of a date, vacancy flags, allocation type. Field names on the wire are the "
    "LBF webservice's Danish names."
)
ROUTERS = (
    records.router,
    submissions.router,
    history.router,
    reports.router,
    vacancy.router,
    statistics.router,
)


def create_app(settings: RegisterSettings | None = None, *, bus: EventBus | None = None) -> FastAPI:
    settings = settings or RegisterSettings()
    gc.set_threshold(*GC_THRESHOLDS)  # its bulk submissions: see there
    statistics_service.use_cube(settings.statistics_cube)
    return create_service_app(
        settings, title=TITLE, description=DESCRIPTION, routers=ROUTERS, bus=bus
    )
