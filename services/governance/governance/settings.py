"""Settings of the governance service (env prefix ``GOVERNANCE_``, shared ``HOUSING_``)."""

from typing import ClassVar

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from common.settings import ServiceSettings


class GovernanceSettings(ServiceSettings):
    service_name: ClassVar[str] = "governance"
    database_name: ClassVar[str] = "governance"

    model_config = SettingsConfigDict(env_prefix="GOVERNANCE_")

    # Attachments and statements are PDFs of at most this size (the body limit leaves room).
    attachment_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_body_bytes: int = Field(default=20 * 1024 * 1024 + 64 * 1024, ge=1024)

    # The two days a year (MM-DD) the reminder round to municipalities falls due; a day that is
    # not a Danish working day moves to the next working day. Ministry practice: spring, autumn.
    reminder_days: tuple[str, str] = ("03-01", "09-01")
    # A round missed (worker down) is still sent up to this many days after its day.
    reminder_grace_days: int = Field(default=30, ge=0, le=180)
    # How often the worker checks whether a round is due.
    reminder_check_seconds: int = Field(default=3600, ge=1)

    @field_validator("reminder_days")
    @classmethod
    def _month_days(cls, days: tuple[str, str]) -> tuple[str, str]:
        for day in days:
            month, _, dom = day.partition("-")
            if not (month.isdigit() and dom.isdigit() and 1 <= int(month) <= 12):
                raise ValueError(f"reminder day {day!r} must be MM-DD")
            if not 1 <= int(dom) <= 28:
                raise ValueError(f"reminder day {day!r}: use a day 01-28 (every year has it)")
        if days[0] >= days[1]:
            raise ValueError("the two reminder days must be in calendar order")
        return days
