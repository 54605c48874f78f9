"""The decision letter as PDF (§ 86(4)-(5)): outcome, reasons, the votes if not unanimous,
fees, and the appeal guidance (§§ 88-89). Rendered from a Jinja2 template with WeasyPrint; the
CPU-bound rendering runs in a worker thread."""

from __future__ import annotations

from datetime import date

from common.money import format_date_da, format_dkk
from common.municipalities import MUNICIPALITIES
from common.pdf import render_html
from legal_cases.db.models import FeeRow
from legal_cases.db.repositories import CaseRepository
from legal_cases.domain.access import Viewer
from legal_cases.domain.categories import CaseCategory
from legal_cases.domain.decision_content import Sanction
from legal_cases.domain.decisions import Outcome
from legal_cases.domain.errors import PartNotFoundError
from legal_cases.domain.fees import FeeQuote
from legal_cases.services.core import load_case

SEATS = {
    "chair": "Formand",
    "landlord_member": "Medlem (udlejerside)",
    "tenant_member": "Medlem (lejerside)",
    "social_expert": "Socialt sagkyndig",
}
PARTY_KINDS = {
    "tenant": "lejer",
    "landlord": "udlejer",
    "residents_representation": "beboerrepræsentation",
    "municipality": "kommunalbestyrelsen",
}
FEES = {
    "standard": "Gebyr for indbringelse (§ 82, stk. 1)",
    "rent_act_132_2": "Gebyr for indbringelse, lejelovens § 132, stk. 2",
    "rent_act_19_3": "Gebyr for indbringelse, lejelovens § 19, stk. 3",
    "landlord_tenant_won": "Udlejers betaling, lejeren har fået fuldt medhold (§ 82, stk. 2)",
    "appeal_board": "Gebyr for indbringelse for ankenævnet (§ 89, stk. 4)",
}


def fee_basis(fee: FeeRow) -> str | None:
    if fee.index_year is None:
        return None
    return FeeQuote(fee.amount, fee.index_year, fee.provisional).basis


def _da(value: str | None) -> str | None:
    return format_date_da(date.fromisoformat(value)) if value else None


async def decision_letter_html(repo: CaseRepository, viewer: Viewer, case_id: str) -> str:
    case = await load_case(repo, viewer, case_id)
    decision = await repo.decision(case.id)
    if decision is None:
        raise PartNotFoundError(f"Case {case.id} has no decision yet.")
    fees = [
        {
            "kind": f.kind,
            "payer_side": f.payer_side,
            "amount_text": format_dkk(f.amount),
            "provisional_basis": fee_basis(f) if f.provisional else None,
        }
        for f in await repo.fees(case.id)
    ]
    content = decision.content or {"sanction": "none"}
    return render_html(
        "legal_cases",
        "decision.html",
        case=case,
        tribunal_name=MUNICIPALITIES.get(case.tribunal_code, case.tribunal_code),
        category_label=CaseCategory(case.category).label,
        filed_on=format_date_da(case.filed_on),
        decided_on=format_date_da(decision.decided_on),
        appeal_due=format_date_da(decision.appeal_due),
        parties=await repo.parties(case.id),
        party_kinds=PARTY_KINDS,
        decision=decision,
        outcome_label=Outcome(decision.outcome).label,
        outcome_labels={o.value: o.label for o in Outcome},
        seat_labels=SEATS,
        fees=fees,
        fee_labels=FEES,
        content=content,
        sanction_label=Sanction(content["sanction"]).label,
        conditions_end_on=_da(content.get("conditions_end_on")),
        sublet_compliance_due=_da(content.get("sublet_compliance_due")),
    )
