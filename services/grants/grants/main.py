"""The grants service's web application."""

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from common.app import create_service_app
from common.events.transport import EventBus
from grants.api import applications, frames, rent_support
from grants.settings import GrantsSettings

TITLE = "Grant cases (§ 91a)"
DESCRIPTION = "Prequalification applications, comprehensive plans and commitments for the social housing effort and rent support from Landsbyggefonden."


def create_app(
    settings: GrantsSettings | None = None,
    *,
    bus: EventBus | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """``clock`` gives "now" for the days the reads compute — what is overdue, a case's age
    (tests pass a controlled one; default: UTC now)."""
    app = create_service_app(
        settings or GrantsSettings(),
        title=TITLE,
        description=DESCRIPTION,
        routers=(applications.router, frames.router, rent_support.router),
        bus=bus,
    )
    app.state.clock = clock
    return app
