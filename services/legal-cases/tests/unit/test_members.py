"""The member register (§ 79): terms, the chair's law degree, seats checked on the day."""

from datetime import date

import pytest

from legal_cases.domain.decisions import Member, Outcome, Seat
from legal_cases.domain.errors import QuorumError
from legal_cases.domain.members import Appointment, check_appointment, check_bench_appointed

F = Outcome.COMPLAINANT_FULLY
REGISTER = [
    Appointment("formand", Seat.CHAIR, False, date(2024, 1, 1), date(2027, 12, 31), True),
    Appointment("udl", Seat.LANDLORD_MEMBER, False, date(2024, 1, 1), date(2027, 12, 31)),
    Appointment("lej", Seat.TENANT_MEMBER, False, date(2024, 1, 1), date(2026, 6, 30)),
    Appointment("lej-supp", Seat.TENANT_MEMBER, True, date(2024, 1, 1), date(2027, 12, 31)),
]


def bench(tenant="lej", deputy=False):
    return [
        Member(Seat.CHAIR, "formand", vote=F),
        Member(Seat.LANDLORD_MEMBER, "udl", vote=F),
        Member(Seat.TENANT_MEMBER, tenant, deputy=deputy, vote=F),
    ]


class TestAppointments:
    def test_four_years_at_most(self):
        check_appointment(
            Appointment("x", Seat.LANDLORD_MEMBER, False, date(2024, 3, 1), date(2028, 3, 1))
        )
        with pytest.raises(QuorumError) as caught:
            check_appointment(
                Appointment("x", Seat.LANDLORD_MEMBER, False, date(2024, 3, 1), date(2028, 3, 2))
            )
        assert caught.value.errors[0].code == "term-too-long"

    def test_the_chair_needs_a_law_degree(self):
        with pytest.raises(QuorumError) as caught:
            check_appointment(
                Appointment("f", Seat.CHAIR, True, date(2024, 1, 1), date(2025, 1, 1))
            )
        assert caught.value.errors[0].code == "law-degree-required"


class TestBenchAgainstTheRegister:
    def test_appointed_members_on_the_day(self):
        check_bench_appointed(bench(), REGISTER, date(2026, 6, 30))

    def test_a_member_whose_term_ended_may_not_sit(self):
        with pytest.raises(QuorumError) as caught:
            check_bench_appointed(bench(), REGISTER, date(2026, 7, 1))
        assert [(e.pointer, e.code) for e in caught.value.errors] == [
            ("/members/2", "not-appointed")
        ]

    def test_the_deputy_sits_as_deputy_only(self):
        check_bench_appointed(bench("lej-supp", deputy=True), REGISTER, date(2026, 7, 1))
        with pytest.raises(QuorumError):
            check_bench_appointed(bench("lej-supp", deputy=False), REGISTER, date(2026, 7, 1))

    def test_an_empty_register_is_not_checked(self):
        check_bench_appointed(bench("anyone"), [], date(2026, 7, 1))
