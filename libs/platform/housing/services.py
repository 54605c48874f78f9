"""The catalogue of services the platform runs, in one place."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from common.settings import ServiceSettings

if TYPE_CHECKING:  # not imported at run time: `housing token` must not load the web stack
    from fastapi import FastAPI

    from common.db.engine import Database
    from common.events.consumer import Consumer
    from common.events.transport import EventBus
    from common.worker import PeriodicJob


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    name: str  # URL prefix, directory and CLI name
    package: str  # Python package

    def _module(self, suffix: str) -> ModuleType:
        return importlib.import_module(f"{self.package}.{suffix}")

    def settings_class(self) -> type[ServiceSettings]:
        module = self._module("settings")
        classes = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, ServiceSettings)
            and value is not ServiceSettings
        ]
        return classes[0]

    def settings(self, **overrides: Any) -> ServiceSettings:
        return self.settings_class()(**overrides)

    def create_app(self, settings: ServiceSettings, bus: EventBus | None = None) -> FastAPI:
        app: FastAPI = self._module("main").create_app(settings, bus=bus)
        return app

    def consumers(self) -> tuple[Consumer, ...]:
        consumers: tuple[Consumer, ...] = self._module("worker").CONSUMERS
        return consumers

    def jobs(self, database: Database, settings: ServiceSettings) -> list[PeriodicJob]:
        """The service's own scheduled jobs: its worker module's ``jobs(database, settings)``,
        if it has one (the worker and the embedded run schedule the same jobs)."""
        make_jobs = getattr(self._module("worker"), "jobs", None)
        return [] if make_jobs is None else list(make_jobs(database, settings))

    def rebuild(self) -> Callable[[Database], Awaitable[None]] | None:
        """The worker module's ``rebuild(database)``, if the service has a read model that
        ``housing events replay`` rebuilds (it empties it before the producers replay)."""
        hook: Callable[[Database], Awaitable[None]] | None = getattr(
            self._module("worker"), "rebuild", None
        )
        return hook

    def consumed_topics(self) -> set[str]:
        return {topic for consumer in self.consumers() for topic in consumer.topics}


SERVICES: tuple[ServiceEntry, ...] = (
    ServiceEntry("register", "register"),
    ServiceEntry("grants", "grants"),
    ServiceEntry("governance", "governance"),
    ServiceEntry("allocation", "allocation"),
    ServiceEntry("legal-cases", "legal_cases"),
    ServiceEntry("benchmarks", "benchmarks"),
    ServiceEntry("notifications", "notifications"),
    ServiceEntry("dashboards", "dashboards"),
)

SERVICE_NAMES = tuple(s.name for s in SERVICES)


def service(name: str) -> ServiceEntry:
    for entry in SERVICES:
        if entry.name == name:
            return entry
    raise KeyError(f"unknown service {name!r}; choose one of: {', '.join(SERVICE_NAMES)}")
