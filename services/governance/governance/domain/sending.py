"""The send gate (seed 002 §5.2.8): what stops a package from being sent to its municipalities.

A package is sent once every department's accounts of the accounts year are reported and the
key figures computed from them have arrived, every red or yellow key figure carries the
organisation's comment and every required question is answered. Sending is checked inside the transaction (one error per finding, in the order a
person fixes them); the package shows beforehand whether it can be sent.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from common.errors import FieldError
from governance.domain.keyfigures import awaits_accounts_figures
from governance.domain.rules import FormKind, FormProgress, PackageStatus


@dataclass(frozen=True, slots=True)
class FormCheck:
    """What the send gate needs to know of one form."""

    key: str  # "report" or the department id
    progress: FormProgress


@dataclass(frozen=True, slots=True)
class FormAccounts:
    """A form of the package with the accounts revision its key-figure snapshot came from."""

    kind: FormKind
    key: str
    snapshot_accounts_revision: int | None


@dataclass(frozen=True, slots=True)
class FormKey:
    """A form of the package by its kind and key (the department id of a department form)."""

    kind: FormKind
    key: str


def departments_without_accounts(forms: Iterable[FormKey], reported: Collection[str]) -> list[str]:
    """The package's departments (in form order) whose accounts have not been reported."""
    return [
        form.key for form in forms if form.kind is FormKind.DEPARTMENT and form.key not in reported
    ]


def departments_awaiting_figures(
    forms: Iterable[FormAccounts], reported: Mapping[str, int]
) -> list[str]:
    """The package's departments (in form order) whose key figures computed from their reported
    accounts (revision in ``reported``) have not arrived from the benchmark calculator yet."""
    return [
        form.key
        for form in forms
        if form.kind is FormKind.DEPARTMENT
        and awaits_accounts_figures(reported.get(form.key), form.snapshot_accounts_revision)
    ]


def send_blockers(
    forms: Sequence[FormCheck],
    departments_without_accounts: Sequence[str],
    departments_awaiting_figures: Sequence[str] = (),
) -> list[FieldError]:
    """Everything that stops sending, one error each, in the order a person fixes them."""
    errors: list[FieldError] = [
        FieldError(
            f"#/departments/{department}/accounts",
            f"The accounts of department {department} have not been reported; the package "
            "cannot be sent before they are.",
            "accounts-missing",
        )
        for department in departments_without_accounts
    ]
    errors += [
        FieldError(
            f"#/departments/{department}/key_figures",
            f"The key figures computed from department {department}'s reported accounts have "
            "not arrived from the benchmark calculator yet (usually within a minute); the package "
            "can be sent once they have and their red and yellow figures are commented.",
            "key-figures-pending",
        )
        for department in departments_awaiting_figures
    ]
    for form in forms:
        where = "#/report" if form.key == "report" else f"#/departments/{form.key}"
        for code in form.progress.figures_needing_comment:
            errors.append(
                FieldError(
                    f"{where}/key_figures/{code}",
                    f"Key figure '{code}' is red or yellow: write a comment before sending.",
                    "key-figure-comment-missing",
                )
            )
        for code in form.progress.missing_required:
            errors.append(
                FieldError(
                    f"{where}/answers/{code}",
                    f"Required question '{code}' is not answered.",
                    "form-incomplete",
                )
            )
    return errors


def can_send(
    status: PackageStatus,
    departments_without_accounts: Sequence[str],
    departments_awaiting_figures: Sequence[str] = (),
) -> bool:
    """What the package shows before anyone tries: it is complete (every form answered and its
    red and yellow figures commented), every department's accounts are in and the key figures
    computed from them have arrived."""
    return (
        status is PackageStatus.COMPLETE
        and not departments_without_accounts
        and not departments_awaiting_figures
    )
