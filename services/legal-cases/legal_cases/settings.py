"""Settings of the legal-cases service (env prefix ``LEGAL_CASES_``, shared ``HOUSING_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class LegalCasesSettings(ServiceSettings):
    service_name: ClassVar[str] = "legal-cases"
    database_name: ClassVar[str] = "legal_cases"

    model_config = SettingsConfigDict(env_prefix="LEGAL_CASES_")
