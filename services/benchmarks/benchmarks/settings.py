"""Settings of the benchmarks service (env prefix ``BENCHMARKS_``, shared ``HOUSING_``)."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class BenchmarksSettings(ServiceSettings):
    service_name: ClassVar[str] = "benchmarks"
    database_name: ClassVar[str] = "benchmarks"

    model_config = SettingsConfigDict(env_prefix="BENCHMARKS_")
