"""The governance service's web application."""

from fastapi import FastAPI

from common.app import create_service_app
from common.events.transport import EventBus
from governance.api import catalogue, documents, packages, reminders
from governance.settings import GovernanceSettings

TITLE = "Governance packages (styringsdialog)"
DESCRIPTION = (
    "Yearly documentation packages from housing organisations to their municipalities: the "
    "governance report and one department form per department with prefilled key figures, "
    "the accounts, attachments, sending to the home and location municipalities, the meeting "
    "and the statement, the change log, PDFs and statistics."
)
ROUTERS = (packages.router, documents.router, catalogue.router, reminders.router)


def create_app(
    settings: GovernanceSettings | None = None, *, bus: EventBus | None = None
) -> FastAPI:
    return create_service_app(
        settings or GovernanceSettings(),
        title=TITLE,
        description=DESCRIPTION,
        routers=ROUTERS,
        bus=bus,
    )
