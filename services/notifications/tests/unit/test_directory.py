"""The recipient directory's rules without a database: opt-outs, addresses, versions."""

from __future__ import annotations

import pytest

from common.errors import PreconditionRequiredError
from notifications.domain.directory import check_opt_outs, check_version, normalise_addresses
from notifications.domain.errors import (
    OptOutNotAllowedError,
    RecipientChangedError,
    RecipientNotFoundError,
)
from notifications.domain.rules import Recipient, RecipientKind

M, ORG = RecipientKind.MUNICIPALITY, RecipientKind.ORGANISATION
KK = Recipient(M, "101")


class TestCheckOptOuts:
    def test_an_optional_message_may_be_opted_out_of_each_kept_once_sorted(self):
        opted = ["grants.application.prequalified", "governance.package.sent"] * 2
        assert check_opt_outs(M, opted) == [
            "governance.package.sent",
            "grants.application.prequalified",
        ]

    def test_a_required_message_cannot_be_opted_out_of(self):
        with pytest.raises(OptOutNotAllowedError) as refused:
            check_opt_outs(M, ["governance.package.sent", "governance.reminder.due"])
        (error,) = refused.value.errors
        assert error.pointer == "#/opt_outs/1"
        assert "must receive" in error.detail

    def test_a_message_never_sent_to_this_kind_names_the_optional_ones(self):
        with pytest.raises(OptOutNotAllowedError) as refused:
            check_opt_outs(ORG, ["governance.package.sent"])
        (error,) = refused.value.errors
        assert "governance.package.meeting_held" in error.detail
        assert error.code == "opt-out-not-allowed"

    def test_no_opt_outs_is_fine(self):
        assert check_opt_outs(ORG, []) == []


class TestNormaliseAddresses:
    def test_addresses_are_trimmed_lower_case_each_once_sorted(self):
        assert normalise_addresses([" B@KK.dk", "a@kk.dk", "b@kk.dk "]) == ["a@kk.dk", "b@kk.dk"]


class TestCheckVersion:
    def test_a_new_entry_needs_no_version(self):
        check_version(KK, None, None)
        check_version(KK, None, 0)

    def test_a_version_for_an_entry_that_does_not_exist_is_not_found(self):
        with pytest.raises(RecipientNotFoundError):
            check_version(KK, None, 3)

    def test_changing_an_existing_entry_needs_its_version(self):
        with pytest.raises(PreconditionRequiredError) as refused:
            check_version(KK, 2, None)
        assert 'W/"2"' in str(refused.value)

    def test_a_stale_version_is_refused(self):
        with pytest.raises(RecipientChangedError):
            check_version(KK, 3, 2)

    def test_the_current_version_is_accepted(self):
        check_version(KK, 3, 3)
