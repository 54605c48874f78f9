"""Rent tribunal cases: filing, reading, the tribunal's actions, documents, the audit trail and
the work list. Routes validate the wire format, call one use case and map the result; the
request's unit of work commits when the route returns (and stores nothing when it raises)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response

from common.app import UnitOfWorkDep
from common.dates import WireDate
from common.paging import Cursor, Limit
from common.pdf import render_pdf_async
from common.problems import problem_responses
from legal_cases.api.deps import (
    CaseIdPath,
    CaseReader,
    Filer,
    IntIdPath,
    RefPath,
    Replier,
    SettingsDep,
    Today,
    Tribunal,
    case_out,
    case_summary,
    document_out,
)
from legal_cases.api.schemas import (
    AdministrationStepIn,
    AnswerIn,
    AppealIn,
    AppealOutcomeIn,
    AuditOut,
    AuditPage,
    CaseIn,
    CaseOut,
    CasePage,
    ContactEmailIn,
    CounterpartIn,
    DecisionIn,
    DocumentIn,
    DocumentOut,
    ExtendIn,
    ForcedAdministrationIn,
    GuidanceIn,
    HearingIn,
    HeldIn,
    MediationIn,
    NonComplianceIn,
    QuestionIn,
    ReasonIn,
    ReplyIn,
    ServiceIn,
    SubletStepIn,
    WorkItemOut,
    WorkPage,
)
from legal_cases.db.repositories import CaseRepository
from legal_cases.domain.access import Viewer
from legal_cases.domain.appeals import AppealOutcome
from legal_cases.domain.cases import CaseStatus
from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.deadlines import DeadlineKind
from legal_cases.domain.decision_content import DecisionContent, Sanction
from legal_cases.domain.decisions import Member
from legal_cases.domain.errors import DocumentRejectedError
from legal_cases.domain.forced_administration import EndReason, RequestedBy, Step
from legal_cases.domain.parties import Side
from legal_cases.domain.serving import ServiceMethod
from legal_cases.domain.sublets import SubletStep
from legal_cases.services import filing, letters, views, workflow
from legal_cases.services.ports import OutboxRecorder

router = APIRouter(tags=["cases"])

READ = problem_responses(
    {
        401: "No or invalid bearer token",
        403: "Your role may not do this",
        404: "No such case among those you may see",
    }
)
WRITE = {
    **READ,
    **problem_responses(
        {
            409: "The case is not in a status this action starts from",
            422: "The request breaks a rule: see 'errors'",
        }
    ),
}


def _file(document: DocumentIn) -> filing.FileIn:
    try:
        content = document.content()
    except ValueError as exc:
        raise DocumentRejectedError(f"{exc}; send the file's bytes base64-encoded.") from None
    return filing.FileIn(document.filename, content)


async def _view(uow: UnitOfWorkDep, viewer: Viewer, case_id: str, today: Today) -> CaseOut:
    view = await views.case_view(CaseRepository(uow.session), viewer, case_id, today)
    return case_out(view, today)


# --- filing and reading ----------------------------------------------------------------------


@router.post("/cases", status_code=201, response_model=CaseOut, responses=WRITE)
async def file_case(
    body: CaseIn, viewer: Filer, uow: UnitOfWorkDep, settings: SettingsDep, today: Today
) -> CaseOut:
    """File a case with a rent tribunal (§ 82(1)), with its documentation; a municipality
    files maintenance-defect cases for a tenant or of its own motion (§ 87)."""
    command = filing.FileCase(
        tribunal_code=body.tribunal_code,
        category=body.category,
        summary=body.summary,
        owner_id=body.owner_id,
        apartments=body.apartments,
        complainant=filing.PartyIn(body.complainant.kind, body.complainant.name, None,
                                   body.complainant.organisation_id,
                                   body.complainant.contact_email),
        counterpart=filing.PartyIn(body.counterpart.kind, body.counterpart.name,
                                   body.counterpart.subject, body.counterpart.organisation_id,
                                   body.counterpart.contact_email),
        on_behalf_of_tenant=body.on_behalf_of_tenant,
        documents=tuple(_file(d) for d in body.documents),
    )  # fmt: skip
    repo = CaseRepository(uow.session)
    case = await filing.file_case(
        repo, OutboxRecorder(uow), viewer, command, today, settings.document_max_bytes,
        settings.fee_table(),
    )  # fmt: skip
    return await _view(uow, viewer, case.id, today)


@router.get("/cases", response_model=CasePage, responses=READ)
async def list_cases(
    viewer: CaseReader,
    uow: UnitOfWorkDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[CaseStatus | None, Query()] = None,
    category: Annotated[CaseCategory | None, Query()] = None,
    owner_id: Annotated[
        str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    ] = None,
    filed_from: Annotated[WireDate | None, Query(description="Filed on or after.")] = None,
    filed_to: Annotated[WireDate | None, Query(description="Filed on or before.")] = None,
) -> CasePage:
    """The cases you may see: a tribunal its own, a party those it is a party to, a
    municipality those it filed."""
    page = await views.list_cases(
        CaseRepository(uow.session), viewer,
        status=status.value if status else None,
        category=category.value if category else None,
        cursor=cursor, limit=limit, owner_id=owner_id, filed_from=filed_from,
        filed_to=filed_to,
    )  # fmt: skip
    return CasePage(items=[case_summary(c) for c in page.rows], next_cursor=page.next_cursor)


@router.get("/cases/{case_id}", response_model=CaseOut, responses=READ)
async def get_case(
    case_id: CaseIdPath, viewer: CaseReader, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """The case with its parties, documents, open and closed deadlines, decision, fees and
    the § 88(6) right to go to the housing court."""
    return await _view(uow, viewer, case_id, today)


@router.get("/cases/{case_id}/audit", response_model=AuditPage, responses=READ)
async def audit_trail(
    case_id: CaseIdPath, viewer: CaseReader, uow: UnitOfWorkDep, limit: Limit = 100,
    cursor: Cursor = None,
) -> AuditPage:  # fmt: skip
    """Who did what, when, on the case (oldest first)."""
    page = await views.audit_trail(CaseRepository(uow.session), viewer, case_id, cursor, limit)
    return AuditPage(
        items=[
            AuditOut(id=a.id, at=a.at, actor=a.actor, actor_role=a.actor_role, action=a.action,
                     detail=a.detail)
            for a in page.rows
        ],
        next_cursor=page.next_cursor,
    )  # fmt: skip


@router.post(
    "/cases/{case_id}/documents", status_code=201, response_model=DocumentOut, responses=WRITE
)
async def add_document(
    case_id: CaseIdPath, body: DocumentIn, viewer: CaseReader, uow: UnitOfWorkDep,
    settings: SettingsDep,
) -> DocumentOut:  # fmt: skip
    """Add documentation (PDF, PNG or JPEG, judged by its bytes) to an open case."""
    row = await workflow.upload_document(
        CaseRepository(uow.session), viewer, case_id, _file(body), settings.document_max_bytes
    )
    return document_out(row)


@router.get(
    "/cases/{case_id}/documents/{document_id}",
    response_class=Response,
    responses={
        **READ,
        200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}},
    },
)
async def get_document(
    case_id: CaseIdPath, document_id: RefPath, viewer: CaseReader, uow: UnitOfWorkDep
) -> Response:
    row = await views.document(CaseRepository(uow.session), viewer, case_id, document_id)
    return Response(
        content=row.content,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/cases/{case_id}/decision.pdf",
    response_class=Response,
    responses={**READ, 200: {"content": {"application/pdf": {}}}},
)
async def decision_letter(case_id: CaseIdPath, viewer: CaseReader, uow: UnitOfWorkDep) -> Response:
    """The decision letter (PDF) with reasons, votes if split, fees and appeal guidance."""
    html = await letters.decision_letter_html(CaseRepository(uow.session), viewer, case_id)
    pdf = await render_pdf_async(html)
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="afgoerelse-{case_id}.pdf"'},
    )


# --- the counterpart and the tribunal's actions ------------------------------------------------


@router.put("/cases/{case_id}/counterpart", response_model=CaseOut, responses=WRITE)
async def correct_counterpart(
    case_id: CaseIdPath, body: CounterpartIn, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """Confirm or correct the counterpart before notifying it (who will see the case)."""
    await workflow.correct_counterpart(
        CaseRepository(uow.session), viewer, case_id, body.subject, body.name,
        body.organisation_id,
    )  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.put("/cases/{case_id}/parties/{side}/contact-email", response_model=CaseOut,
            responses=WRITE)  # fmt: skip
async def set_contact_email(
    case_id: CaseIdPath, side: Side, body: ContactEmailIn, viewer: Replier, uow: UnitOfWorkDep,
    today: Today,
) -> CaseOut:  # fmt: skip
    """Set or remove a party's e-mail for the tribunal's letters: the tribunal for either
    side, a party for its own side only. Kept in this service; never in events."""
    await workflow.set_contact_email(
        CaseRepository(uow.session), viewer, case_id, side, body.contact_email
    )
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/notify-counterpart", response_model=CaseOut, responses=WRITE)
async def notify_counterpart(
    case_id: CaseIdPath, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """Notify the counterpart, who has 2 weeks to reply (§ 82(3))."""
    repo = CaseRepository(uow.session)
    await workflow.notify_counterpart(repo, OutboxRecorder(uow), viewer, case_id, today)
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/reply", response_model=CaseOut, responses=WRITE)
async def reply(
    case_id: CaseIdPath, body: ReplyIn, viewer: Replier, uow: UnitOfWorkDep,
    settings: SettingsDep, today: Today,
) -> CaseOut:  # fmt: skip
    """The counterpart's reply (sent by the counterpart, or recorded by the tribunal)."""
    document = _file(body.document) if body.document else None
    await workflow.record_reply(
        CaseRepository(uow.session), OutboxRecorder(uow), viewer, case_id, today, document,
        settings.document_max_bytes,
    )  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.post(
    "/cases/{case_id}/deadlines/{deadline_id}/extend", response_model=CaseOut, responses=WRITE
)
async def extend_deadline(
    case_id: CaseIdPath, deadline_id: IntIdPath, body: ExtendIn, viewer: Tribunal,
    uow: UnitOfWorkDep, today: Today,
) -> CaseOut:  # fmt: skip
    """Extend a reply or question deadline for special circumstances (§§ 82(3), 83(4))."""
    await workflow.extend_deadline(
        CaseRepository(uow.session), OutboxRecorder(uow), viewer, case_id, deadline_id, body.new_due, body.reason,
        today,
    )  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/questions", response_model=CaseOut, status_code=201,
             responses=WRITE)  # fmt: skip
async def ask_question(
    case_id: CaseIdPath, body: QuestionIn, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """Ask a party or another a question, to be answered normally within 2 weeks (§ 83(4))."""
    await workflow.ask_question(
        CaseRepository(uow.session), OutboxRecorder(uow), viewer, case_id, body.addressee, body.text, body.answer_by,
        body.reason, today,
    )  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/questions/{question_id}/answer", response_model=CaseOut,
             responses=WRITE)  # fmt: skip
async def answer_question(
    case_id: CaseIdPath, question_id: RefPath, body: AnswerIn, viewer: Replier,
    uow: UnitOfWorkDep, today: Today,
) -> CaseOut:  # fmt: skip
    await workflow.answer_question(
        CaseRepository(uow.session), OutboxRecorder(uow), viewer, case_id, question_id,
        body.answer, today,
    )  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/hearings", response_model=CaseOut, status_code=201,
             responses=WRITE)  # fmt: skip
async def schedule_hearing(
    case_id: CaseIdPath, body: HearingIn, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """Summon the parties today to an inspection (≥ 1 week ahead, § 85(1)) or a meeting
    (§ 85(2))."""
    await workflow.schedule_hearing(
        CaseRepository(uow.session), viewer, case_id, body.kind, body.scheduled_on, today
    )
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/hearings/{hearing_id}/held", response_model=CaseOut,
             responses=WRITE)  # fmt: skip
async def hold_hearing(
    case_id: CaseIdPath, hearing_id: RefPath, viewer: Tribunal, uow: UnitOfWorkDep, today: Today,
    body: HeldIn | None = None,
) -> CaseOut:  # fmt: skip
    """Record an inspection or a meeting held — on ``held_on`` (default today), not after today
    nor before the day the parties were summoned to; a meeting dates the decision deadline
    (§ 86(1)) from it."""
    await workflow.hold_hearing(
        CaseRepository(uow.session), OutboxRecorder(uow), viewer, case_id, hearing_id, today,
        body.held_on if body is not None else None,
    )  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/mediation", response_model=CaseOut, responses=WRITE)
async def encourage_mediation(
    case_id: CaseIdPath, body: MediationIn, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """Record that the tribunal encouraged mediation (§ 86(1); behaviour cases only)."""
    await workflow.encourage_mediation(CaseRepository(uow.session), viewer, case_id, body.note,
                                       today)  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/guidance", response_model=CaseOut, status_code=201,
             responses=WRITE)  # fmt: skip
async def record_guidance(
    case_id: CaseIdPath, body: GuidanceIn, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """Record guidance given to a party or the secretariat's help with a written statement
    (§ 85(5); behaviour cases, needed for both sides before the decision)."""
    await workflow.record_guidance(CaseRepository(uow.session), viewer, case_id, body.side,
                                   body.kind, body.note, today)  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/suspend", response_model=CaseOut, responses=WRITE)
async def suspend(
    case_id: CaseIdPath, body: ReasonIn, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """Suspend the case: its open deadlines stop until it is resumed."""
    await workflow.suspend(
        CaseRepository(uow.session), OutboxRecorder(uow), viewer, case_id, body.reason, today
    )
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/resume", response_model=CaseOut, responses=WRITE)
async def resume(
    case_id: CaseIdPath, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """Resume the case: its open deadlines move by the working days it was suspended."""
    await workflow.resume(CaseRepository(uow.session), OutboxRecorder(uow), viewer, case_id, today)
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/reject", response_model=CaseOut, responses=WRITE)
async def reject(
    case_id: CaseIdPath, body: ReasonIn, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """Reject the complaint as unfit for the tribunal, with a reason (§ 83(1))."""
    await workflow.reject(
        CaseRepository(uow.session), OutboxRecorder(uow), viewer, case_id, body.reason, today
    )
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/decision", response_model=CaseOut, responses=WRITE)
async def decide(
    case_id: CaseIdPath, body: DecisionIn, viewer: Tribunal, uow: UnitOfWorkDep, today: Today,
    settings: SettingsDep,
) -> CaseOut:  # fmt: skip
    """Decide the case (§ 86): all members present, majority, the chair breaks ties; the
    decision needs reasons, the dissent's reasons if split, and the appeal guidance."""
    command = workflow.Decide(
        members=tuple(Member(m.seat, m.member_ref, m.deputy, m.vote) for m in body.members),
        reasons=body.reasons,
        dissent_reasons=body.dissent_reasons,
        appeal_guidance=body.appeal_guidance,
        silence_read_in_favour=body.silence_read_in_favour,
        content=DecisionContent(
            sanction=Sanction(body.sanction), social_case=body.social_case,
            municipal_offers_examined=body.municipal_offers_examined,
            conditions=body.conditions, conditions_end_on=body.conditions_end_on,
            sublet_obligations=body.sublet_obligations,
            sublet_compliance_due=body.sublet_compliance_due,
            improvement_approved=body.improvement_approved,
            maintenance_improvement_split=body.maintenance_improvement_split,
            gi_control_notice_on=body.gi_control_notice_on, gi_information=body.gi_information,
        ),
    )  # fmt: skip
    await workflow.decide(CaseRepository(uow.session), OutboxRecorder(uow), viewer, case_id,
                          command, today, settings.fee_table())  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/appeal", response_model=CaseOut, responses=WRITE)
async def record_appeal(
    case_id: CaseIdPath, body: AppealIn, viewer: Tribunal, uow: UnitOfWorkDep, today: Today,
    settings: SettingsDep,
) -> CaseOut:  # fmt: skip
    """Record that a party brought the decision before the housing court or the appeal board
    (§§ 88-89); within 4 weeks, later only with permission within 1 year."""
    await workflow.record_appeal(
        CaseRepository(uow.session), OutboxRecorder(uow), viewer, case_id, body.appellant_side,
        body.late_permission, today, settings.fee_table(),
    )  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/appeal/outcome", response_model=CaseOut, responses=WRITE)
async def appeal_outcome(
    case_id: CaseIdPath, body: AppealOutcomeIn, viewer: Tribunal, uow: UnitOfWorkDep,
    today: Today,
) -> CaseOut:  # fmt: skip
    """Record what the housing court or the appeal board decided (§§ 88-89): upheld makes the
    tribunal's decision final from that day; changed or set aside means it never becomes final."""
    await workflow.record_appeal_outcome(
        CaseRepository(uow.session), OutboxRecorder(uow), viewer, case_id,
        AppealOutcome(body.outcome), body.decided_on, body.summary, today,
    )  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/noncompliance", response_model=CaseOut, status_code=201,
             responses=WRITE)  # fmt: skip
async def report_noncompliance(
    case_id: CaseIdPath, body: NonComplianceIn, viewer: Tribunal, uow: UnitOfWorkDep,
    today: Today,
) -> CaseOut:  # fmt: skip
    """Report that the owner has not complied with this final decision (§ 22)."""
    await workflow.report_noncompliance(
        CaseRepository(uow.session), viewer, case_id, body.details, today
    )
    return await _view(uow, viewer, case_id, today)


@router.post(
    "/cases/{case_id}/noncompliance-notice", response_model=CaseOut, status_code=201,
    responses=WRITE,
)  # fmt: skip
async def noncompliance_notice(
    case_id: CaseIdPath, body: NonComplianceIn, viewer: Replier, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """A party tells the tribunal that the final decision is not complied with."""
    await workflow.notify_noncompliance(
        CaseRepository(uow.session), viewer, case_id, body.details, today
    )
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/fees/{fee_id}/paid", response_model=CaseOut, responses=WRITE)
async def fee_paid(
    case_id: CaseIdPath, fee_id: IntIdPath, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    await workflow.mark_fee_paid(CaseRepository(uow.session), viewer, case_id, fee_id, today)
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/forced-administration", response_model=CaseOut, status_code=201,
             responses=WRITE)  # fmt: skip
async def forced_administration(
    case_id: CaseIdPath, body: ForcedAdministrationIn, viewer: Tribunal, uow: UnitOfWorkDep,
    today: Today,
) -> CaseOut:  # fmt: skip
    """Decide forced administration (§§ 27-31) when ordered works were not done in time."""
    command = workflow.ForcedAdministration(
        requested_by=RequestedBy(body.requested_by),
        ordered_works_due=body.ordered_works_due,
        gi_works_on=tuple(body.gi_works_on),
        gi_declined_on=body.gi_declined_on,
        administrator=body.administrator,
        works_deadline=body.works_deadline,
    )
    await workflow.decide_forced_administration(
        CaseRepository(uow.session), viewer, case_id, command, today
    )
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/sublet-noncompliance", response_model=CaseOut, status_code=201,
             responses=WRITE)  # fmt: skip
async def sublet_noncompliance(
    case_id: CaseIdPath, body: NonComplianceIn, viewer: Replier, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """§ 86(7): the subtenant tells the tribunal that the sublessor has not complied with the
    final decision's obligations (after the decision's deadline)."""
    await workflow.notify_sublet_noncompliance(CaseRepository(uow.session), viewer, case_id,
                                               body.details, today)  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/sublet-noncompliance/steps", response_model=CaseOut,
             responses=WRITE)  # fmt: skip
async def sublet_noncompliance_step(
    case_id: CaseIdPath, body: SubletStepIn, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """§ 86(8): ask the sublessor for documentation (7 days), record it, or tell the landlord."""
    await workflow.record_sublet_step(CaseRepository(uow.session), viewer, case_id,
                                      SubletStep(body.step), body.on, today)  # fmt: skip
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/service", response_model=CaseOut, status_code=201,
             responses=WRITE)  # fmt: skip
async def record_service(
    case_id: CaseIdPath, body: ServiceIn, viewer: Tribunal, uow: UnitOfWorkDep, today: Today
) -> CaseOut:
    """§ 86(5): record that a decision that must be served (forkyndes) was served on a party —
    who served it, when and how; once per party. The party's 4 weeks to appeal run from that
    day, and the decision becomes final only after the latest window."""
    command = workflow.Service(side=body.side, served_on=body.served_on,
                               served_by=body.served_by, method=ServiceMethod(body.method))  # fmt: skip
    await workflow.record_service(CaseRepository(uow.session), viewer, case_id, command, today)
    return await _view(uow, viewer, case_id, today)


@router.post("/cases/{case_id}/forced-administration/steps", response_model=CaseOut,
             status_code=201, responses=WRITE)  # fmt: skip
async def forced_administration_step(
    case_id: CaseIdPath, body: AdministrationStepIn, viewer: Tribunal, uow: UnitOfWorkDep,
    today: Today,
) -> CaseOut:  # fmt: skip
    """Record a step of the forced administration (§§ 29-41): notice to the minister,
    registration, the administrator's appointment and fee, the mortgagees' 6 weeks, the
    landlord's 3 weeks, accounts, the municipality's loan (3 months), the works, the end."""
    command = workflow.AdministrationStep(
        step=Step(body.step), on=body.on, note=body.note, administrator=body.administrator,
        administrator_fee=body.administrator_fee,
        end_reason=EndReason(body.end_reason) if body.end_reason else None,
        administrator_satisfied=body.administrator_satisfied,
    )  # fmt: skip
    await workflow.record_administration_step(
        CaseRepository(uow.session), viewer, case_id, command, today
    )
    return await _view(uow, viewer, case_id, today)


# --- the tribunal's work list ----------------------------------------------------------------


@router.get("/work-list", response_model=WorkPage, responses=READ)
async def work_list(
    viewer: Tribunal,
    uow: UnitOfWorkDep,
    today: Today,
    window: Annotated[
        Literal["due", "overdue", "this_week", "all"],
        Query(description="due: overdue or due by Sunday of this week (default)."),
    ] = "due",
    kind: Annotated[DeadlineKind | None, Query()] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> WorkPage:
    """Your tribunal's open deadlines by due date."""
    page = await views.work_list(
        CaseRepository(uow.session), viewer, window=window,
        kind=kind.value if kind else None, cursor=cursor, limit=limit, today=today,
    )  # fmt: skip
    return WorkPage(
        items=[
            WorkItemOut(
                deadline_id=row.deadline_id,
                kind=row.kind,
                label=DeadlineKind(row.kind).label,
                due_on=row.due_on,
                overdue=row.due_on < today,
                case_id=row.case_id,
                case_status=row.case_status,
                category=row.category,
            )
            for row in page.rows
        ],
        next_cursor=page.next_cursor,
    )
