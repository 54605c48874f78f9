"""The governance service's web application."""

from fastapi import FastAPI

from common.app import create_service_app
from common.events.transport import EventBus
from governance.settings import GovernanceSettings

TITLE = "Governance packages (styringsdialog)"
DESCRIPTION = "Yearly documentation packages from housing organisations to their municipalities."


def create_app(
    settings: GovernanceSettings | None = None, *, bus: EventBus | None = None
) -> FastAPI:
    return create_service_app(
        settings or GovernanceSettings(),
        title=TITLE,
        description=DESCRIPTION,
        bus=bus,
    )
