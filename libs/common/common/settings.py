"""Settings shared by every service.

Each service subclasses :class:`ServiceSettings` with its own env prefix (``REGISTER_``, ...).
Values are read, in order of precedence, from constructor arguments, the service's own prefix and
the platform-wide ``HOUSING_`` prefix, so one ``HOUSING_KAFKA_BOOTSTRAP_SERVERS`` serves all seven
services while ``REGISTER_DATABASE_URL`` points one service at its own database.

This is the only module family that reads the environment (architecture convention 7).
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PLATFORM_ENV_PREFIX = "HOUSING_"
DEV_DATABASE_PASSWORD = "housing"
DEV_METRICS_TOKEN = "dev-metrics-token"  # docker-compose's default in dev mode
DEV_JWT_ISSUER = "housing-dev"


def cursor_key(secret: str) -> bytes:
    """The cursor HMAC key made from a secret (a label keeps it apart from other uses)."""
    return hashlib.sha256(b"housing-cursor-v1:" + secret.encode()).digest()


class Environment(StrEnum):
    DEV = "dev"
    TEST = "test"
    PROD = "prod"


def default_data_dir() -> Path:
    return Path.cwd() / ".housing-data"


class ServiceSettings(BaseSettings):
    """Validated settings of one service; subclasses set ``service_name`` and the env prefix."""

    service_name: ClassVar[str] = ""
    database_name: ClassVar[str] = ""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    env: Environment = Environment.DEV
    data_dir: Path = Field(default_factory=default_data_dir)

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of this service's own database; built from "
        "database_server_url + the service's database name when unset.",
    )
    database_server_url: str = (
        f"postgresql+psycopg://housing:{DEV_DATABASE_PASSWORD}@127.0.0.1:5432"
    )
    database_pool_size: int = Field(default=5, ge=1, le=100)

    kafka_bootstrap_servers: str | None = Field(
        default=None,
        description="Kafka bootstrap servers; unset means the in-process transport "
        "(embedded single-process run only).",
    )
    kafka_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9._-]{0,100}$",
        description="Put before every Kafka topic and consumer group name of this platform "
        "(e.g. 'staging.'), so several platforms can share one broker; empty: the catalogue's "
        "names as they are. Every service of a platform must use the same prefix.",
    )

    outbox_lanes: int = Field(
        default=0,
        ge=0,
        le=1024,
        description="0: every relay replica may publish any outbox row (per-key locks keep "
        "the order; replicas add availability, not throughput). A power of two: the outbox "
        "is split into that many lanes by a hash of the key and each replica publishes the "
        "lanes it owns, so replicas add throughput. All replicas must use the same value.",
    )
    outbox_publishers: int = Field(
        default=2,
        ge=1,
        le=16,
        description="With outbox_lanes: publishing loops per relay, each on its own lanes, so "
        "one loop's claim overlaps another's wait for Kafka's acknowledgements.",
    )

    jwt_public_key: str | None = Field(
        default=None,
        description="PEM public key for bearer JWTs; several PEM keys one after the other are "
        "all trusted (the old and the new one while the signing key is rotated)",
    )
    jwt_jwks_url: str | None = Field(default=None, description="JWKS endpoint for bearer JWTs")
    jwt_jwks_cache_seconds: float = Field(
        default=300.0,
        gt=0,
        le=86_400,
        description="How long keys from the JWKS endpoint are trusted before it is asked again: "
        "a key removed from it is refused at the latest this long after; a new kid is fetched "
        "at once (at most every 30 s, or this long if shorter)",
    )
    jwt_issuer: str = DEV_JWT_ISSUER
    jwt_audience: str = "housing"
    jwt_algorithms: tuple[str, ...] = ("ES256", "RS256")

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_json_depth: int = Field(default=32, ge=2, le=256)

    log_level: str = "INFO"
    log_json: bool = True
    otel_exporter_otlp_endpoint: str | None = None
    otel_traces_sample_ratio: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Share of requests traced (OpenTelemetry server spans; above 0, a caller's "
        "sampled trace context is always continued). Unset: every request when an OTLP endpoint "
        "is set, none without one (the spans would go nowhere). 0 takes tracing off the "
        "request path.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token Prometheus sends to scrape /metrics (its scrape config's "
        "`authorization.credentials`). Unset: /metrics answers only clients on this host.",
    )

    cursor_secret: SecretStr | None = Field(
        default=None,
        description="Key that signs pagination cursors (HMAC-SHA256), so a cursor the service "
        "did not issue is refused. Unset: derived from the password of this service's database, "
        "a per-deployment secret every replica shares (in dev: the dev password).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        platform_env = EnvSettingsSource(settings_cls, env_prefix=PLATFORM_ENV_PREFIX)
        return (init_settings, env_settings, platform_env, file_secret_settings)

    @field_validator("outbox_lanes")
    @classmethod
    def _lanes_are_a_power_of_two(cls, value: int) -> int:
        if value and (value < 2 or value & (value - 1)):
            raise ValueError("outbox_lanes must be 0 or a power of two from 2 to 1024")
        return value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _blank_metrics_token_is_none(cls, value: object) -> object:
        return None if value == "" else value  # an empty env entry must not be a token

    @model_validator(mode="after")
    def _refuse_dev_defaults_outside_dev(self) -> Self:
        if self.env is Environment.DEV:
            return self
        from sqlalchemy.engine import make_url  # imported here: `housing token` needs no SQLAlchemy

        problems = []
        url = make_url(self.effective_database_url)
        if url.password in (None, "", DEV_DATABASE_PASSWORD):
            problems.append(
                "the database password is empty or the dev default; set "
                f"{self.env_prefix()}DATABASE_URL with a real password"
            )
        if self.jwt_public_key is None and self.jwt_jwks_url is None:
            problems.append(
                "no token verification key; set HOUSING_JWT_PUBLIC_KEY or HOUSING_JWT_JWKS_URL "
                "(the dev signing key is only used in dev mode)"
            )
        if self.jwt_issuer == DEV_JWT_ISSUER:
            problems.append("HOUSING_JWT_ISSUER is left at the dev issuer")
        if self.metrics_token and self.metrics_token.get_secret_value() == DEV_METRICS_TOKEN:
            problems.append("HOUSING_METRICS_TOKEN is left at the dev default")
        if problems:
            raise ValueError(f"unsafe settings for env={self.env.value}: " + "; ".join(problems))
        return self

    @classmethod
    def env_prefix(cls) -> str:
        return str(cls.model_config.get("env_prefix", ""))

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        from sqlalchemy.engine import make_url

        server = make_url(self.database_server_url)
        return server.set(database=self.database_name).render_as_string(hide_password=False)

    @property
    def cursor_signing_key(self) -> bytes:
        """The HMAC key of this deployment's pagination cursors (see ``cursor_secret``)."""
        if self.cursor_secret is not None and self.cursor_secret.get_secret_value():
            secret = self.cursor_secret.get_secret_value()
        else:
            from sqlalchemy.engine import make_url

            secret = make_url(self.effective_database_url).password or DEV_DATABASE_PASSWORD
        return cursor_key(secret)

    @property
    def dev_signing_key_path(self) -> Path:
        return self.data_dir / "dev-signing-key.pem"
