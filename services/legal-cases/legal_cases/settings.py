"""Settings of the legal-cases service (env prefix ``LEGAL_CASES_``, shared ``HOUSING_``)."""

from decimal import Decimal
from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings
from legal_cases.domain.fees import NET_PRICE_INDEX, FeeTable


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
    net_price_index: dict[int, Decimal] = Field(
        default_factory=dict,
        description="Net price index figures (12 months to June of the key year, 2015 = 100) "
        'added to or overriding the service\'s table, e.g. \'{"2027": "124.1"}\' — so next '
        "year's fees can be set without a release (§ 100).",
    )
    fee_index_carry_forward: bool = Field(
        default=False,
        description="When the net price index figure a year's fees need is not known: false "
        "refuses the filing (422 fee-index-missing); true computes the fee from the latest "
        "known figure and marks it provisional on the case and in the letters (§ 100). The "
        "embedded run (make run) sets it; a production tribunal adds the published figure.",
    )
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server (relay) for the letters this service writes to persons "
        "(tenants) itself; unset: letters stay queued (pending) on the case.",
    )
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_use_tls: bool = Field(default=False, description="Implicit TLS (SMTPS, port 465).")
    smtp_start_tls: bool = Field(default=False, description="STARTTLS after connecting.")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    smtp_retry_base_seconds: float = Field(
        default=60.0, gt=0, description="Backoff after the first temporary failure (doubles)."
    )
    mail_from: str = Field(
        default="Huslejenævnet <huslejenaevn@housing.invalid>",
        description="The From header of the letters to persons.",
    )
    message_id_domain: str = Field(
        default="legal-cases.housing.invalid",
        pattern=r"^[A-Za-z0-9.-]+$",
        description="Right-hand side of the letters' deterministic Message-ID.",
    )
    person_mail_seconds: int = Field(
        default=30, ge=1, description="How often the worker sends due letters to persons."
    )
    deadline_round_seconds: int = Field(
        default=300,
        ge=1,
        description="How often the worker lapses deadlines, makes decisions final and "
        "evaluates non-compliance reports.",
    )

    def fee_index(self) -> dict[int, Decimal]:
        """The service's index table with this deployment's additions."""
        return {**NET_PRICE_INDEX, **self.net_price_index}

    def fee_table(self) -> FeeTable:
        """How this deployment computes fees: its index table and the carry-forward choice."""
        return FeeTable(self.fee_index(), carry_forward=self.fee_index_carry_forward)
