"""Organisations named in messages: by the name the register sent, else by their id.

An organisation's name is public (not personal data); the register carries it in
``OrganisationUpsertedV1.name``. A message rendered before the register's event arrived, or
about a private landlord (whose id is no register organisation), names the id instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from notifications.domain.rules import Addressee, RecipientKind


def referenced_organisations(
    event_fields: Mapping[str, Any], addressees: Iterable[Addressee]
) -> set[str]:
    """Every organisation id ``event_fields`` (a contract's ``model_dump()``) or an organisation
    addressee names: fields called ``organisation_id`` / ``…_organisation_id`` or
    ``organisation_ids``, at any depth (a reminder's outstanding items)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(key, str) and key.endswith("organisation_id") and item:
                    found.add(str(item))
                elif isinstance(key, str) and key.endswith("organisation_ids") and item:
                    found.update(str(i) for i in item)
                else:
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(event_fields)
    found.update(
        a.recipient.ref for a in addressees if a.recipient.kind is RecipientKind.ORGANISATION
    )
    return found


def organisation_namer(names: Mapping[str, str]) -> Any:
    """The templates' ``organisation(id)``: the organisation's name, or its id when unknown."""

    def organisation(organisation_id: object) -> str:
        key = str(organisation_id)
        return names.get(key) or key

    return organisation
