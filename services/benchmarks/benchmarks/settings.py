"""Settings of the benchmarks service (env prefix ``BENCHMARKS_``, shared ``HOUSING_``).

Dict settings are JSON in the environment, e.g.
``BENCHMARKS_THRESHOLDS='{"rent_per_m2": {"mode": "relative", "yellow": "10", "red": "25"}}'``
(a figure left out keeps no threshold, hence no colour — give the whole map).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from benchmarks.domain.critical import Mode, Threshold
from benchmarks.domain.figures import ACCOUNTS_CODES, BY_CODE, CODES
from common.settings import ServiceSettings


class ThresholdSetting(BaseModel):
    model_config = ConfigDict(frozen=True)

    mode: Mode
    yellow: Decimal = Field(gt=0)
    red: Decimal = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdSetting:
        if self.yellow > self.red:
            raise ValueError("yellow must not exceed red")
        return self

    def to_domain(self) -> Threshold:
        return Threshold(self.mode, self.yellow, self.red)


def _relative(yellow: int, red: int) -> ThresholdSetting:
    return ThresholdSetting(mode=Mode.RELATIVE, yellow=Decimal(yellow), red=Decimal(red))


DEFAULT_THRESHOLDS: dict[str, ThresholdSetting] = {
    "administration_cost_per_dwelling": _relative(15, 30),
    "maintenance_per_m2": _relative(30, 50),
    "move_out_rate": _relative(25, 50),
    "operating_cost_per_m2": _relative(15, 30),
    "rent_per_m2": _relative(15, 30),
    "vacancy_loss_per_dwelling": _relative(50, 100),
    "vacancy_share": ThresholdSetting(mode=Mode.ABSOLUTE, yellow=Decimal(1), red=Decimal(3)),
}
DEFAULT_INDEX = Decimal("0.02")


class BenchmarksSettings(ServiceSettings):
    service_name: ClassVar[str] = "benchmarks"
    database_name: ClassVar[str] = "benchmarks"

    model_config = SettingsConfigDict(env_prefix="BENCHMARKS_")

    history_years: int = Field(
        default=5,
        ge=1,
        le=20,
        description="Years computed per department: the year of its latest register or "
        "accounts event and the ones before it.",
    )
    min_group_size: int = Field(
        default=5,
        ge=1,
        description="Departments with a value a comparable group needs before it is used; "
        "smaller groups are widened (see benchmarks.domain.groups.LEVELS).",
    )
    min_accounts_per_year: int = Field(
        default=50,
        ge=1,
        description="Departments with reported accounts a year needs nationally before its "
        "accounts benchmarks are used; otherwise the previous year's are indexed forward.",
    )
    max_index_years: int = Field(
        default=3, ge=1, le=10, description="How many years back an indexed benchmark may come."
    )
    accounts_index: dict[str, Decimal] = Field(
        default_factory=lambda: dict.fromkeys(ACCOUNTS_CODES, DEFAULT_INDEX),
        description="Yearly index per accounts figure (0.02 = +2 % a year, roughly the net "
        "price index), used to index a benchmark forward.",
    )
    thresholds: dict[str, ThresholdSetting] = Field(
        default_factory=lambda: dict(DEFAULT_THRESHOLDS),
        description="Critical-value thresholds per figure code.",
    )
    public_min_departments: int = Field(
        default=5,
        ge=1,
        description="Public aggregates over fewer departments than this are suppressed.",
    )
    settle_seconds: float = Field(
        default=1.0,
        ge=0,
        description="Within a burst, a department's figures are published once no event "
        "touched it for this long (the trailing edge of the debounce).",
    )
    burst_seconds: float = Field(
        default=30.0,
        ge=0,
        description="A department published less than this long ago waits for quiet "
        "(`settle_seconds`) before its next publication; one not published for this long is "
        "published as soon as it is recomputed — a lone change is not delayed, and a "
        "department touched without pause is still published this often.",
    )
    recompute_interval_seconds: float = Field(default=0.25, gt=0)
    publish_interval_seconds: float = Field(default=0.25, gt=0)
    recompute_batch: int = Field(default=500, ge=1, description="Departments per recompute.")

    @field_validator("thresholds", "accounts_index")
    @classmethod
    def _known_codes(cls, value: dict[str, object]) -> dict[str, object]:
        unknown = sorted(set(value) - set(CODES))
        if unknown:
            raise ValueError(f"unknown key figure code(s) {unknown}; known: {list(CODES)}")
        return value

    def threshold(self, code: str) -> Threshold | None:
        setting = self.thresholds.get(code)
        return None if setting is None else setting.to_domain()

    def index_for(self, code: str) -> Decimal:
        if code not in BY_CODE:
            raise KeyError(code)
        return self.accounts_index.get(code, DEFAULT_INDEX)
