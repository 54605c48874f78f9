"""Filling in the report and the department forms: the versioned catalogue, answers checked
against their questions, progress per part, and loading last year's answers."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from governance.db.repositories import PackageRepository

from .support import (
    API,
    DEPARTMENT_ANSWERS,
    REPORT_ANSWERS,
    YEAR,
    apply,
    department,
    fund,
    open_year,
    org,
    organisation,
    post_headers,
    standard_catalogue_body,
)

PKG = f"pkg-{YEAR}-BO-1"
LAST = f"pkg-{YEAR - 1}-BO-1"


@pytest.fixture
async def client(governance_client, governance_db, tokens):
    client = await governance_client()
    await apply(
        governance_db,
        organisation("BO-1", "101"),
        department("d1", "BO-1", "101"),
        department("d2", "BO-1", "147"),
    )
    await open_year(client, tokens)
    return client


class TestCatalogue:
    async def test_the_year_has_its_own_questions(self, client, tokens):
        body = (await client.get(f"{API}/catalogues/{YEAR}", headers=org(tokens, "BO-1"))).json()
        assert [q["code"] for q in body["questions"]][:2] == ["goals_followed_up", "goals_comment"]
        empty = (
            await client.get(f"{API}/catalogues/{YEAR + 1}", headers=org(tokens, "BO-1"))
        ).json()
        assert empty["questions"] == []

    async def test_two_setting_the_catalogue_at_once_both_succeed(self, client, tokens):
        """Two requests set next year's catalogue at the same moment (a retried PUT while the
        first still runs): both deleted the year's questions and inserted theirs, and the
        second hit the unique key (year, form, code): a 500. Now they set it one after the
        other; the catalogue is whole."""
        body = standard_catalogue_body()
        responses = await asyncio.gather(
            *(
                client.put(f"{API}/catalogues/{YEAR + 1}", json=body, headers=fund(tokens))
                for _ in range(3)
            )
        )
        assert [r.status_code for r in responses] == [200, 200, 200], [
            r.text[:200] for r in responses
        ]
        held = (await client.get(f"{API}/catalogues/{YEAR + 1}", headers=fund(tokens))).json()
        assert len(held["questions"]) == len(body["questions"])

    async def test_the_catalogue_cannot_change_under_a_first_answer_saved_meanwhile(
        self, client, tokens, monkeypatch
    ):
        """The fund replaces the catalogue while the year's first answer is being saved: the
        replacement found no answers (not committed yet) and the answer was kept under a
        catalogue that no longer had its question. Now one waits for the other: the answer is
        saved first and the replacement is refused (409), or the replacement first and the
        answer is checked against the new catalogue. Interleaved: the answer's request waits,
        after reading the catalogue, until the replacement has looked for answers."""
        looked = asyncio.Event()
        has_answers = PackageRepository.year_has_answers
        questions_of = PackageRepository.questions_of

        async def look_then_signal(self, year):
            found = await has_answers(self, year)
            looked.set()
            return found

        async def questions_then_wait(self, year, kind):
            held = await questions_of(self, year, kind)
            with contextlib.suppress(TimeoutError):  # (with the fix: the replacement waits)
                await asyncio.wait_for(looked.wait(), timeout=2)
            return held

        monkeypatch.setattr(PackageRepository, "year_has_answers", look_then_signal)
        monkeypatch.setattr(PackageRepository, "questions_of", questions_then_wait)
        changed = standard_catalogue_body()
        changed["questions"] = [q for q in changed["questions"] if q["code"] != "goals_comment"]

        async def replace():
            await asyncio.sleep(0.2)  # the answer's request reads the catalogue first
            return await client.put(f"{API}/catalogues/{YEAR}", json=changed, headers=fund(tokens))

        answered, replaced = await asyncio.gather(
            client.put(
                f"{API}/packages/{PKG}/report/answers",
                json={"answers": {"goals_comment": "Fulgt op"}},
                headers=org(tokens, "BO-1"),
            ),
            replace(),
        )
        monkeypatch.undo()
        assert (answered.status_code, replaced.status_code) == (200, 409), (
            answered.text[:200],
            replaced.text[:200],
        )
        held = (await client.get(f"{API}/catalogues/{YEAR}", headers=fund(tokens))).json()
        assert "goals_comment" in [q["code"] for q in held["questions"]]

    async def test_a_catalogue_with_answers_cannot_change(self, client, tokens):
        await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": {"goals_followed_up": True}},
            headers=org(tokens, "BO-1"),
        )
        response = await client.put(
            f"{API}/catalogues/{YEAR}", json=standard_catalogue_body(), headers=fund(tokens)
        )
        assert response.status_code == 409
        assert response.json()["type"] == "urn:housing:problem:catalogue-in-use"

    async def test_a_choice_question_needs_options_and_codes_are_unique(self, client, tokens):
        question = {
            "code": "q",
            "form": "report",
            "section": "s",
            "text": "t",
            "kind": "choice",
            "options": ["a"],
        }
        response = await client.put(
            f"{API}/catalogues/{YEAR + 1}",
            json={"questions": [question, question]},
            headers=fund(tokens),
        )
        assert response.status_code == 422
        assert {e["code"] for e in response.json()["errors"]} == {"too-few-options", "duplicate"}


class TestAnswers:
    async def test_answering_moves_the_form_and_the_package_to_under_udarbejdelse(
        self, client, tokens
    ):
        response = await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": {"goals_followed_up": True}},
            headers=org(tokens, "BO-1"),
        )
        assert response.status_code == 200, response.text
        form = response.json()
        assert (form["status"], form["answered"], form["required_answered"], form["required"]) == (
            "in_progress",
            1,
            1,
            4,
        )
        assert form["missing_required"] == [
            "efficiency_measures",
            "joint_operation",
            "residents_democracy",
        ]
        package = (await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))).json()
        assert package["status"] == "in_progress"
        assert package["status_label"] == "Under udarbejdelse"
        assert package["departments"][0]["status"] == "ready"

    async def test_all_required_answers_make_the_part_complete_and_all_parts_the_package(
        self, client, tokens
    ):
        headers = org(tokens, "BO-1")
        await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": REPORT_ANSWERS},
            headers=headers,
        )
        for dep in ("d1", "d2"):
            await client.put(
                f"{API}/packages/{PKG}/departments/{dep}/answers",
                json={"answers": DEPARTMENT_ANSWERS},
                headers=headers,
            )
        package = (await client.get(f"{API}/packages/{PKG}", headers=headers)).json()
        assert package["report"]["status"] == "complete"
        assert [f["status"] for f in package["departments"]] == ["complete", "complete"]
        assert (package["status"], package["status_label"]) == ("complete", "Helt udfyldt")

    async def test_clearing_a_required_answer_makes_it_incomplete_again(self, client, tokens):
        headers = org(tokens, "BO-1")
        await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": REPORT_ANSWERS},
            headers=headers,
        )
        form = (
            await client.put(
                f"{API}/packages/{PKG}/report/answers",
                json={"answers": {"joint_operation": None}},
                headers=headers,
            )
        ).json()
        assert form["status"] == "in_progress"
        assert form["missing_required"] == ["joint_operation"]

    @pytest.mark.parametrize(
        ("code", "value", "error"),
        [
            ("goals_followed_up", "ja", "not-yes-no"),
            ("joint_operation", "Måske", "not-an-option"),
            ("goals_comment", 42, "not-a-text"),
            ("no_such_question", True, "unknown"),
        ],
    )
    async def test_an_answer_that_does_not_fit_its_question_is_refused(
        self, client, tokens, code, value, error
    ):
        response = await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": {code: value}},
            headers=org(tokens, "BO-1"),
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
            (f"#/answers/{code}", error)
        ]

    async def test_a_code_with_a_slash_or_tilde_is_escaped_in_the_pointer(self, client, tokens):
        """RFC 6901: ``~`` is ``~0`` and ``/`` is ``~1`` in a JSON pointer's token; the code
        went in unescaped, so ``a/b`` pointed at ``answers → a → b``, which is not in the body."""
        response = await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": {"rent/m2": 1, "x~1": 2}},
            headers=org(tokens, "BO-1"),
        )
        assert response.status_code == 422
        assert [(e["pointer"], e["code"]) for e in response.json()["errors"]] == [
            ("#/answers/rent~1m2", "unknown"),
            ("#/answers/x~01", "unknown"),
        ]

    async def test_numbers_are_stored_exactly(self, client, tokens):
        form = (
            await client.put(
                f"{API}/packages/{PKG}/departments/d1/answers",
                json={"answers": {"vacant_dwellings": "3,50"}},
                headers=org(tokens, "BO-1"),
            )
        ).json()
        assert (
            next(q["answer"] for q in form["questions"] if q["code"] == "vacant_dwellings") == "3.5"
        )

    @pytest.mark.parametrize("value", ["1e-1000000", "0,0000001", 1e-300])
    async def test_a_number_written_out_past_six_decimals_is_refused(self, client, tokens, value):
        """Ten characters, "1e-1000000", were stored written out: a million characters in the
        answer (500 of them a request — half a gigabyte from a small body), shown in the form and
        the PDF. A number has at most six decimals (the largest is below 10^12 already)."""
        response = await client.put(
            f"{API}/packages/{PKG}/departments/d1/answers",
            json={"answers": {"vacant_dwellings": value}},
            headers=org(tokens, "BO-1"),
        )
        assert response.status_code == 422, response.text[:200]
        [error] = response.json()["errors"]
        assert (error["pointer"], error["code"]) == ("#/answers/vacant_dwellings", "too-precise")
        assert "six decimals" in error["detail"]
        kept = await client.put(
            f"{API}/packages/{PKG}/departments/d1/answers",
            json={"answers": {"vacant_dwellings": "0,000001"}},
            headers=org(tokens, "BO-1"),
        )
        answers = {q["code"]: q["answer"] for q in kept.json()["questions"]}
        assert answers["vacant_dwellings"] == "0.000001"

    async def test_another_organisation_cannot_answer(self, client, tokens):
        response = await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": {"goals_followed_up": True}},
            headers=org(tokens, "BO-2"),
        )
        assert response.status_code == 404

    async def test_a_stale_if_match_is_a_conflict(self, client, tokens):
        headers = org(tokens, "BO-1")
        response = await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": {"goals_followed_up": True}},
            headers={**headers, "If-Match": 'W/"999"'},
        )
        assert response.status_code == 409
        assert response.json()["type"] == "urn:housing:problem:package-changed"


async def _open_previous_year_with_answers(client, tokens):
    """Last year's catalogue differs: 'efficiency_measures' was worded differently and
    'joint_operation' did not exist."""
    body = standard_catalogue_body()
    previous = []
    for q in body["questions"]:
        if q["code"] == "joint_operation":
            continue
        if q["code"] == "efficiency_measures":
            q = {**q, "text": "Beskriv effektiviseringstiltag (gammel formulering)."}
        previous.append(q)
    assert (
        await client.put(
            f"{API}/catalogues/{YEAR - 1}", json={"questions": previous}, headers=fund(tokens)
        )
    ).status_code == 200
    await client.post(
        f"{API}/packages/generate", json={"year": YEAR - 1}, headers=post_headers(fund(tokens))
    )
    headers = org(tokens, "BO-1")
    await client.put(
        f"{API}/packages/{LAST}/report/answers",
        json={
            "answers": {
                "goals_followed_up": False,
                "efficiency_measures": "Gammelt svar",
                "residents_democracy": True,
            }
        },
        headers=headers,
    )
    for dep in ("d1", "d2"):
        await client.put(
            f"{API}/packages/{LAST}/departments/{dep}/answers",
            json={"answers": DEPARTMENT_ANSWERS},
            headers=headers,
        )


class TestLoadLastYearsAnswers:
    async def test_copies_the_answers_whose_question_did_not_change(self, client, tokens):
        await _open_previous_year_with_answers(client, tokens)
        headers = post_headers(org(tokens, "BO-1"))
        response = await client.post(
            f"{API}/packages/{PKG}/load-last-year", json={}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json() == {
            "copied": 8,
            "kept": 0,
            "changed_questions": 1,
            "forms": ["report", "d1", "d2"],
        }
        report = (
            await client.get(f"{API}/packages/{PKG}/report", headers=org(tokens, "BO-1"))
        ).json()
        answers = {q["code"]: q["answer"] for q in report["questions"]}
        assert answers["goals_followed_up"] is False
        assert answers["efficiency_measures"] is None  # its wording changed: not copied
        assert answers["residents_democracy"] is True
        departments = (
            await client.get(f"{API}/packages/{PKG}", headers=org(tokens, "BO-1"))
        ).json()["departments"]
        assert [f["status"] for f in departments] == ["complete", "complete"]

    async def test_copies_only_into_the_chosen_forms_and_keeps_this_years_answers(
        self, client, tokens
    ):
        await _open_previous_year_with_answers(client, tokens)
        await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": {"goals_followed_up": True}},
            headers=org(tokens, "BO-1"),
        )
        response = await client.post(
            f"{API}/packages/{PKG}/load-last-year",
            json={"forms": ["report"]},
            headers=post_headers(org(tokens, "BO-1")),
        )
        assert response.json() == {
            "copied": 1,
            "kept": 1,
            "changed_questions": 1,
            "forms": ["report"],
        }
        report = (
            await client.get(f"{API}/packages/{PKG}/report", headers=org(tokens, "BO-1"))
        ).json()
        assert (
            next(q["answer"] for q in report["questions"] if q["code"] == "goals_followed_up")
            is True
        )
        d1 = (
            await client.get(f"{API}/packages/{PKG}/departments/d1", headers=org(tokens, "BO-1"))
        ).json()
        assert d1["answered"] == 0

    async def test_overwrite_replaces_this_years_answers(self, client, tokens):
        await _open_previous_year_with_answers(client, tokens)
        await client.put(
            f"{API}/packages/{PKG}/report/answers",
            json={"answers": {"goals_followed_up": True}},
            headers=org(tokens, "BO-1"),
        )
        await client.post(
            f"{API}/packages/{PKG}/load-last-year",
            json={"forms": ["report"], "overwrite": True},
            headers=post_headers(org(tokens, "BO-1")),
        )
        report = (
            await client.get(f"{API}/packages/{PKG}/report", headers=org(tokens, "BO-1"))
        ).json()
        assert (
            next(q["answer"] for q in report["questions"] if q["code"] == "goals_followed_up")
            is False
        )

    async def test_an_unknown_form_is_named(self, client, tokens):
        response = await client.post(
            f"{API}/packages/{PKG}/load-last-year",
            json={"forms": ["d-nope"]},
            headers=post_headers(org(tokens, "BO-1")),
        )
        assert response.status_code == 404
        assert "d-nope" in response.json()["detail"]

    async def test_without_a_previous_package_nothing_is_copied(self, client, tokens):
        response = await client.post(
            f"{API}/packages/{PKG}/load-last-year",
            json={},
            headers=post_headers(org(tokens, "BO-1")),
        )
        assert response.json()["copied"] == 0
