"""§ 90 statistics from the real database: JSON and Excel, per tribunal and national, small
cells suppressed, access by role."""

from __future__ import annotations

import io
from datetime import date

import openpyxl

from .support import API, act, decision_body, file_case, fund, kind, party, tribunal


async def decided_case(client, tokens, clock, code, filed, decided, vote="complainant_fully",
                       inspect=False):  # fmt: skip
    clock.today = filed
    case = await file_case(client, tokens, tribunal_code=code)
    headers = tribunal(tokens, code)
    await act(client, headers, case["id"], "notify-counterpart")
    await act(client, headers, case["id"], "reply", {})
    if inspect:
        hearing = await act(client, headers, case["id"], "hearings",
                            {"kind": "inspection", "scheduled_on": decided.isoformat()},
                            status=201)  # fmt: skip
        clock.today = decided
        await act(client, headers, case["id"], f"hearings/{hearing['hearings'][0]['id']}/held")
    clock.today = decided
    members = [{**m, "vote": vote} for m in decision_body()["members"]]
    await act(client, headers, case["id"], "decision", decision_body(members=members))
    return case["id"]


async def seed(client, tokens, clock):
    # Frederiksberg (147): 4 decisions after 14, 21, 28, 60 days; one inspection.
    for filed, days, inspect in ((date(2026, 1, 5), 14, True), (date(2026, 2, 2), 21, False),
                                 (date(2026, 3, 2), 28, False), (date(2026, 4, 6), 60, False)):  # fmt: skip
        await decided_case(client, tokens, clock, "147", filed,
                           date.fromordinal(filed.toordinal() + days), inspect=inspect)  # fmt: skip
    # Copenhagen (101): one decision (a small cell), one case still open.
    await decided_case(client, tokens, clock, "101", date(2026, 5, 4), date(2026, 6, 1),
                       vote="counterpart")  # fmt: skip
    clock.today = date(2026, 6, 2)
    await file_case(client, tokens, tribunal_code="101", category="rent_level")


class TestStatistics:
    async def test_national_figures_and_each_tribunal_with_small_cells_suppressed(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        await seed(client, tokens, clock)
        response = await client.get(
            f"{API}/statistics?from=2026-01-01&to=2026-12-31", headers=fund(tokens)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        overall = body["overall"]
        assert (overall["cases_filed"], overall["decisions"]) == (6, 5)
        # 1 rent-level case is suppressed, and the 5 others with it (secondary suppression):
        # otherwise 6 - 5 would give it away
        assert overall["by_category"]["rent_level"] is None
        assert overall["by_category"]["maintenance_defects"] is None
        assert overall["by_category"]["behaviour"] == 0
        assert overall["outcomes"] == {
            "complainant_fully": None, "complainant_partly": 0, "counterpart": None
        }  # fmt: skip
        assert overall["suppressed"][:3] == [
            "by_category.rent_level", "by_category.maintenance_defects", "outcomes.counterpart"
        ]  # fmt: skip
        # 14, 21, 28, 28, 60 days → median 28, 90th percentile (5th of 5) 60
        assert (overall["median_days_to_decision"], overall["p90_days_to_decision"]) == ("28", 60)
        assert overall["inspections_held"] is None
        by_code = {t["tribunal_code"]: t for t in body["tribunals"]}
        assert sorted(by_code) == ["101", "147"]
        assert by_code["147"]["median_days_to_decision"] == "24.5"  # 14, 21, 28, 60
        assert by_code["101"]["median_days_to_decision"] is None
        assert "days_to_decision" in by_code["101"]["suppressed"]
        assert by_code["101"]["cases_filed"] is None  # 2 cases
        # … and so 147's 4 (6 - 4 = 2), then its one category (it would add up to the total)
        assert by_code["147"]["cases_filed"] is None
        assert by_code["147"]["by_category"]["maintenance_defects"] is None
        assert by_code["147"]["decisions"] is None

    async def test_a_tribunal_reads_its_own_and_not_anothers(self, legal_client, tokens, clock):
        client = await legal_client()
        await seed(client, tokens, clock)
        own = await client.get(f"{API}/statistics?from=2026-01-01&to=2026-12-31",
                               headers=tribunal(tokens, "147"))  # fmt: skip
        body = own.json()
        assert (body["tribunal_code"], body["overall"]["decisions"], body["tribunals"]) == (
            "147", 4, []
        )  # fmt: skip
        other = await client.get(
            f"{API}/statistics?from=2026-01-01&to=2026-12-31&tribunal_code=101",
            headers=tribunal(tokens, "147"),
        )
        assert other.status_code == 404
        refused = await client.get(f"{API}/statistics?from=2026-01-01&to=2026-12-31",
                                   headers=party(tokens))  # fmt: skip
        assert refused.status_code == 403

    async def test_a_reversed_period_is_a_problem(self, legal_client, tokens):
        client = await legal_client()
        response = await client.get(f"{API}/statistics?from=2026-12-31&to=2026-01-01",
                                    headers=fund(tokens))  # fmt: skip
        assert response.status_code == 422
        assert kind(response.json()) == "rule-violation"

    async def test_the_excel_file_marks_suppressed_cells(self, legal_client, tokens, clock):
        client = await legal_client()
        await seed(client, tokens, clock)
        response = await client.get(
            f"{API}/statistics.xlsx?from=2026-01-01&to=2026-12-31", headers=fund(tokens)
        )
        assert response.status_code == 200
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=5, values_only=True) if r[0]}
        assert rows["Nøgletal"] == ("I alt", "101 København", "147 Frederiksberg")
        assert rows["Indbragte sager i alt"] == (6, "..", "..")
        assert rows["Sagsbehandlingstid, median (dage)"] == (28, "..", 24.5)
        assert rows["Indbragt: Lejens størrelse"] == ("..", "..", 0)
        assert rows["Indbragt: Vedligeholdelsesmangler"] == ("..", "..", "..")
        assert rows["Afgørelser: Modparten får medhold"] == ("..", "..", 0)
        assert rows["Besigtigelser afholdt"] == ("..", 0, "..")


class TestAppealOutcomeStatistics:
    """§ 90: appellate outcomes, by the appellate decision's date, per tribunal and nationally."""

    async def appealed(self, client, tokens, clock, code, filed, outcome, decided_on):
        case_id = await decided_case(client, tokens, clock, code, filed,
                                     date.fromordinal(filed.toordinal() + 14))  # fmt: skip
        headers = tribunal(tokens, code)
        clock.today = date.fromordinal(filed.toordinal() + 20)
        await act(client, headers, case_id, "appeal", {"appellant_side": "counterpart"})
        clock.today = decided_on
        body = {"outcome": outcome, "decided_on": decided_on.isoformat()}
        if outcome != "upheld":
            body["summary"] = "Afgjort anderledes"
        await act(client, headers, case_id, "appeal/outcome", body)
        return case_id

    async def seed(self, client, tokens, clock):
        # Frederiksberg: 3 upheld, 1 changed; Copenhagen: 3 set aside; one more upheld in 147
        # after the period (not counted) and one appeal without an outcome.
        for filed, outcome in ((date(2026, 1, 5), "upheld"), (date(2026, 1, 12), "upheld"),
                               (date(2026, 1, 19), "upheld"), (date(2026, 1, 26), "changed")):  # fmt: skip
            await self.appealed(client, tokens, clock, "147", filed, outcome, date(2026, 6, 1))
        for filed in (date(2026, 2, 2), date(2026, 2, 9), date(2026, 2, 16)):
            await self.appealed(client, tokens, clock, "101", filed, "set_aside",
                                date(2026, 6, 2))  # fmt: skip
        await self.appealed(client, tokens, clock, "147", date(2026, 3, 2), "upheld",
                            date(2027, 1, 4))  # fmt: skip
        pending = await decided_case(client, tokens, clock, "147", date(2026, 3, 9),
                                     date(2026, 3, 23))  # fmt: skip
        clock.today = date(2026, 3, 30)
        await act(client, tribunal(tokens, "147"), pending, "appeal",
                  {"appellant_side": "complainant"})  # fmt: skip
        clock.today = date(2027, 1, 5)

    async def test_outcomes_in_json_and_excel_with_small_cells_suppressed(
        self, legal_client, tokens, clock
    ):
        client = await legal_client()
        await self.seed(client, tokens, clock)
        response = await client.get(
            f"{API}/statistics?from=2026-01-01&to=2026-12-31", headers=fund(tokens)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["overall"]["appeal_outcomes"] == {"upheld": 3, "changed": None, "set_aside": 3}
        by_code = {t["tribunal_code"]: t for t in body["tribunals"]}
        assert by_code["147"]["appeal_outcomes"] == {"upheld": 3, "changed": None, "set_aside": 0}
        assert by_code["101"]["appeal_outcomes"] == {"upheld": 0, "changed": 0, "set_aside": 3}
        assert "appeal_outcomes.changed" in body["overall"]["suppressed"]
        own = (await client.get(f"{API}/statistics?from=2026-01-01&to=2026-12-31",
                                headers=tribunal(tokens, "101"))).json()  # fmt: skip
        assert own["overall"]["appeal_outcomes"] == {"upheld": 0, "changed": 0, "set_aside": 3}
        later = (await client.get(f"{API}/statistics?from=2027-01-01&to=2027-12-31",
                                  headers=fund(tokens))).json()  # fmt: skip
        assert later["overall"]["appeal_outcomes"] == {"upheld": None, "changed": 0, "set_aside": 0}
        sheet = await client.get(
            f"{API}/statistics.xlsx?from=2026-01-01&to=2026-12-31", headers=fund(tokens)
        )
        rows = {r[0]: r[1:] for r in openpyxl.load_workbook(io.BytesIO(sheet.content)).active
                .iter_rows(min_row=5, values_only=True) if r[0]}  # fmt: skip
        assert rows["Nøgletal"] == ("I alt", "101 København", "147 Frederiksberg")
        assert rows["Ankeafgørelser: Stadfæstet"] == (3, 0, 3)
        assert rows["Ankeafgørelser: Ændret"] == ("..", 0, "..")
        assert rows["Ankeafgørelser: Ophævet"] == (3, 3, 0)
