"""Dependencies of the legal-cases routers: who the caller is (a :class:`Viewer` built from the
verified principal — the tribunal by its token's municipality code, a party by its subject),
today's legal date from the app's clock, and the response mappings."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Path, Request

from common.access import Scope
from common.auth import CurrentPrincipal, Role
from common.calendar import danish_date
from common.errors import PermissionDeniedError
from legal_cases.api.schemas import (
    AdministrationStepOut,
    AppealOut,
    BenchSeatOut,
    CaseOut,
    CaseSummary,
    DeadlineOut,
    DecisionContentOut,
    DecisionOut,
    DocumentOut,
    FeeOut,
    ForcedAdministrationOut,
    GuidanceOut,
    HearingOut,
    HousingCourtRight,
    LetterOut,
    NonComplianceNoticeOut,
    PartyOut,
    QuestionOut,
    ServedOut,
    ServiceOut,
    SubletNoticeOut,
    SuspensionOut,
)
from legal_cases.db.models import CaseRow, DeadlineRow, DocumentRow
from legal_cases.domain.access import (
    CASE_READERS,
    FILERS,
    OWNER_READERS,
    REPLIERS,
    TRIBUNAL,
    Viewer,
)
from legal_cases.domain.appeals import AppealOutcome
from legal_cases.domain.cases import CaseStatus
from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.deadlines import DeadlineKind, appeal_due
from legal_cases.domain.decision_content import Sanction
from legal_cases.domain.decisions import Outcome
from legal_cases.domain.person_letters import written_to_by_service
from legal_cases.domain.serving import ServiceMethod, final_window_end, required_sides
from legal_cases.domain.sublets import documentation_due
from legal_cases.services.letters import fee_basis
from legal_cases.services.views import CaseView
from legal_cases.settings import LegalCasesSettings


def _roles(names: frozenset[str]) -> frozenset[Role]:
    return frozenset(Role(name) for name in names)


def viewer_dependency(
    allowed: frozenset[str], action: str
) -> Callable[..., Coroutine[Any, Any, Viewer]]:
    roles = _roles(allowed)

    async def _viewer(principal: CurrentPrincipal) -> Viewer:
        scope = Scope.of(principal, allowed=roles, action=action)  # 403 naming the roles
        tribunal_code = None
        if principal.role is Role.TRIBUNAL:
            if principal.municipality_code is None:
                raise PermissionDeniedError(
                    "A tribunal token must carry the municipality code of its rent tribunal."
                )
            tribunal_code = principal.municipality_code
        return Viewer(
            subject=scope.subject,
            role=principal.role.value,
            tribunal_code=tribunal_code,
            municipality_code=scope.municipality_code,
        )

    return _viewer


CaseReader = Annotated[Viewer, Depends(viewer_dependency(CASE_READERS, "read rent tribunal cases"))]
Filer = Annotated[Viewer, Depends(viewer_dependency(FILERS, "file rent tribunal cases"))]
Tribunal = Annotated[Viewer, Depends(viewer_dependency(TRIBUNAL, "act as the rent tribunal"))]
Replier = Annotated[Viewer, Depends(viewer_dependency(REPLIERS, "reply or answer in a case"))]
OwnerReader = Annotated[
    Viewer, Depends(viewer_dependency(OWNER_READERS, "read owners' non-compliance records"))
]

CaseIdPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
]
RefPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
]
IntIdPath = Annotated[int, Path(ge=1, le=2**62)]


def settings_of(request: Request) -> LegalCasesSettings:
    settings = request.app.state.settings
    assert isinstance(settings, LegalCasesSettings)
    return settings


def today_of(request: Request) -> date:
    """Today's legal date (in Denmark), from the app's clock (controlled in tests)."""
    clock: Callable[[], datetime] = getattr(request.app.state, "clock", None) or (
        lambda: datetime.now(UTC)
    )
    return danish_date(clock())


SettingsDep = Annotated[LegalCasesSettings, Depends(settings_of)]
Today = Annotated[date, Depends(today_of)]


def case_summary(case: CaseRow) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        tribunal_code=case.tribunal_code,
        category=case.category,
        category_label=CaseCategory(case.category).label,
        status=case.status,
        status_label=CaseStatus(case.status).label,
        filed_on=case.filed_on,
        version=case.version,
    )


def deadline_out(row: DeadlineRow, today: date) -> DeadlineOut:
    return DeadlineOut(
        id=row.id,
        kind=row.kind,
        label=DeadlineKind(row.kind).label,
        ref=row.ref,
        opened_on=row.opened_on,
        base_due=row.base_due,
        due_on=row.due_on,
        extension_reason=row.extension_reason,
        closed_on=row.closed_on,
        outcome=row.outcome,
        overdue=row.closed_on is None and row.due_on is not None and row.due_on < today,
    )


def document_out(row: DocumentRow) -> DocumentOut:
    return DocumentOut(
        id=row.id,
        filename=row.filename,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        uploaded_at=row.uploaded_at,
    )


def content_out(record: dict[str, Any]) -> DecisionContentOut:
    sanction = Sanction(record["sanction"])
    return DecisionContentOut(
        **record,
        sanction_label=sanction.label,
        appeal_suspends=bool(record["improvement_approved"]),
    )


def service_out(view: CaseView) -> ServiceOut | None:
    """§ 86(5): shown when the decision must be served or a service is recorded."""
    decision = view.decision
    if decision is None:
        return None
    required = required_sides(bool((decision.content or {}).get("service_required")))
    if not required and not view.services:
        return None
    served = {s.side: s.served_on for s in view.services}
    end = final_window_end(decision_appeal_due=decision.appeal_due, served=served,
                           required=required)  # fmt: skip
    return ServiceOut(
        required_for=list(required),
        missing=[side for side in required if side not in served],
        served=[
            ServedOut(
                side=s.side,
                served_on=s.served_on,
                served_by=s.served_by,
                method=s.method,
                method_label=ServiceMethod(s.method).label,
                appeal_due=appeal_due(s.served_on),
            )
            for s in view.services
        ],
        final_not_before=end + timedelta(days=1) if end is not None else None,
    )


def case_out(view: CaseView, today: date) -> CaseOut:
    case = view.case
    sides = {p.id: p.side for p in view.parties}
    decision = view.decision
    return CaseOut(
        **case_summary(case).model_dump(),
        summary=case.summary,
        owner_id=case.owner_id,
        apartments=case.apartments,
        filed_by_role=case.filed_by_role,
        filing_municipality_code=case.filing_municipality_code,
        on_behalf_of_tenant=case.on_behalf_of_tenant,
        notified_on=case.notified_on,
        reply_state=case.reply_state,
        reply_on=case.reply_on,
        rejected_reason=case.rejected_reason,
        final_on=case.final_on,
        parties=[
            PartyOut(
                side=p.side,
                kind=p.kind,
                name=p.name,
                subject=p.subject,
                organisation_id=p.organisation_id,
                contact_email=p.contact_email
                if view.viewer.is_tribunal
                or (p.subject is not None and p.subject == view.viewer.subject)
                else None,
                letters_by_tribunal=written_to_by_service(
                    kind=p.kind, organisation_id=p.organisation_id, email=p.contact_email
                ),
            )
            for p in view.parties
        ],
        letters=[
            LetterOut(
                id=letter.id,
                kind=letter.kind,
                side=sides[letter.party_id],
                status=letter.status,
                queued_on=letter.queued_on,
                attempts=letter.attempts,
                sent_at=letter.sent_at,
                last_error=letter.last_error if view.viewer.is_tribunal else None,
            )
            for letter in view.letters
        ],
        documents=[document_out(d) for d in view.documents],
        open_deadlines=[deadline_out(d, today) for d in view.deadlines if d.closed_on is None],
        closed_deadlines=[
            deadline_out(d, today) for d in view.deadlines if d.closed_on is not None
        ],
        suspensions=[
            SuspensionOut(start_on=s.start_on, end_on=s.end_on, reason=s.reason)
            for s in view.suspensions
        ],
        questions=[
            QuestionOut(
                id=q.id,
                addressee=q.addressee,
                text=q.text,
                asked_on=q.asked_on,
                answered_on=q.answered_on,
                answer=q.answer,
            )
            for q in view.questions
        ],
        sublet_notice=None
        if view.sublet_notice is None
        else SubletNoticeOut(
            noticed_on=view.sublet_notice.noticed_on,
            details=view.sublet_notice.details,
            requested_on=view.sublet_notice.requested_on,
            documentation_due=documentation_due(view.sublet_notice.requested_on)
            if view.sublet_notice.requested_on
            else None,
            documented_on=view.sublet_notice.documented_on,
            landlord_told_on=view.sublet_notice.landlord_told_on,
        ),
        service=service_out(view),
        mediation_encouraged_on=case.mediation_encouraged_on,
        mediation_note=case.mediation_note,
        guidance=[
            GuidanceOut(side=g.side, kind=g.kind, note=g.note, given_on=g.given_on)
            for g in view.guidance
        ],
        hearings=[
            HearingOut(
                id=h.id,
                kind=h.kind,
                notice_on=h.notice_on,
                scheduled_on=h.scheduled_on,
                held_on=h.held_on,
            )
            for h in view.hearings
        ],
        decision=None
        if decision is None
        else DecisionOut(
            decided_on=decision.decided_on,
            outcome=decision.outcome,
            outcome_label=Outcome(decision.outcome).label,
            unanimous=decision.unanimous,
            chair_decided_tie=decision.chair_decided_tie,
            reasons=decision.reasons,
            dissent_reasons=decision.dissent_reasons,
            appeal_guidance=decision.appeal_guidance,
            silence_read_in_favour=decision.silence_read_in_favour,
            appeal_body=decision.appeal_body,
            appeal_due=decision.appeal_due,
            bench=[BenchSeatOut(**seat) for seat in decision.bench],
            content=None if decision.content is None else content_out(decision.content),
        ),
        appeal=None
        if view.appeal is None
        else AppealOut(
            lodged_on=view.appeal.lodged_on,
            body=view.appeal.body,
            appellant_side=view.appeal.appellant_side,
            late_permission=view.appeal.late_permission,
            outcome=view.appeal.outcome,
            outcome_label=AppealOutcome(view.appeal.outcome).label if view.appeal.outcome else None,
            outcome_decided_on=view.appeal.outcome_decided_on,
            outcome_summary=view.appeal.outcome_summary,
        ),
        fees=[
            FeeOut(
                id=f.id,
                kind=f.kind,
                payer_side=f.payer_side,
                amount=f.amount,
                owed_on=f.owed_on,
                paid_on=f.paid_on,
                provisional=f.provisional,
                basis=fee_basis(f),
                cancelled_on=f.cancelled_on,
                cancelled_reason=f.cancelled_reason,
                refund_due=f.cancelled_on is not None and f.paid_on is not None,
            )
            for f in view.fees
        ],
        forced_administration=None
        if view.forced_administration is None
        else ForcedAdministrationOut(
            decided_on=view.forced_administration.decided_on,
            requested_by=view.forced_administration.requested_by,
            ordered_works_due=view.forced_administration.ordered_works_due,
            gi_works_on=list(view.forced_administration.gi_works_on),
            gi_declined_on=view.forced_administration.gi_declined_on,
            administrator=view.forced_administration.administrator,
            works_deadline=view.forced_administration.works_deadline,
            administrator_fee=view.forced_administration.administrator_fee,
            ended_on=view.forced_administration.ended_on,
            end_reason=view.forced_administration.end_reason,
            steps=[
                AdministrationStepOut(step=st.step, on=st.on, note=st.note)
                for st in view.administration_steps
            ],
        ),
        noncompliance_notices=[
            NonComplianceNoticeOut(side=n.side, details=n.details, noticed_on=n.noticed_on)
            for n in view.noncompliance_notices
        ],
        noncompliance_reported_on=view.noncompliance_reported_on,
        housing_court_right=HousingCourtRight(
            available=view.housing_court_right, decision_due=view.decision_due
        ),
        suggested_appeal_guidance=view.suggested_appeal_guidance,
    )
