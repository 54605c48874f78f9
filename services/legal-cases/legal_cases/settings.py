"""Settings of the legal-cases service (env prefix ``LEGAL_CASES_``, shared ``HOUSING_``)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class LegalCasesSettings(ServiceSettings):
    service_name: ClassVar[str] = "legal-cases"
    database_name: ClassVar[str] = "legal_cases"

    model_config = SettingsConfigDict(env_prefix="LEGAL_CASES_")

    document_max_bytes: int = Field(
        default=700_000,
        ge=1,
        description="The largest document a case accepts, in bytes (sent base64 in JSON, so it "
        "must fit the request body limit, HOUSING_MAX_BODY_BYTES, after encoding).",
    )
    deadline_round_seconds: int = Field(
        default=300,
        ge=1,
        description="How often the worker lapses deadlines, makes decisions final and "
        "evaluates non-compliance reports.",
    )
