"""The case as PDF: master data, decisions, the department forms, the budget, statements,
payments, attachments and the history — rendered from a Jinja2 template with WeasyPrint
(HTML/CSS → PDF). The data is read in the request's transaction; the CPU-bound rendering runs in
a worker thread so the event loop keeps serving."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from common.access import Scope
from common.calendar import DANISH_TIME
from common.db.uow import UnitOfWork
from common.money import format_date_da, format_dkk
from common.pdf import render_html
from grants.db.repositories import ApplicationRepository
from grants.domain.forms import FIELDS
from grants.domain.lifecycle import Status
from grants.domain.sending import AttachmentKind
from grants.services.applications import read_application
from grants.services.core import account_of, budget_of

SOURCE_LABELS = {
    "lbf": "Landsbyggefonden",
    "housing_organisation": "Boligorganisationen",
    "municipality": "Kommunen",
    "local_partner": "Lokale samarbejdspartnere",
    "state": "Statslige puljer",
    "eu": "EU-midler",
    "foundation": "Fonde",
}
COST_LABELS = {
    "staff": "Personale",
    "activities": "Aktiviteter",
    "administration": "Administration og revision",
    "maternity_cover": "Barselsvikar",
    "evaluation": "Evaluering",
    "development": "Udviklingsindsatser",
    "other": "Øvrigt",
}
KIND_LABELS = {
    "social_effort": "Boligsocial indsats",
    "rent_support": "Huslejestøtte",
    "operating_support": "Driftsstøttesag (landsdispositionsfonden)",
}
ATTACHMENT_LABELS = {
    AttachmentKind.RESIDENT_DATA: "Beboerdata",
    AttachmentKind.PROJECT_DESCRIPTION: "Projektbeskrivelse",
    AttachmentKind.MUNICIPAL_RECOMMENDATION: "Kommunens anbefaling",
    AttachmentKind.DECLARATION: "Tilkendegivelse",
    AttachmentKind.OTHER: "Andet",
    AttachmentKind.BOARD_TERMS_OF_REFERENCE: "Kommissorium for bestyrelsen",
    AttachmentKind.REPORTING_FORM: "Indberetningsskema",
    AttachmentKind.YEARLY_STATUS: "Årlig status",
}


def _money(value: Decimal | None) -> str:
    return "–" if value is None else format_dkk(value)


def _date(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(DANISH_TIME).date()
    return format_date_da(value)


def _answer(value: Any) -> str:
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    return str(value)


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    html: str


async def case_document(uow: UnitOfWork, scope: Scope, application_id: str) -> Document:
    view = await read_application(uow, scope, application_id)
    a = view.application
    history = await ApplicationRepository(uow.session).history_page(a.id, None, 10_000)
    html = render_html(
        "grants",
        "case.html",
        a=a,
        kind_label=KIND_LABELS.get(a.kind, a.kind),
        attachment_labels={k.value: label for k, label in ATTACHMENT_LABELS.items()},
        status_label=Status(a.status).label,
        status_labels={s.value: s.label for s in Status},
        transfers=view.transfers,
        forms=view.forms,
        fields=FIELDS,
        budget=budget_of(a.budget),
        statements=view.statements,
        accounts={s.year: account_of(s.account) for s in view.statements if s.account},
        payments=view.payments,
        attachments=view.attachments,
        history=history,
        age=view.age_days,
        flagged=view.past_expected_processing,
        source_labels=SOURCE_LABELS,
        cost_labels=COST_LABELS,
        money=_money,
        date=_date,
        answer=_answer,
        printed_at=_date(datetime.now(UTC)),
    )
    return Document(filename=f"{a.id}.pdf", html=html)
