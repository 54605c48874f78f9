"""Which directory entries a caller manages, and whose addresses it sees.

Built on the caller's access scope (``common.access.Scope``): a directory entry belongs to its
municipality or to its organisation, so the caller manages it when its scope sees that
municipality or that organisation — the fund every entry, a municipality its own, a housing or
administration organisation those its token names. A caller sees the addresses of the entries
it manages only: an organisation reading the deliveries that followed its own events does not
see the addresses of the municipalities they went to.

(Which deliveries a caller reads is a query: ``notifications.db.repositories``.)
"""

from __future__ import annotations

from typing import Protocol

from notifications.domain.rules import Recipient, RecipientKind


class Viewer(Protocol):
    """What this module needs of the caller's scope (``common.access.Scope`` is one)."""

    def sees(self, organisation_id: str | None, municipality_code: str | None) -> bool:
        """Whether an object of this organisation, lying in this municipality, is visible."""
        ...


def manages(viewer: Viewer, recipient: Recipient) -> bool:
    """Whether the caller may read and change this recipient's directory entry."""
    if recipient.kind is RecipientKind.MUNICIPALITY:
        return viewer.sees(None, recipient.ref)
    return viewer.sees(recipient.ref, None)


def sees_address_of(viewer: Viewer, recipient: Recipient) -> bool:
    """Whether the caller may see the address a delivery to this recipient went to."""
    return manages(viewer, recipient)
