"""Dependencies and mappings shared by the grants routers."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Request
from sqlalchemy import Row

from common.access import Scope, scope_dependency
from common.calendar import danish_date
from common.errors import FieldError
from common.money import to_dkk
from grants.api.schemas import (
    ApplicationListItem,
    ApplicationOut,
    AttachmentOut,
    FormOut,
    PaymentOut,
    ProblemItem,
    RecommendationOut,
    RegulationAccountOut,
    StatementOut,
    TransferOut,
    YearlyStatusOut,
)
from grants.db.models import ApplicationRow, AttachmentRow
from grants.domain.deadlines import (
    Statement,
    case_age_days,
    overdue_years,
    past_expected_processing,
    review_due_from,
    status_due,
)
from grants.domain.forms import missing_fields
from grants.domain.lifecycle import AWAITING_FUND, Status
from grants.services.applications import ApplicationView, case_age
from grants.services.followup import reporting
from grants.services.roles import READER_ROLES
from grants.settings import GrantsSettings

# Every route with a token: the caller's scope, or 403 for a role without a part in grants
# (narrower actions check the role in the use case).
GrantsScope = Annotated[Scope, Depends(scope_dependency(READER_ROLES, "use grant cases"))]

ApplicationIdPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
]
DepartmentIdPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
]


IfMatch = Annotated[
    str | None,
    Header(max_length=40, description='W/"<version>" from the case\'s ETag (optional).'),
]


def settings_of(request: Request) -> GrantsSettings:
    settings = request.app.state.settings
    assert isinstance(settings, GrantsSettings)
    return settings


SettingsDep = Annotated[GrantsSettings, Depends(settings_of)]


def problems(errors: list[FieldError]) -> list[ProblemItem]:
    return [ProblemItem(pointer=e.pointer, detail=e.detail, code=e.code) for e in errors]


def attachment_out(row: AttachmentRow) -> AttachmentOut:
    return AttachmentOut(
        id=row.id,
        kind=row.kind,
        organisation_id=row.organisation_id,
        filename=row.filename,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        pages=row.pages,
        year=row.year,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
    )


def _base(application: ApplicationRow | Row[Any]) -> dict[str, object]:
    status = Status(application.status)
    return {
        "id": application.id,
        "kind": application.kind,
        "title": application.title,
        "status": status.value,
        "status_label": status.label,
        "organisation_ids": list(application.organisation_ids),
        "municipality_code": application.municipality_code,
        "year": application.year,
        "requested_amount": application.requested_amount,
        "reserved_amount": application.reserved_amount,
        "committed_amount": application.committed_amount,
        "created_at": application.created_at,
        "sent_at": application.sent_at,
        "overdue": application.overdue,
        "payments_stopped": application.payments_stopped,
    }


def list_item(application: Row[Any], today: date | None = None) -> ApplicationListItem:
    """A list item from the list's columns (a hot path of the fund's case list: keyword
    arguments, not a dict; pydantic's validating constructor is faster than ``model_construct``)."""
    age, flagged = case_age(application, today or danish_date(datetime.now(UTC)))
    status = Status(application.status)
    return ApplicationListItem(
        id=application.id,
        kind=application.kind,
        title=application.title,
        status=status.value,
        status_label=status.label,
        organisation_ids=application.organisation_ids,
        municipality_code=application.municipality_code,
        year=application.year,
        requested_amount=application.requested_amount,
        reserved_amount=application.reserved_amount,
        committed_amount=application.committed_amount,
        created_at=application.created_at,
        sent_at=application.sent_at,
        age_days=age,
        past_expected_processing=flagged,
        overdue=application.overdue,
        payments_stopped=application.payments_stopped,
    )


_ENCODE_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
_UTC_SUFFIX = "+00:00"
_STATUS_LABELS = {status.value: status.label for status in Status}
_AWAITING_FUND = frozenset(status.value for status in AWAITING_FUND)


def _json_instant(value: datetime | None) -> str | None:
    """A timestamp as pydantic writes it in JSON: ISO 8601, ``Z`` for UTC."""
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith(_UTC_SUFFIX) else text


def _json_amount(value: Decimal | None) -> str | None:
    """An amount as ``common.money.DKK`` writes it in JSON: a string with exactly two decimals."""
    return None if value is None else format(to_dkk(value), "f")


def list_page_json(rows: Sequence[Row[Any]], next_cursor: str | None, today: date) -> bytes:
    """The case list's response body, ``Page[ApplicationListItem]`` as JSON, written straight
    from the list's columns: byte for byte what pydantic writes for the validated items (the
    same fields in the same order, amounts as strings with øre, ``Z`` timestamps; tested), but
    without building and validating 50 models per page (a hot path of the fund's case list).
    The rows are the database's own values (types the columns guarantee)."""
    items = []
    for application in rows:
        status = application.status
        label = _STATUS_LABELS[status]  # a status the domain does not know is a KeyError
        sent_at = application.sent_at
        sent_on = danish_date(sent_at) if sent_at is not None else None
        items.append(
            {
                "id": application.id,
                "kind": application.kind,
                "title": application.title,
                "status": status,
                "status_label": label,
                "organisation_ids": list(application.organisation_ids),
                "municipality_code": application.municipality_code,
                "year": application.year,
                "requested_amount": _json_amount(application.requested_amount),
                "reserved_amount": _json_amount(application.reserved_amount),
                "committed_amount": _json_amount(application.committed_amount),
                "created_at": _json_instant(application.created_at),
                "sent_at": _json_instant(sent_at),
                "age_days": case_age_days(sent_on, today),
                "past_expected_processing": past_expected_processing(
                    sent_on, today, status in _AWAITING_FUND
                ),
                "overdue": application.overdue,
                "payments_stopped": application.payments_stopped,
            }
        )
    return _ENCODE_JSON({"items": items, "next_cursor": next_cursor}).encode()


def today_of(request: Request) -> date:
    """Today's date in Denmark, from the app's clock (controlled in tests; default UTC now)."""
    clock: Callable[[], datetime] = getattr(request.app.state, "clock", None) or (
        lambda: datetime.now(UTC)
    )
    return danish_date(clock())


Today = Annotated[date, Depends(today_of)]


def application_out(view: ApplicationView, today: date | None = None) -> ApplicationOut:
    """The case; ``overdue`` from its yearly reports and ``today`` (as the list computes it in
    SQL: a statement or a status past its deadline and not received), not the round's flag."""
    a = view.application
    today = today or danish_date(datetime.now(UTC))
    reports = [reporting(s) for s in view.statements]
    review_from = review_due_from(reports)
    return ApplicationOut(
        **{**_base(a), "overdue": bool(overdue_years(reports, today))},
        version=a.version,
        lead_organisation_id=a.lead_organisation_id,
        department_ids=list(a.department_ids),
        budget=a.budget,
        advance_amount=a.advance_amount,
        rejection_reason=a.rejection_reason,
        period_start_year=a.period_start_year,
        period_end_year=a.period_end_year,
        conditions=a.conditions,
        plan_approved_on=a.plan_approved_on,
        plan_approval_reference=a.plan_approval_reference,
        review_held_on=a.review_held_on,
        review_notes=a.review_notes,
        decided_at=a.decided_at,
        committed_at=a.committed_at,
        origin_application_id=a.origin_application_id,
        decision_reason=a.decision_reason,
        transfers=[
            TransferOut(
                application_id=t.id,
                department_ids=list(t.department_ids),
                status=t.status,
                status_label=Status(t.status).label,
            )
            for t in view.transfers
        ],
        age_days=view.age_days,
        past_expected_processing=view.past_expected_processing,
        forms=[
            FormOut(
                department_id=f.department_id,
                organisation_id=f.organisation_id,
                municipality_code=f.municipality_code,
                prefilled=f.prefilled,
                answers=f.answers,
                missing=missing_fields(f.answers),
                complete=not missing_fields(f.answers),
            )
            for f in view.forms
        ],
        attachments=[attachment_out(x) for x in view.attachments],
        declared_organisations=view.declared,
        recommendation=(
            RecommendationOut(
                municipality_code=view.recommendation.municipality_code,
                source=view.recommendation.source,
                comment=view.recommendation.comment,
                recorded_by=view.recommendation.recorded_by,
                recorded_at=view.recommendation.recorded_at,
            )
            if view.recommendation
            else None
        ),
        recommended=view.recommended,
        budget_problems=problems(view.budget_problems),
        send_blockers=problems(view.send_blockers),
        can_send=Status(a.status) is Status.DRAFT and not view.send_blockers,
        plan=a.plan,
        rent_support=a.rent_support,
        plan_problems=problems(view.plan_problems),
        statements=[
            StatementOut(
                year=s.year,
                due_on=s.due_on,
                received_on=s.received_on,
                overdue=Statement(s.year, s.due_on, s.received_on).is_overdue(today),
                account=None if s.account is None else RegulationAccountOut(**s.account),
            )
            for s in view.statements
        ],
        yearly_statuses=[
            YearlyStatusOut(
                year=s.year,
                due_on=status_due(s.year),
                received_on=s.status_received_on,
                attachment_id=s.status_attachment_id,
                overdue=reporting(s).status_is_overdue(today),
            )
            for s in view.statements
        ],
        review_due_from=review_from,
        review_pending=review_from is not None and a.review_held_on is None,
        payments=[
            PaymentOut(
                id=p.id,
                kind=p.kind,
                amount=p.amount,
                paid_on=p.paid_on,
                recorded_by=p.recorded_by,
                recorded_at=p.recorded_at,
            )
            for p in view.payments
        ],
    )
