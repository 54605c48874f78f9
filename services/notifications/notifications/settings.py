"""Settings of the notifications service (env prefix ``NOTIFICATIONS_``, shared ``HOUSING_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    service_name: ClassVar[str] = "notifications"
    database_name: ClassVar[str] = "notifications"

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_")
