"""Settings of the grants service (env prefix ``GRANTS_``, shared ``HOUSING_``)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class GrantsSettings(ServiceSettings):
    service_name: ClassVar[str] = "grants"
    database_name: ClassVar[str] = "grants"

    model_config = SettingsConfigDict(env_prefix="GRANTS_")

    # Attachments (project description, resident data, signed documents) are at most this size.
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_body_bytes: int = Field(default=20 * 1024 * 1024 + 64 * 1024, ge=1024)
    # How often the worker looks for statements that passed their deadline unreceived.
    overdue_check_seconds: int = Field(default=3600, ge=1)
