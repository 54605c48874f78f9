"""The register service's web application."""

import gc

from fastapi import FastAPI

from common.app import create_service_app
from common.events.transport import EventBus
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

# The cyclic garbage collector's thresholds in the service's process. A bulk submission of
# 5,000 records allocates hundreds of thousands of container objects (parsed JSON, models, planned rows,
# results) that live until its answer is sent; at the default generation-0 threshold (700) the
# collector runs every few records and its older generations traverse everything alive: a
# quarter of the submission's CPU (measured, bench register-bulk). Reference counting frees
# almost all of it anyway; cycles are still collected, just in larger steps.
GC_THRESHOLDS = (20_000, 10, 10)


def create_app(settings: RegisterSettings | None = None, *, bus: EventBus | None = None) -> FastAPI:
    settings = settings or RegisterSettings()
    gc.set_threshold(*GC_THRESHOLDS)
    statistics_service.use_cube(settings.statistics_cube)
    return create_service_app(
        settings, title=TITLE, description=DESCRIPTION, routers=ROUTERS, bus=bus
    )
