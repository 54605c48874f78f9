"""The recipient directory's rules: which opt-outs are allowed, how addresses are kept, and
which version a change must name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from common.errors import FieldError, PreconditionRequiredError
from notifications.domain.errors import (
    OptOutNotAllowedError,
    RecipientChangedError,
    RecipientNotFoundError,
)
from notifications.domain.rules import (
    Recipient,
    RecipientKind,
    optional_event_types,
    required_event_types,
)


def not_managed(recipient: Recipient) -> RecipientNotFoundError:
    """Someone else's entry, or one the caller asked to change that does not exist: not found,
    so whether it exists does not leak."""
    return RecipientNotFoundError(
        f"No directory entry for {recipient.kind.value} '{recipient.ref}' among those you may "
        "manage."
    )


def no_entry_yet(recipient: Recipient) -> RecipientNotFoundError:
    kind, ref = recipient.kind.value, recipient.ref
    return RecipientNotFoundError(
        f"The {kind} '{ref}' has no directory entry yet, so its notifications are "
        f"logged as 'no_address'; create it with PUT /notifications/v1/recipients/{kind}/{ref}."
    )


def check_opt_outs(kind: RecipientKind, opt_outs: Sequence[str]) -> list[str]:
    """The opt-outs as stored (each once, sorted); 422 naming each one that is not the
    event type of an optional message to this kind of recipient."""
    allowed = optional_event_types(kind)
    required = required_event_types(kind)
    errors = []
    for index, event_type in enumerate(opt_outs):
        if event_type in allowed:
            continue
        if event_type in required:
            detail = (
                f"'{event_type}' is a message a {kind.value} must receive; it cannot be "
                "opted out of."
            )
        else:
            choices = ", ".join(sorted(allowed)) or "none"
            detail = (
                f"'{event_type}' is not a message sent to a {kind.value}; optional ones are: "
                f"{choices}."
            )
        errors.append(FieldError(f"#/opt_outs/{index}", detail, "opt-out-not-allowed"))
    if errors:
        raise OptOutNotAllowedError(
            f"{len(errors)} opt-out(s) are not allowed; see 'errors'.", errors=errors
        )
    return sorted(set(opt_outs))


def normalise_addresses(addresses: Iterable[str]) -> list[str]:
    """Addresses as stored: trimmed, lower case, each once, sorted."""
    return sorted({address.strip().lower() for address in addresses})


def check_version(recipient: Recipient, current: int | None, expected: int | None) -> None:
    """A new entry needs no version (or 0); changing an existing one needs the version read
    (428 without, 412 when it is not the current one), so nobody's change is lost unseen.
    ``current`` is ``None`` when the entry does not exist."""
    if current is None:
        if expected not in (None, 0):
            raise not_managed(recipient)
        return
    if expected is None:
        raise PreconditionRequiredError(
            f'The entry exists (version {current}): send If-Match: W/"{current}" '
            "or a version field, so that nobody's change is overwritten unseen."
        )
    if expected != current:
        raise RecipientChangedError(
            f"The entry is at version {current}, not {expected}: "
            "read it again and apply your change to what is there now."
        )


def created_meanwhile(recipient: Recipient) -> RecipientChangedError:
    """Someone else created the entry while this request created it too (412)."""
    return RecipientChangedError(
        f"The entry of the {recipient.kind.value} '{recipient.ref}' was created meanwhile by "
        'someone else: read it and send your change with its version (If-Match: W/"<version>"), '
        "so that theirs is not overwritten unseen."
    )
