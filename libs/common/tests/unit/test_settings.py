"""Settings: per-service prefix over the platform prefix, validated, no dev secrets outside dev."""

import pytest
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from common.settings import Environment
from common.testing.example.app import ExampleSettings

SAFE = {
    "database_url": "postgresql+psycopg://example:s3cret@db:5432/example",
    "jwt_public_key": "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----",
    "jwt_issuer": "https://login.example.dk",
}


class TestPrecedence:
    def test_service_prefix_beats_platform_prefix(self, monkeypatch):
        monkeypatch.setenv("HOUSING_KAFKA_BOOTSTRAP_SERVERS", "shared:9092")
        monkeypatch.setenv("EXAMPLE_KAFKA_BOOTSTRAP_SERVERS", "own:9092")
        assert ExampleSettings().kafka_bootstrap_servers == "own:9092"

    def test_platform_prefix_applies_to_every_service(self, monkeypatch):
        monkeypatch.setenv("HOUSING_KAFKA_BOOTSTRAP_SERVERS", "shared:9092")
        monkeypatch.delenv("EXAMPLE_KAFKA_BOOTSTRAP_SERVERS", raising=False)
        assert ExampleSettings().kafka_bootstrap_servers == "shared:9092"

    def test_constructor_arguments_beat_the_environment(self, monkeypatch):
        monkeypatch.setenv("EXAMPLE_LOG_LEVEL", "DEBUG")
        assert ExampleSettings(log_level="WARNING").log_level == "WARNING"

    def test_database_url_defaults_to_the_services_own_database(self, monkeypatch):
        monkeypatch.setenv(
            "HOUSING_DATABASE_SERVER_URL", "postgresql+psycopg://u:p@db.internal:5433"
        )
        url = ExampleSettings().effective_database_url
        assert url == "postgresql+psycopg://u:p@db.internal:5433/example"

    def test_socket_server_url_keeps_its_query(self):
        settings = ExampleSettings(
            database_server_url="postgresql+psycopg://postgres:@/postgres?host=/run/pg"
        )
        url = make_url(settings.effective_database_url)
        assert (url.database, url.query["host"]) == ("example", "/run/pg")


class TestValidation:
    def test_rejects_an_unknown_environment(self):
        with pytest.raises(ValidationError, match="env"):
            ExampleSettings(env="staging")

    def test_rejects_a_non_numeric_body_limit(self, monkeypatch):
        monkeypatch.setenv("EXAMPLE_MAX_BODY_BYTES", "lots")
        with pytest.raises(ValidationError, match="max_body_bytes"):
            ExampleSettings()

    def test_rejects_a_tiny_body_limit(self):
        with pytest.raises(ValidationError):
            ExampleSettings(max_body_bytes=10)

    def test_settings_are_immutable(self):
        settings = ExampleSettings()
        with pytest.raises(ValidationError):
            settings.log_level = "DEBUG"


class TestDevDefaultsOutsideDev:
    def test_dev_mode_accepts_the_defaults(self):
        assert ExampleSettings(env=Environment.DEV).env is Environment.DEV

    @pytest.mark.parametrize("env", [Environment.TEST, Environment.PROD])
    def test_dev_database_password_is_refused(self, env):
        values = {**SAFE, "database_url": "postgresql+psycopg://housing:housing@db/example"}
        with pytest.raises(ValidationError, match="database password"):
            ExampleSettings(env=env, **values)

    def test_missing_token_key_is_refused_in_prod(self):
        values = {k: v for k, v in SAFE.items() if k != "jwt_public_key"}
        with pytest.raises(ValidationError, match="token verification key"):
            ExampleSettings(env=Environment.PROD, **values)

    def test_dev_issuer_is_refused_in_prod(self):
        values = {**SAFE, "jwt_issuer": "housing-dev"}
        with pytest.raises(ValidationError, match="dev issuer"):
            ExampleSettings(env=Environment.PROD, **values)

    def test_the_dev_metrics_token_is_refused_in_prod(self):
        with pytest.raises(ValidationError, match="HOUSING_METRICS_TOKEN"):
            ExampleSettings(env=Environment.PROD, **SAFE, metrics_token="dev-metrics-token")

    def test_a_blank_metrics_token_is_no_token(self, monkeypatch):
        monkeypatch.setenv("HOUSING_METRICS_TOKEN", "")
        assert ExampleSettings().metrics_token is None

    def test_real_secrets_are_accepted_in_prod(self):
        settings = ExampleSettings(env=Environment.PROD, **SAFE)
        assert settings.env is Environment.PROD


class TestCursorSigningKey:
    def test_a_set_secret_is_the_key(self):
        from common.settings import cursor_key

        settings = ExampleSettings(env=Environment.PROD, **SAFE, cursor_secret="rotate-me")
        assert settings.cursor_signing_key == cursor_key("rotate-me")

    def test_unset_it_comes_from_the_database_password_of_the_deployment(self):
        from common.settings import cursor_key

        ours = ExampleSettings(env=Environment.PROD, **SAFE)
        theirs = ExampleSettings(
            env=Environment.PROD,
            **{**SAFE, "database_url": "postgresql+psycopg://example:0ther@db:5432/example"},
        )
        assert ours.cursor_signing_key == cursor_key("s3cret")
        assert theirs.cursor_signing_key != ours.cursor_signing_key
