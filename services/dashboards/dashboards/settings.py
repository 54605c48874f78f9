"""Settings of the dashboards service (env prefix ``DASHBOARDS_``, shared ``HOUSING_``)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class DashboardsSettings(ServiceSettings):
    service_name: ClassVar[str] = "dashboards"
    database_name: ClassVar[str] = "dashboards"

    model_config = SettingsConfigDict(env_prefix="DASHBOARDS_")

    live_poll_seconds: float = Field(
        default=0.5,
        gt=0,
        le=5,
        description="How often the web process reads the read model's revision besides the "
        "commit notification it LISTENs for (which tells it at once), to tell the open pages "
        "(Server-Sent Events) that figures changed.",
    )
    live_keepalive_seconds: float = Field(
        default=15.0, gt=0, description="A comment line on idle event streams this often."
    )
    dev_login: bool = Field(
        default=True,
        description="Offer /dashboards/login, which mints a dev token (as `housing token` does) "
        "into a cookie. Only ever active with env=dev and the dev signing key (no "
        "HOUSING_JWT_PUBLIC_KEY / _JWKS_URL); deployments sign in with the identity provider.",
    )
    metrics_urls: dict[str, str] = Field(
        default_factory=dict,
        description="Operations page: each service's /metrics URL to read its outbox lag, "
        'unpublished events and dead letters, e.g. {"register": "http://register:8000/'
        'register/metrics"}. Sent with HOUSING_METRICS_TOKEN as the bearer token.',
    )
