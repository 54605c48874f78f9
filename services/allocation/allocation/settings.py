"""Settings of the allocation service (env prefix ``ALLOCATION_``, shared ``HOUSING_``)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class AllocationSettings(ServiceSettings):
    service_name: ClassVar[str] = "allocation"
    database_name: ClassVar[str] = "allocation"

    model_config = SettingsConfigDict(env_prefix="ALLOCATION_")

    # How often the worker looks for offers whose answer deadline has passed.
    deadline_check_seconds: int = Field(default=900, ge=1)
