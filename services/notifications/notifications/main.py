"""The notifications service's web application."""

from fastapi import FastAPI

from common.app import create_service_app
from common.events.transport import EventBus
from notifications.api import deliveries, recipients
from notifications.settings import NotificationsSettings

TITLE = "Notifications"
DESCRIPTION = "E-mails to people that follow the platform's domain events, sent exactly once."


def create_app(
    settings: NotificationsSettings | None = None, *, bus: EventBus | None = None
) -> FastAPI:
    return create_service_app(
        settings or NotificationsSettings(),
        title=TITLE,
        description=DESCRIPTION,
        routers=(recipients.router, deliveries.router),
        bus=bus,
    )
