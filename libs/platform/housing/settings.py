"""Settings of the `housing` command and the embedded single-process run (prefix ``HOUSING_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.settings import default_data_dir


class PlatformSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOUSING_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = Field(default_factory=default_data_dir)
    database_server_url: str | None = Field(
        default=None,
        description="A PostgreSQL server for all services; unset means the embedded server "
        "kept in the data folder.",
    )
    kafka_bootstrap_servers: str | None = Field(
        default=None, description="A Kafka broker; unset means the in-process transport."
    )
    kafka_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9._-]{0,100}$",
        description="The platform's prefix of Kafka topic and group names (see "
        "common.events.naming); `housing events tail` reads the prefixed topic.",
    )
    database_prefix: str = Field(
        default="",
        pattern=r"^[a-z0-9_]{0,40}$",
        description="Put before every service's database name on HOUSING_DATABASE_SERVER_URL, so "
        "two platforms (two test runs, two developers) can share one PostgreSQL server.",
    )
    log_json: bool = False
    mail_sink: bool = Field(
        default=True,
        description="Catch the notification service's e-mails in a local SMTP server that saves "
        "each message under <data folder>/mail/; false sends them to NOTIFICATIONS_SMTP_HOST.",
    )
    mail_sink_port: int = Field(
        default=0, ge=0, le=65535, description="Port of the mail catcher; 0 picks a free one."
    )
    demo_seed: bool = Field(
        default=True,
        description="On first start (an empty register), load a slice of the synthetic "
        "register through the register's bulk submission use case; false leaves it empty.",
    )
    demo_dwellings: int = Field(
        default=500,
        ge=1,
        le=100_000,
        description="Dwellings in the demo slice (500: about 15 s of start-up, once).",
    )
