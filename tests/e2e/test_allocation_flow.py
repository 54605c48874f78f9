"""Municipal allocation across services, on the real PostgreSQL server and Kafka broker.

`housing run` as a subprocess, driven through public HTTP APIs only: the municipality makes an
allocation agreement listing a dwelling; the housing organisation's ERP reports the dwelling's
lease with the "about to become vacant" flag to the register; the register's
``register.dwelling.vacancy_changed`` reaches the allocation service through its inbox, which
opens an offer to the municipality; the notification service mails the municipality the offer
with its 7-weekday deadline; the municipality accepts with its case reference and the
organisation is told.

Every id is unique per run; assertions look only at this run's objects."""

from __future__ import annotations

import signal
import subprocess
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from common.calendar import add_working_days
from common.testing.story import FIGURES_YEAR, HOME, Story, mail_to, ok, text_of

from .test_embedded_run import start_platform
from .test_platform_flow import PLATFORM_SETTINGS, Run, mint_tokens


@pytest.fixture(scope="module")
def platform(infra, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("allocation-flow")
    server = make_url(infra.admin_dsn).set(drivername="postgresql+psycopg", database=None)
    base, process, env = start_platform(
        data_dir,
        HOUSING_DATABASE_SERVER_URL=server.render_as_string(hide_password=False),
        HOUSING_KAFKA_BOOTSTRAP_SERVERS=infra.kafka_bootstrap_servers,
        **infra.platform_prefixes("allocation"),  # its own topics, groups and databases
        REGISTER_MUNICIPAL_ALLOCATION_SECONDS="0.5",
        **PLATFORM_SETTINGS,
    )
    try:
        yield base, env, Run(data_dir)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def http(platform):
    base, *_ = platform
    with httpx.Client(base_url=base, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def run(platform, http):
    _, env, _ = platform
    tokens: dict[tuple[str, ...], str] = {}
    story = Story(http, tokens.__getitem__, "e2e", diagnostics=platform[2].log_tail)
    tokens.update(mint_tokens(story, env))
    return story


@pytest.fixture(scope="module")
def found() -> dict[str, str]:
    """What a step found that a later one needs (the offer)."""
    return {}


@pytest.fixture(scope="module")
def mail_dir(platform):
    return platform[2].mail_dir


def dwelling(run: Story) -> str:
    return f"e2e-alloc-{run.suffix}-bolig-1"


def submission(run: Story) -> list[dict[str, Any]]:
    department = f"e2e-alloc-{run.suffix}"
    section = f"{department}-blok-a"
    return [
        {
            "type": "organisation",
            "record": {
                "BoligorganisationIdentifikator": run.organisation,
                "CVRNummer": "10000009",
                "BoligorganisationNavn": f"Boligselskabet Anvisning {run.suffix}",
                "HjemstedKommuneKode": HOME,
            },
        },
        {
            "type": "department",
            "record": {
                "AfdelingIdentifikator": department,
                "BoligorganisationIdentifikator": run.organisation,
                "AfdelingNavn": "Afdeling anvisning",
                "KommuneKode": HOME,
                "AfdelingBoligtypeKode": "family",
                "OpfoerelsesAar": 1972,
                "BygningstypeKode": "etage",
            },
        },
        {
            "type": "building_section",
            "record": {
                "ByggeafsnitIdentifikator": section,
                "AfdelingIdentifikator": department,
                "ByggeafsnitNavn": "Blok A",
                "OpfoerelsesAar": 1972,
            },
        },
        {
            "type": "dwelling",
            "record": {
                "BoligUnikIdentifikator": dwelling(run),
                "AfdelingIdentifikator": department,
                "ByggeafsnitIdentifikator": section,
                "Vejnavn": "Anvisningsvej",
                "Husnummer": "1",
                "Postnummer": "2400",
                "Bynavn": "København NV",
                "BoligAntalRum": 2,
                "BoligArealKvadratmeter": "55.00",
            },
        },
        {
            "type": "lease",
            "record": {
                "LejekontraktUnikIdentifikator": f"{dwelling(run)}-lk",
                "BoligUnikIdentifikator": dwelling(run),
                "EksternReference": f"ERP-{dwelling(run)}",
                "LejekontraktStartDato": f"{FIGURES_YEAR}-01-01",
                "AnvisningstypeKode": "external_waiting_list",
                "LejekontraktLedigIndikator": True,
                "Boligudgifter": [
                    {
                        "BoligudgiftTypeKode": "base_rent",
                        "BoligudgiftBeloeb": "5200.00",
                        "BoligudgiftStartDato": f"{FIGURES_YEAR}-01-01",
                    }
                ],
            },
        },
    ]


class TestAllocationFlow:
    def test_the_municipality_and_the_organisation_register_their_addresses(self, run, http):
        run.set_addresses(run.municipality(HOME), "municipality", HOME, run.address("anv"))
        run.set_addresses(run.org(), "organisation", run.organisation, run.organisation_address)

    def test_the_municipality_makes_an_agreement_listing_the_dwelling(self, run, http):
        agreement = ok(
            http.post(
                "/allocation/v1/agreements",
                json={
                    "organisation_id": run.organisation,
                    "kind": "listed",
                    "valid_from": "2020-01-01",
                    "dwelling_ids": [dwelling(run)],
                },
                headers=run.municipality(HOME, post=True),
            ),
            201,
        )
        public = ok(
            http.get(
                "/allocation/v1/public/agreements",
                params={"organisation_id": run.organisation},
            )
        )
        assert [a["id"] for a in public["items"]] == [agreement["id"]]

    def test_the_registers_vacancy_opens_an_offer_and_the_municipality_is_mailed(
        self, run, http, found, mail_dir
    ):
        report = ok(
            http.post(
                "/register/v1/submissions",
                json={"records": submission(run)},
                headers=run.org(post=True),
            )
        )
        assert report["accepted"] == 5, report

        def offer() -> dict[str, Any] | None:
            page = ok(
                http.get(
                    "/allocation/v1/offers",
                    params={"organisation_id": run.organisation},
                    headers=run.municipality(HOME),
                )
            )
            return page["items"][0] if page["items"] else None

        offered = run.poll("the allocation offer", offer)
        assert offered["dwelling_id"] == dwelling(run)
        assert offered["status"] == "open"
        received = date.fromisoformat(offered["received_on"])
        assert offered["answer_due"] == add_working_days(received, 7).isoformat()
        messages = run.poll("the offer mail", lambda: mail_to(mail_dir, run.address("anv")))
        offer_mails = [m for m in messages if "Ledig bolig til kommunal anvisning" in m["Subject"]]
        assert len(offer_mails) == 1
        assert dwelling(run) in text_of(offer_mails[0])
        found.update(offer=offered["id"], available_from=offered["available_from"])

    def test_the_municipality_accepts_and_the_organisation_is_told(
        self, run, http, found, mail_dir
    ):
        offer_id = found["offer"]
        answered = ok(
            http.post(
                f"/allocation/v1/offers/{offer_id}/answer",
                json={"answer": "accept", "case_reference": f"SAG-{run.suffix}"},
                headers=run.municipality(HOME, post=True),
            )
        )
        assert answered["status"] == "accepted"
        # The organisation also hears of the agreement it signed; wait for the answer itself.
        [mail] = run.poll(
            "the answer mail",
            lambda: (
                [
                    m
                    for m in mail_to(mail_dir, run.organisation_address) or []
                    if "taget imod" in m["Subject"]
                ]
                or None
            ),
        )
        assert f"SAG-{run.suffix}" not in text_of(mail)

    def test_the_re_letting_is_recorded_as_the_municipalitys_allocation(self, run, http, found):
        available_from = date.fromisoformat(found["available_from"])
        old, new = submission(run)[4]["record"], f"{dwelling(run)}-lk-2"
        re_letting = {
            **old,
            "LejekontraktUnikIdentifikator": new,
            "EksternReference": f"ERP-{new}",
            "LejekontraktStartDato": available_from.isoformat(),
            "LejekontraktLedigIndikator": False,
            "Boligudgifter": [
                {**old["Boligudgifter"][0], "BoligudgiftStartDato": available_from.isoformat()}
            ],
        }
        ended = {**old, "LejekontraktSlutDato": (available_from - timedelta(days=1)).isoformat()}
        records = [{"type": "lease", "record": ended}, {"type": "lease", "record": re_letting}]
        report = ok(
            http.post(
                "/register/v1/submissions", json={"records": records}, headers=run.org(post=True)
            )
        )
        assert report["accepted"] == 2, report

        def recorded() -> dict[str, Any] | None:
            lease = ok(http.get(f"/register/v1/leases/{new}", headers=run.org()))
            return lease if lease["AnvisningstypeKode"] == "municipal_allocation" else None

        lease = run.poll("the municipal allocation on the re-letting lease", recorded)
        assert lease["version"] == 2
