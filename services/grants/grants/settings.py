"""Settings of the grants service (env prefix ``GRANTS_``, shared ``HOUSING_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class GrantsSettings(ServiceSettings):
    service_name: ClassVar[str] = "grants"
    database_name: ClassVar[str] = "grants"

    model_config = SettingsConfigDict(env_prefix="GRANTS_")
