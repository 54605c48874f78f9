"""Settings of the register service (env prefix ``REGISTER_``, shared ``HOUSING_``)."""

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class RegisterSettings(ServiceSettings):
    service_name: ClassVar[str] = "register"
    database_name: ClassVar[str] = "register"

    model_config = SettingsConfigDict(env_prefix="REGISTER_")

    # A bulk submission carries up to 5,000 records or 10 MiB (the ERP webservice's limit).
    max_body_bytes: int = Field(default=10 * 1024 * 1024 + 64 * 1024, ge=1024)
    bulk_max_records: int = Field(default=5000, ge=1)
    # How often the worker records the municipality's allocation on leases reported after the
    # offer was accepted (register.services.municipal_allocations).
    municipal_allocation_seconds: float = Field(default=30.0, gt=0)
    # The public statistics and data sheets from the kept cube (register.db.statistics_cube);
    # false: every request runs the reference queries (register.db.queries_statistics), as
    # before issue 17 — for comparison (bench register-statistics) and as an escape hatch.
    statistics_cube: bool = True
