"""Settings of the register service (env prefix ``REGISTER_``, shared ``HOUSING_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class RegisterSettings(ServiceSettings):
    service_name: ClassVar[str] = "register"
    database_name: ClassVar[str] = "register"

    model_config = SettingsConfigDict(env_prefix="REGISTER_")
