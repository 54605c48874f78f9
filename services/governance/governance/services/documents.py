"""The package as PDF (seed 002 §5.2.9): the whole package or one form, with the answers, the
key figures in their colours with the organisation's comments, and the accounts.

Rendered from a Jinja2 template with WeasyPrint (HTML/CSS → PDF; needs Pango from the OS). The
data is read in the request's transaction; the CPU-bound rendering runs in a worker thread so
the event loop keeps serving.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from common.access import Scope
from common.pdf import render_html
from governance.db.repositories import PackageRepository
from governance.domain.errors import FormNotFoundError
from governance.domain.keyfigures import has_indexed_benchmarks
from governance.domain.rules import FormKind, FormStatus, PackageStatus, accounts_year
from governance.services.core import load_package
from governance.services.packages import view_of

COLOUR_LABELS = {"red": "Rød", "yellow": "Gul", "green": "Grøn", "none": "Ingen vurdering"}
ATTACHMENT_LABELS = {
    "accounts": "Regnskabsmateriale",
    "extra": "Supplerende dokument",
    "statement": "Redegørelse",
    "supplementary_statement": "Supplerende redegørelse",
}


def _display(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "yes_no":
        return "Ja" if value else "Nej"
    return value


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    html: str


async def package_document(
    session: AsyncSession, scope: Scope, package_id: str, form_key: str | None
) -> Document:
    repo = PackageRepository(session)
    view = await view_of(repo, scope, await load_package(repo, scope, package_id))
    package = view.package
    forms = view.forms
    if form_key is not None:
        forms = [f for f in forms if f.key == form_key]
        if not forms:
            raise FormNotFoundError(f"Package {package.id} has no form {form_key}.")
    questions = {kind: await repo.questions_of(package.year, kind) for kind in FormKind}
    accounts = {
        row.department_id: row
        for row in await repo.accounts_of(package.id, accounts_year(package.year))
    }
    rendered_forms = []
    for form in forms:
        answers = await repo.answers_of(form.id)
        items = [
            {
                "text": q.text,
                "required": q.required,
                "section": q.section,
                "answer": _display(q.kind, answers.get(q.code)),
            }
            for q in questions[FormKind(form.kind)]
        ]
        comments = form.comments or {}
        rendered_forms.append(
            {
                "kind": form.kind,
                "key": form.key,
                "municipality_code": form.municipality_code,
                "status_label": FormStatus(form.status).label,
                "sections": [
                    (section, list(group))
                    for section, group in groupby(items, lambda i: i["section"])
                ],
                "figures": [{**f, "comment": comments.get(f["code"])} for f in form.figures or []],
                "indexed": has_indexed_benchmarks(form.figures),
                "accounts": accounts.get(form.key),
            }
        )
    html = render_html(
        "governance",
        "package.html",
        package=package,
        status_label=PackageStatus(package.status).label,
        locations=view.location_municipality_codes,
        deadline=view.deadline,
        attachments=view.attachments if form_key is None else [],
        attachment_labels=ATTACHMENT_LABELS,
        colour_labels=COLOUR_LABELS,
        forms=rendered_forms,
        printed_at=datetime.now(UTC).strftime("%d-%m-%Y %H:%M UTC"),
    )
    suffix = "" if form_key is None else f"-{form_key}"
    return Document(filename=f"{package.id}{suffix}.pdf", html=html)
