"""The benchmarks service's web application."""

from fastapi import FastAPI

from benchmarks.api import figures
from benchmarks.settings import BenchmarksSettings
from common.app import create_service_app
from common.events.transport import EventBus

TITLE = "Benchmark calculator"
DESCRIPTION = (
    "Key figures (nøgletal) per department, organisation, municipality and year, computed only "
    "from the rent register's and governance's events; benchmarks against comparable "
    "departments (the fund's rent model: same construction period, building type, region, "
    "housing type and dwelling size), municipal and national averages, and critical values "
    "(yellow / red) with their reasons. Definitions: GET /benchmarks/v1/public/catalogue."
)
ROUTERS = (figures.router, figures.public)


def create_app(
    settings: BenchmarksSettings | None = None, *, bus: EventBus | None = None
) -> FastAPI:
    return create_service_app(
        settings or BenchmarksSettings(),
        title=TITLE,
        description=DESCRIPTION,
        routers=ROUTERS,
        bus=bus,
    )
