"""The transfer of a rent-support case's departments to the national disposition fund.

Seed 001 ("Ansøgninger om huslejestøtte", "Prækvalifikation"): "Afdelinger, der er omfattet,
bliver i forlængelse heraf prækvalificeret til huslejestøtte, mens afdelinger, som ikke er
omfattet, overføres til viderebehandling i landsdispositionsfonden som 'almindelige'
driftsstøttesager inden evt. endeligt afslag meddeles."

* Which departments are not covered is the rent model's result stored on the case
  (``transferred_to_disposition_fund`` of the calculation, :mod:`grants.domain.rent_model`).
* The fund transfers them while it assesses the case or after prequalifying the covered ones:
  a new case of kind ``operating_support`` in status ``transferred`` (one per transfer; a
  department is transferred once).
* A final refusal (``reject``) of a rent-support case is possible only on the rent model's
  basis and only once every department it found not covered sits in an operating-support case
  that the national disposition fund has decided (granted or refused).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from common.errors import RuleViolationError
from grants.domain.errors import TransitionNotAllowedError
from grants.domain.lifecycle import Status

RENT_SUPPORT: Final = "rent_support"
OPERATING_SUPPORT: Final = "operating_support"
TRANSFERABLE: Final = frozenset({Status.UNDER_ASSESSMENT, Status.PREQUALIFIED})
DECIDED: Final = frozenset({Status.OPERATING_SUPPORT_GRANTED, Status.OPERATING_SUPPORT_REFUSED})


@dataclass(frozen=True, slots=True)
class TransferCase:
    """An operating-support case transferred from the rent-support case (its departments and
    status)."""

    application_id: str
    department_ids: tuple[str, ...]
    status: Status


def not_covered(calculation: Mapping[str, Any] | None) -> list[str]:
    """The departments the stored rent-model calculation found not covered."""
    if not calculation:
        return []
    return list(calculation.get("transferred_to_disposition_fund") or [])


def departments_to_transfer(
    kind: str,
    status: Status,
    calculation: Mapping[str, Any] | None,
    transfers: Iterable[TransferCase],
) -> list[str]:
    """The departments a transfer now moves; 409 for a case that does not transfer (its kind
    or status), 422 when the rent model has not been calculated or nothing is left."""
    if kind != RENT_SUPPORT:
        raise TransitionNotAllowedError(
            "Only a rent-support case (huslejestøtte) transfers departments; this case is "
            f"'{kind}'."
        )
    if status not in TRANSFERABLE:
        allowed = ", ".join(f"'{s.value}'" for s in sorted(TRANSFERABLE))
        raise TransitionNotAllowedError(
            f"Departments are transferred while the fund assesses the case or after it "
            f"prequalified the covered ones (status {allowed}); the case has status "
            f"'{status.value}' ({status.label})."
        )
    if calculation is None:
        raise RuleViolationError(
            "Calculate the rent model first (POST …/rent-support): it decides which "
            "departments are not covered."
        )
    done = {d for t in transfers for d in t.department_ids}
    remaining = [d for d in not_covered(calculation) if d not in done]
    if not remaining:
        raise RuleViolationError(
            "No department is left to transfer: the rent model found every department covered, "
            "or those not covered are already transferred."
        )
    return remaining


def refusal_blocker(
    kind: str, calculation: Mapping[str, Any] | None, transfers: Iterable[TransferCase]
) -> str | None:
    """Why a rent-support case cannot be finally refused yet (None: it can)."""
    if kind != RENT_SUPPORT:
        return None
    if calculation is None:
        return (
            "A rent-support case is refused on the rent model's basis: calculate it first "
            "(POST …/rent-support), then transfer the departments not covered to the national "
            "disposition fund."
        )
    cases = list(transfers)
    transferred = {d: t for t in cases for d in t.department_ids}
    missing = [d for d in not_covered(calculation) if d not in transferred]
    if missing:
        return (
            f"Departments {', '.join(missing)} are not covered by rent support and must first "
            "be transferred to the national disposition fund (landsdispositionsfonden) as an "
            "operating-support case (POST …/transfer) before a final refusal."
        )
    undecided = sorted(
        {transferred[d].application_id for d in not_covered(calculation)}
        - {t.application_id for t in cases if t.status in DECIDED}
    )
    if undecided:
        return (
            f"The national disposition fund has not yet decided the operating-support case(s) "
            f"{', '.join(undecided)}; a final refusal comes after that decision."
        )
    return None
