"""The read model of the register's organisations and departments: fed by events through the
inbox, once; an older version never overwrites a newer one."""

from __future__ import annotations

from common.events.consumer import Outcome

from .support import (
    API,
    apply,
    create,
    department,
    key_figures,
    org,
    organisation,
    sql,
    to_status,
)


class TestMasterData:
    async def test_a_duplicate_event_is_applied_once(self, grants_client, grants_db, grants_db_url):
        await grants_client()
        event = department("d-1", "o-1")
        outcomes = await apply(grants_db, event, event)
        assert outcomes[1] is Outcome.DUPLICATE
        assert sql(grants_db_url, "SELECT id, version FROM departments") == [("d-1", 1)]

    async def test_an_older_version_arriving_late_changes_nothing(
        self, grants_client, grants_db, grants_db_url
    ):
        await grants_client()
        await apply(
            grants_db,
            department("d-1", "o-1", municipality="147", version=2),
            department("d-1", "o-1", municipality="101", version=1),
            organisation("o-1", home="147", version=3),
            organisation("o-1", home="101", version=2),
        )
        assert sql(grants_db_url, "SELECT municipality_code, version, region FROM departments") == [
            ("147", 2, "capital")
        ]
        assert sql(grants_db_url, "SELECT home_municipality_code FROM organisations") == [("147",)]

    async def test_a_new_application_is_prefilled_with_the_newest_facts(
        self, grants_client, grants_db, tokens
    ):
        client = await grants_client()
        await apply(
            grants_db,
            organisation("o-1"),
            department("d-1", "o-1", year=1960),
            department("d-1", "o-1", version=2, year=1961),
        )
        app = await create(client, tokens)
        assert app["forms"][0]["prefilled"]["construction_year"] == 1961
        assert app["forms"][0]["prefilled"]["register_version"] == 2
        r = await client.get(f"{API}/applications/{app['id']}", headers={})
        assert r.status_code == 401


class TestPrefilledFigures:
    async def test_forms_take_the_rent_and_letting_figures_of_the_year_before(
        self, grants_client, grants_db, tokens
    ):
        client = await grants_client()
        await apply(
            grants_db,
            organisation("o-1"),
            department("d-1", "o-1"),
            key_figures(
                "d-1",
                "o-1",
                rent="1034.5",
                comparable="980.25",
                vacancy="1.25",
                move_out="12.5",
                year=2024,
            ),
            key_figures(
                "d-1",
                "o-1",
                rent="1050.1234",
                comparable="990.00",
                vacancy="0.8",
                move_out="11",
                year=2025,
            ),
            key_figures("d-1", "o-1", rent="1100.00", comparable="1000.00", year=2026),
        )
        app = await create(client, tokens)  # frame year 2026: the 2025 figures
        (form,) = app["forms"]
        assert form["prefilled"]["key_figures"] == {
            "year": 2025,
            "rent_per_m2": "1050.12",
            "comparable_rent_per_m2": "990.00",
            "vacancy_share": "0.80",
            "move_out_rate": "11.00",
            "average_dwelling_size": "75.00",
        }
        assert form["answers"] == {
            "average_rent_per_m2": "1050.12",
            "vacancy_percent": "0.80",
            "turnover_percent": "11.00",
        }
        assert "average_rent_per_m2" not in form["missing"]

    async def test_figures_arriving_after_a_draft_was_created_fill_it_in(
        self, grants_client, grants_db, tokens
    ):
        """An applicant who creates the application before the calculator's figures arrive
        gets them when they come (the draft's form is prefilled then, with a history line);
        what the applicant answered itself is kept. A sent application keeps what it was sent
        with."""
        client = await grants_client()
        await apply(grants_db, organisation("o-1"), department("d-1", "o-1"))
        draft = await create(client, tokens)
        sent = await to_status(client, tokens, await create(client, tokens), "sent")
        assert draft["forms"][0]["prefilled"]["key_figures"] is None
        headers = org(tokens, "o-1")
        r = await client.put(
            f"{API}/applications/{draft['id']}/departments/d-1/answers",
            json={"answers": {"vacancy_percent": "3.5"}},
            headers=headers,
        )
        assert r.status_code == 200, r.text

        async def form_after(rent: str, vacancy: str, move_out: str, year: int) -> dict:
            figures = key_figures("d-1", "o-1", rent=rent, comparable="980", vacancy=vacancy,
                                  move_out=move_out, year=year)  # fmt: skip
            await apply(grants_db, figures)
            r = await client.get(f"{API}/applications/{draft['id']}", headers=headers)
            (form,) = r.json()["forms"]
            assert form["prefilled"]["key_figures"]["year"] == year
            return form["answers"]

        assert await form_after("1034.5", "1.25", "12.5", 2024) == {
            "average_rent_per_m2": "1034.50",
            "vacancy_percent": "3.5",  # the applicant's own answer stays
            "turnover_percent": "12.50",
        }
        history = (
            await client.get(f"{API}/applications/{draft['id']}/history", headers=headers)
        ).json()["items"]
        assert (history[-1]["action"], history[-1]["role"]) == ("figures_prefilled", "system")
        # newer figures replace what was prefilled from older ones, not the applicant's answers
        assert await form_after("1050", "0.8", "11", 2025) == {
            "average_rent_per_m2": "1050.00",
            "vacancy_percent": "3.5",
            "turnover_percent": "11.00",
        }
        r = await client.get(f"{API}/applications/{sent['id']}", headers=headers)
        assert r.json()["forms"][0]["prefilled"]["key_figures"] is None
