"""Settings of the notifications service (env prefix ``NOTIFICATIONS_``, shared ``HOUSING_``).

SMTP: ``NOTIFICATIONS_SMTP_HOST`` / ``_PORT`` (the compose file points them at Mailpit on
``mailcatcher:1025``), optional credentials and TLS. The sender's timing (lease, backoff, cap,
attempts) is here too, so tests and operations can tune it without code.
"""

from typing import ClassVar, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    service_name: ClassVar[str] = "notifications"
    database_name: ClassVar[str] = "notifications"

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_")

    smtp_host: str = Field(default="127.0.0.1", description="SMTP server (relay) host.")
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_use_tls: bool = Field(default=False, description="Implicit TLS (SMTPS, port 465).")
    smtp_start_tls: bool = Field(default=False, description="STARTTLS after connecting.")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)

    mail_from: str = Field(
        default="Almen boligadministration <noreply@housing.invalid>",
        description="The From header of every message.",
    )
    message_id_domain: str = Field(
        default="notifications.housing.invalid",
        pattern=r"^[A-Za-z0-9.-]+$",
        description="Right-hand side of the deterministic Message-ID <key@domain>.",
    )
    sent_probe_url: str | None = Field(
        default=None,
        description="Base URL of a Mailpit-compatible API (e.g. http://mailcatcher:8025) asked "
        "whether a message whose sending was interrupted was accepted; unset: such a message is "
        "sent again with the same Message-ID.",
    )

    sender_batch_size: int = Field(default=50, ge=1, le=1000)
    sender_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    sender_window_seconds: float = Field(
        default=5.0, gt=0, le=600, description="How long one run of the sender job drains."
    )
    sender_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="A delivery left in 'sending' longer than this is taken to be interrupted.",
    )
    retry_base_seconds: float = Field(default=30.0, gt=0)
    retry_cap_seconds: float = Field(default=3600.0, gt=0)
    max_attempts: int = Field(
        default=12, ge=1, le=100, description="Attempts before a temporary failure is given up."
    )

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> Self:
        if self.sender_lease_seconds <= self.smtp_timeout_seconds:
            raise ValueError(
                "NOTIFICATIONS_SENDER_LEASE_SECONDS must be longer than "
                "NOTIFICATIONS_SMTP_TIMEOUT_SECONDS, or a slow send could be taken over and "
                "sent twice"
            )
        if self.retry_cap_seconds < self.retry_base_seconds:
            raise ValueError("NOTIFICATIONS_RETRY_CAP_SECONDS must be >= _RETRY_BASE_SECONDS")
        return self
