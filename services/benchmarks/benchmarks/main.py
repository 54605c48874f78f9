"""The benchmarks service's web application."""

from fastapi import FastAPI

from benchmarks.settings import BenchmarksSettings
from common.app import create_service_app
from common.events.transport import EventBus

TITLE = "Benchmark calculator"
DESCRIPTION = (
    "Key figures, comparable departments and critical values computed from other services' events."
)


def create_app(
    settings: BenchmarksSettings | None = None, *, bus: EventBus | None = None
) -> FastAPI:
    return create_service_app(
        settings or BenchmarksSettings(),
        title=TITLE,
        description=DESCRIPTION,
        bus=bus,
    )
