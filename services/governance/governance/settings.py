"""Settings of the governance service (env prefix ``GOVERNANCE_``, shared ``HOUSING_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class GovernanceSettings(ServiceSettings):
    service_name: ClassVar[str] = "governance"
    database_name: ClassVar[str] = "governance"

    model_config = SettingsConfigDict(env_prefix="GOVERNANCE_")
