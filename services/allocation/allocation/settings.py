"""Settings of the allocation service (env prefix ``ALLOCATION_``, shared ``HOUSING_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class AllocationSettings(ServiceSettings):
    service_name: ClassVar[str] = "allocation"
    database_name: ClassVar[str] = "allocation"

    model_config = SettingsConfigDict(env_prefix="ALLOCATION_")
