"""The dashboards service's web application: pages under /dashboards/, their figures as JSON
under /dashboards/v1/, live updates at /dashboards/live."""

from contextlib import AsyncExitStack

from fastapi import FastAPI

from common.app import create_service_app
from common.events.transport import EventBus
from dashboards.api import figures, live, login, pages
from dashboards.api.login import dev_login_active
from dashboards.services.live import RevisionWatcher
from dashboards.settings import DashboardsSettings

TITLE = "Internal dashboards"
DESCRIPTION = (
    "Live pages for the people who run the sector (in Danish, under /dashboards/): the rent "
    "register, governance and operations. The read model is fed only by the platform's events; "
    "the figures of each page are also served here as JSON, and each table as CSV or Excel."
)
PREFIX = "/dashboards"


async def _start_watcher(app: FastAPI, stack: AsyncExitStack) -> None:
    settings: DashboardsSettings = app.state.settings
    watcher = RevisionWatcher(app.state.database, settings.live_poll_seconds)
    await watcher.start()
    stack.push_async_callback(watcher.stop)
    app.state.watcher = watcher


def create_app(
    settings: DashboardsSettings | None = None, *, bus: EventBus | None = None
) -> FastAPI:
    settings = settings or DashboardsSettings()
    app = create_service_app(
        settings,
        title=TITLE,
        description=DESCRIPTION,
        routers=(figures.api,),
        bus=bus,
        on_startup=(_start_watcher,),
    )
    app.state.dev_login = dev_login_active(settings)
    for router in (pages.router, figures.downloads, live.router, login.router):
        app.include_router(router, prefix=PREFIX)
    return app
