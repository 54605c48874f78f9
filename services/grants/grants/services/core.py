"""Building blocks the use cases share: the clock, loading a case the caller may see, the case
history, and the budget between its JSON form and the domain's :class:`Budget`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from common.access import Scope
from grants.db.models import ApplicationRow
from grants.db.repositories import ApplicationRepository
from grants.domain.budget import Budget, CostCategory, CostLine, IncomeLine, IncomeSource
from grants.domain.errors import ApplicationChangedError, ApplicationNotFoundError
from grants.domain.plan import Area, Goal, Milestone, PartialAgreement, Plan, SubGoal
from grants.domain.regulation_account import RegulationAccount

Clock = Callable[[], datetime]


def now() -> datetime:
    return datetime.now(UTC)


def not_found(application_id: str) -> ApplicationNotFoundError:
    return ApplicationNotFoundError(
        f"Application {application_id} was not found among the cases you may see."
    )


async def load(
    repo: ApplicationRepository, scope: Scope, application_id: str, *, lock: bool = False
) -> ApplicationRow:
    """The case if the caller may see it (404 otherwise, so its existence does not leak);
    ``lock`` takes the row lock that serialises the case's transitions and edits."""
    application = await repo.visible_application(scope, application_id, lock=lock)
    if application is None:
        raise not_found(application_id)
    return application


def check_version(application: ApplicationRow, expected: int | None) -> None:
    """409 when the caller's ``If-Match`` names another version than the case's current one."""
    if expected is not None and application.version != expected:
        raise ApplicationChangedError(
            f"Application {application.id} is at version {application.version}, not {expected}: "
            "someone changed it since you read it. Read it again and apply your change anew."
        )


async def record(
    repo: ApplicationRepository,
    application: ApplicationRow,
    scope: Scope | None,
    action: str,
    detail: str,
    data: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> None:
    """A line in the case's history (``scope`` None: the system), and a new version."""
    when = at or now()
    application.version += 1
    application.updated_at = when
    await repo.add_history(
        application.id,
        scope.subject if scope else "system",
        scope.role.value if scope else "system",
        action,
        detail,
        data,
        when,
    )


def budget_of(data: dict[str, Any] | None) -> Budget | None:
    if data is None:
        return None
    return Budget(
        years=int(data["years"]),
        income=tuple(
            IncomeLine(IncomeSource(line["source"]), Decimal(line["amount"]), line.get("text", ""))
            for line in data.get("income", [])
        ),
        costs=tuple(
            CostLine(
                CostCategory(line["category"]),
                Decimal(line["amount"]),
                line.get("text", ""),
                None if line.get("extra_cost") is None else Decimal(line["extra_cost"]),
            )
            for line in data.get("costs", [])
        ),
    )


def account_of(data: dict[str, Any] | None) -> RegulationAccount | None:
    if data is None:
        return None
    return RegulationAccount(
        opening_balance=Decimal(data["opening_balance"]),
        lbf_support=Decimal(data["lbf_support"]),
        co_financing=Decimal(data["co_financing"]),
        other_income=Decimal(data["other_income"]),
        interest=Decimal(data["interest"]),
        expenses={CostCategory(k): Decimal(v) for k, v in data["expenses"].items()},
        closing_balance=Decimal(data["closing_balance"]),
        deviation_explanation=data.get("deviation_explanation"),
    )


def account_json(account: RegulationAccount) -> dict[str, Any]:
    return {
        "opening_balance": str(account.opening_balance),
        "lbf_support": str(account.lbf_support),
        "co_financing": str(account.co_financing),
        "other_income": str(account.other_income),
        "interest": str(account.interest),
        "expenses": {k.value: str(v) for k, v in account.expenses.items()},
        "closing_balance": str(account.closing_balance),
        "deviation_explanation": account.deviation_explanation,
    }


def budget_json(budget: Budget) -> dict[str, Any]:
    return {
        "years": budget.years,
        "income": [
            {"source": line.source.value, "amount": str(line.amount), "text": line.text}
            for line in budget.income
        ],
        "costs": [
            {
                "category": line.category.value,
                "amount": str(line.amount),
                "text": line.text,
                "extra_cost": None if line.extra_cost is None else str(line.extra_cost),
            }
            for line in budget.costs
        ],
    }


def plan_of(data: dict[str, Any] | None) -> Plan | None:
    """The stored plan JSON (the API's ``PlanIn``, dumped) as the domain's :class:`Plan`."""
    if data is None:
        return None
    strategic = data.get("strategic_agreement") or {}
    goals = strategic.get("goals") or {}
    return Plan(
        goal_indicators={
            Goal(code): tuple(item.get("indicators") or ()) for code, item in goals.items()
        },
        organisation=strategic.get("organisation") or "",
        partial_agreements={
            Area(code): PartialAgreement(
                sub_goals=tuple(
                    SubGoal(s.get("text") or "", tuple(s.get("indicators") or ()))
                    for s in item.get("sub_goals") or ()
                ),
                activities=item.get("activities") or "",
                roles=item.get("roles") or "",
            )
            for code, item in (data.get("partial_agreements") or {}).items()
        },
        emergency_plan=data.get("emergency_plan") or "",
        milestones=tuple(
            Milestone(date.fromisoformat(m["due_on"]), m.get("text") or "")
            for m in data.get("milestones") or ()
        ),
    )
