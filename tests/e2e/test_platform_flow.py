"""The client's story across services, on the real PostgreSQL server and the real Kafka broker.

`housing run` is started as a subprocess (as in ``test_embedded_run.py``) and driven through
public HTTP APIs only: a housing organisation reports to the register through the ERP
webservice; the benchmark calculator computes the departments' key figures from the register's
events; governance receives the master data and the figures, the fund opens the year, the
organisation fills in and sends its package, its accounts go back to the calculator; the
notification service tells both municipalities (its mail catcher keeps each message as an .eml
file) and, when the home municipality sends the package back, the organisation.

The run's databases and Kafka names carry this test run's prefixes, so runs of other checkouts
on the same servers never meet it; ids are unique per run all the same. The steps are ordered
and share state.
"""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.engine import make_url

from .test_embedded_run import HOUSING, start_platform

T = TypeVar("T")

DEADLINE_SECONDS = 60
YEAR = datetime.now(UTC).year  # the governance year
FIGURES_YEAR = YEAR - 1  # its key figures and accounts are of the previous calendar year
HOME, AWAY = "101", "147"  # København, Frederiksberg

# Two departments of one comparable group (family, capital region, etage, 1960-74, 70-89 m²)
# with the minimum group size at 2: the one in 147 has twice the other's rent, so its rent per
# m² is a third above the group's average, which is red (30 %) -- whatever earlier runs added,
# since every run adds the same pair -- and the organisation has to comment on it.
AREA = Decimal("70.00")
RENT = {HOME: Decimal("5000.00"), AWAY: Decimal("10000.00")}
PLATFORM_SETTINGS = {
    "HOUSING_DEMO_SEED": "false",  # no demo data: not what these tests look at
    "BENCHMARKS_SETTLE_SECONDS": "2",
    "BENCHMARKS_PUBLISH_INTERVAL_SECONDS": "0.5",
    "BENCHMARKS_MIN_GROUP_SIZE": "2",
    "NOTIFICATIONS_SENDER_POLL_SECONDS": "0.2",
}

CATALOGUE = {
    "questions": [
        {
            "code": "goals_followed_up",
            "form": "report",
            "section": "Mål og resultater",
            "text": "Har organisationsbestyrelsen fulgt op på de aftalte mål?",
            "kind": "yes_no",
            "required": True,
        },
        {
            "code": "efficiency_measures",
            "form": "report",
            "section": "Effektivitet",
            "text": "Hvilke tiltag for effektiv drift er gennemført?",
            "kind": "text",
            "required": True,
        },
        {
            "code": "physical_condition",
            "form": "department",
            "section": "Fysisk tilstand",
            "text": "Hvordan er afdelingens fysiske tilstand?",
            "kind": "choice",
            "required": True,
            "options": ["God", "Middel", "Dårlig"],
        },
        {
            "code": "letting_problems",
            "form": "department",
            "section": "Udlejning",
            "text": "Har afdelingen udlejningsproblemer?",
            "kind": "yes_no",
            "required": True,
        },
    ]
}
ACCOUNTS = {
    "dwellings": 2,
    "total_area_m2": "140.00",
    "administration_cost": "9000.00",
    "maintenance_cost": "21000.00",
    "vacancy_rent_loss": "0.00",
    "operating_cost": "98000.00",
}
RETURN_REASON = "Afdelingsskemaet for Frederiksberg mangler en uddybning af huslejeniveauet."


@dataclass
class Run:
    """One run's platform, identities and what the steps learnt along the way."""

    base: str
    data_dir: Path
    env: dict[str, str]
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    tokens: dict[str, str] = field(default_factory=dict)
    _package_id: str | None = None

    @property
    def package_id(self) -> str:
        """The package the steps work on (created by the fund's step)."""
        if self._package_id is None:
            pytest.fail("an earlier step did not create the package")
        return self._package_id

    @property
    def organisation(self) -> str:
        return f"e2e-org-{self.suffix}"

    @property
    def organisation_name(self) -> str:
        return f"Boligselskabet E2E {self.suffix}"

    def department(self, municipality: str) -> str:
        return f"e2e-afd-{self.suffix}-{municipality}"

    def address(self, who: str) -> str:
        return f"styringsdialog-{who}-{self.suffix}@kommune.example.dk"

    @property
    def organisation_address(self) -> str:
        return f"post-{self.suffix}@boligselskab.example.dk"

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    def log_tail(self, lines: int = 60) -> str:
        text = (self.data_dir / "run.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def mint_tokens(self) -> None:
        """Every token the story needs, from ``housing token`` with the run's dev key (the
        commands run side by side: each one takes seconds on a busy machine)."""
        wanted = [
            ("housing_org", "--org", self.organisation),
            ("fund",),
            ("municipality", "--municipality", HOME),
            ("municipality", "--municipality", AWAY),
        ]
        commands = {
            " ".join(args): subprocess.Popen(
                [str(HOUSING), "token", "--role", *args],
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in wanted
        }
        for key, command in commands.items():
            out, err = command.communicate(timeout=120)
            assert command.returncode == 0, f"housing token --role {key}: {err}"
            self.tokens[key] = out.strip()

    def token(self, role: str, *args: str) -> str:
        return self.tokens[" ".join((role, *args))]

    def headers(self, role: str, *args: str, post: bool = False) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token(role, *args)}"}
        if post:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        return headers

    def org(self, post: bool = False) -> dict[str, str]:
        return self.headers("housing_org", "--org", self.organisation, post=post)

    def fund(self, post: bool = False) -> dict[str, str]:
        return self.headers("fund", post=post)

    def municipality(self, code: str, post: bool = False) -> dict[str, str]:
        return self.headers("municipality", "--municipality", code, post=post)

    def poll(self, what: str, probe: Callable[[], T | None]) -> T:
        """``probe()`` until it returns something other than None, within the deadline."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while True:
            result = probe()
            if result is not None:
                return result
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{what} never arrived within {DEADLINE_SECONDS} s.\n"
                    f"--- run log (tail) ---\n{self.log_tail()}"
                )
            time.sleep(0.25)


@pytest.fixture(scope="module")
def run(infra, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("platform-flow")
    server = make_url(infra.admin_dsn).set(drivername="postgresql+psycopg", database=None)
    base, process, env = start_platform(
        data_dir,
        HOUSING_DATABASE_SERVER_URL=server.render_as_string(hide_password=False),
        HOUSING_KAFKA_BOOTSTRAP_SERVERS=infra.kafka_bootstrap_servers,
        HOUSING_KAFKA_PREFIX=infra.kafka_prefix,  # this run's topics and groups only
        HOUSING_DATABASE_PREFIX=infra.database_prefix,  # and databases
        **PLATFORM_SETTINGS,
    )
    try:
        flow = Run(base, data_dir, env)
        flow.mint_tokens()
        yield flow
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def http(run):
    with httpx.Client(base_url=run.base, timeout=30) as client:
        yield client


def ok(response: httpx.Response, *statuses: int) -> Any:
    assert response.status_code in (statuses or (200,)), (
        f"{response.request.method} {response.request.url} → {response.status_code}: "
        f"{response.text}"
    )
    return response.json() if response.content else None


# --- the organisation's ERP reports to the register -------------------------------------------


def submission(run: Run) -> list[dict[str, Any]]:
    org = run.organisation
    records: list[dict[str, Any]] = [
        {
            "type": "organisation",
            "record": {
                "BoligorganisationIdentifikator": org,
                "CVRNummer": "10000009",
                "BoligorganisationNavn": run.organisation_name,
                "HjemstedKommuneKode": HOME,
            },
        }
    ]
    for municipality, postcode, city in ((HOME, "2400", "København NV"), (AWAY, "2000", "F")):
        department = run.department(municipality)
        section = f"{department}-blok-a"
        records += [
            {
                "type": "department",
                "record": {
                    "AfdelingIdentifikator": department,
                    "BoligorganisationIdentifikator": org,
                    "AfdelingNavn": f"Afdeling {municipality}",
                    "KommuneKode": municipality,
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
        ]
        for number in (1, 2):
            dwelling = f"{department}-bolig-{number}"
            records += [
                {
                    "type": "dwelling",
                    "record": {
                        "BoligUnikIdentifikator": dwelling,
                        "AfdelingIdentifikator": department,
                        "ByggeafsnitIdentifikator": section,
                        "Vejnavn": "Testvej",
                        "Husnummer": str(number),
                        "Postnummer": postcode,
                        "Bynavn": city,
                        "BoligAntalRum": 3,
                        "BoligArealKvadratmeter": str(AREA),
                    },
                },
                {
                    "type": "lease",
                    "record": {
                        "LejekontraktUnikIdentifikator": f"{dwelling}-lk",
                        "BoligUnikIdentifikator": dwelling,
                        "EksternReference": f"ERP-{dwelling}",
                        "LejekontraktStartDato": f"{FIGURES_YEAR}-01-01",
                        "AnvisningstypeKode": "external_waiting_list",
                        "Boligudgifter": [
                            {
                                "BoligudgiftTypeKode": "base_rent",
                                "BoligudgiftBeloeb": str(RENT[municipality]),
                                "BoligudgiftStartDato": f"{FIGURES_YEAR}-01-01",
                            },
                            {
                                "BoligudgiftTypeKode": "heating",
                                "BoligudgiftBeloeb": "450.00",
                                "BoligudgiftStartDato": f"{FIGURES_YEAR}-01-01",
                            },
                        ],
                    },
                },
            ]
    return records


def set_addresses(http: httpx.Client, headers: dict[str, str], kind: str, ref: str, address: str):
    """Create or replace a recipient directory entry (an existing one needs its version)."""
    path = f"/notifications/v1/recipients/{kind}/{ref}"
    current = http.get(path, headers=headers)
    if current.status_code == 200:
        headers = {**headers, "If-Match": current.headers["ETag"]}
    else:
        ok(current, 404)
    entry = ok(http.put(path, json={"addresses": [address]}, headers=headers), 200, 201)
    assert entry["addresses"] == [address]


def expected_rent_per_m2(municipality: str) -> Decimal:
    return (12 * RENT[municipality] / AREA).quantize(Decimal("0.0001"))


def figure(figures: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in figures["figures"] if f["code"] == code)


# --- the steps ---------------------------------------------------------------------------------


class TestPlatformFlow:
    def test_the_municipalities_and_the_organisation_register_their_addresses(self, run, http):
        for code in (HOME, AWAY):
            set_addresses(
                http, run.municipality(code), "municipality", code, run.address(f"k{code}")
            )
        set_addresses(http, run.org(), "organisation", run.organisation, run.organisation_address)

    def test_the_erp_submission_is_accepted_by_the_register(self, run, http):
        records = submission(run)
        report = ok(
            http.post(
                "/register/v1/submissions", json={"records": records}, headers=run.org(post=True)
            )
        )
        refused = [r for r in report["results"] if r["outcome"] != "accepted"]
        assert refused == [], [r["problem"]["errors"] for r in refused]
        assert report["accepted"] == len(records)

    def test_the_calculator_computes_the_departments_key_figures(self, run, http):
        for municipality in (HOME, AWAY):
            department = run.department(municipality)

            def computed(department: str = department) -> dict[str, Any] | None:
                response = http.get(
                    f"/benchmarks/v1/departments/{department}/key-figures",
                    params={"year": FIGURES_YEAR},
                    headers=run.org(),
                )
                if response.status_code == 404:
                    return None
                figures = ok(response)
                rent = figure(figures, "rent_per_m2")
                return figures if rent["value"] is not None else None

            figures = run.poll(f"the calculator's {FIGURES_YEAR} figures of {department}", computed)
            assert figures["municipality_code"] == municipality
            assert figures["dwellings"] == 2
            assert Decimal(figure(figures, "rent_per_m2")["value"]) == expected_rent_per_m2(
                municipality
            )
            assert Decimal(figure(figures, "vacancy_share")["value"]) == 0

    def test_the_fund_opens_the_year_with_the_registers_departments_and_the_figures(
        self, run, http
    ):
        response = http.put(f"/governance/v1/catalogues/{YEAR}", json=CATALOGUE, headers=run.fund())
        # The year's catalogue is shared by every run on this server: once an earlier run
        # answered it, it cannot change (409) and this run answers the catalogue in place.
        ok(response, 200, 409)
        catalogue = ok(http.get(f"/governance/v1/catalogues/{YEAR}", headers=run.fund()))
        assert catalogue["questions"]
        if response.status_code == 200:
            assert [q["code"] for q in catalogue["questions"]] == [
                q["code"] for q in CATALOGUE["questions"]
            ]

        departments = {run.department(HOME), run.department(AWAY)}

        def package_with_figures() -> dict[str, Any] | None:
            # Repeating "generate" creates only what is missing; the package appears once the
            # register's organisation and departments have reached governance.
            ok(
                http.post(
                    "/governance/v1/packages/generate",
                    json={"year": YEAR},
                    headers=run.fund(post=True),
                )
            )
            page = ok(
                http.get(
                    "/governance/v1/packages",
                    params={"year": YEAR, "organisation_id": run.organisation},
                    headers=run.org(),
                )
            )
            if not page["items"]:
                return None
            package = ok(
                http.get(f"/governance/v1/packages/{page['items'][0]['id']}", headers=run.org())
            )
            forms = {f["key"]: f for f in package["departments"]}
            if set(forms) != departments or not all(f["figures_prefilled"] for f in forms.values()):
                return None
            return package

        package = run.poll(
            "a governance package with both departments' key figures prefilled",
            package_with_figures,
        )
        run._package_id = package["id"]
        assert package["status"] == "ready"
        assert package["home_municipality_code"] == HOME
        assert sorted(package["location_municipality_codes"]) == [HOME, AWAY]
        assert package["accounts"]["accounts_year"] == FIGURES_YEAR
        assert sorted(package["accounts"]["missing"]) == sorted(departments)
        assert package["can_send"] is False

        away = ok(
            http.get(
                f"/governance/v1/packages/{run.package_id}/departments/{run.department(AWAY)}",
                headers=run.org(),
            )
        )
        rent = next(f for f in away["key_figures"] if f["code"] == "rent_per_m2")
        assert Decimal(rent["value"]) == expected_rent_per_m2(AWAY)
        # A third above the comparable departments: red, unless other departments of the same
        # group on this shared server moved the average.
        assert rent["colour"] in ("red", "yellow"), rent
        assert rent["needs_comment"] is True
        assert "rent_per_m2" in away["figures_needing_comment"]

    def test_the_organisation_answers_comments_and_reports_accounts(self, run, http):
        package_id = run.package_id
        base = f"/governance/v1/packages/{package_id}"
        report = ok(http.get(f"{base}/report", headers=run.org()))
        form = ok(
            http.put(
                f"{base}/report/answers",
                json={"answers": {q["code"]: answer(q) for q in report["questions"]}},
                headers=run.org(),
            )
        )
        assert form["missing_required"] == []
        for municipality in (HOME, AWAY):
            department = run.department(municipality)
            form = ok(http.get(f"{base}/departments/{department}", headers=run.org()))
            form = ok(
                http.put(
                    f"{base}/departments/{department}/answers",
                    json={"answers": {q["code"]: answer(q) for q in form["questions"]}},
                    headers=run.org(),
                )
            )
            for code in form["figures_needing_comment"]:
                form = ok(
                    http.put(
                        f"{base}/departments/{department}/key-figures/{code}/comment",
                        json={"comment": "Huslejen afspejler en nyrenoveret afdeling."},
                        headers=run.org(),
                    )
                )
            assert form["figures_needing_comment"] == []
            assert form["missing_required"] == []
            accounts = ok(
                http.put(
                    f"{base}/departments/{department}/accounts",
                    json=ACCOUNTS,
                    headers=run.org(),
                )
            )
            assert accounts["accounts_year"] == FIGURES_YEAR
            assert accounts["revision"] == 1

        package = ok(http.get(base, headers=run.org()))
        assert package["accounts"]["missing"] == []
        assert package["status"] == "complete"
        # Until the calculator has published the figures computed from them, sending waits.
        assert package["can_send"] is (package["accounts"]["key_figures_pending"] == [])

    def test_the_calculator_computes_the_accounts_figures_from_governance(self, run, http):
        for municipality in (HOME, AWAY):
            department = run.department(municipality)

            def accounts_figures(department: str = department) -> dict[str, Any] | None:
                figures = ok(
                    http.get(
                        f"/benchmarks/v1/departments/{department}/key-figures",
                        params={"year": FIGURES_YEAR},
                        headers=run.org(),
                    )
                )
                value = figure(figures, "administration_cost_per_dwelling")["value"]
                return figures if value is not None else None

            figures = run.poll(f"the accounts figures of {department}", accounts_figures)
            assert Decimal(figure(figures, "administration_cost_per_dwelling")["value"]) == 4500
            assert Decimal(figure(figures, "maintenance_per_m2")["value"]) == 150
            assert Decimal(figure(figures, "operating_cost_per_m2")["value"]) == 700
            assert Decimal(figure(figures, "vacancy_loss_per_dwelling")["value"]) == 0

    def test_the_forms_show_the_figures_computed_from_the_accounts(self, run, http):
        for municipality in (HOME, AWAY):
            department = run.department(municipality)

            def form_with_accounts_figures(department: str = department) -> dict | None:
                form = ok(
                    http.get(
                        f"/governance/v1/packages/{run.package_id}/departments/{department}",
                        headers=run.org(),
                    )
                )
                value = figure(
                    {"figures": form["key_figures"]}, "administration_cost_per_dwelling"
                )["value"]
                return form if value is not None else None

            form = run.poll(
                f"the accounts figures in the form of {department}", form_with_accounts_figures
            )
            values = {f["code"]: f["value"] for f in form["key_figures"]}
            assert Decimal(values["administration_cost_per_dwelling"]) == 4500
        package = ok(http.get(f"/governance/v1/packages/{run.package_id}", headers=run.org()))
        assert package["accounts"]["key_figures_pending"] == []
        assert package["can_send"] is True

    def test_the_organisation_sends_the_package(self, run, http):
        unsent = http.get(
            f"/governance/v1/packages/{run.package_id}", headers=run.municipality(HOME)
        )
        assert unsent.status_code == 404, unsent.text  # municipalities see sent packages only
        package = ok(
            http.post(f"/governance/v1/packages/{run.package_id}/send", headers=run.org(post=True))
        )
        assert package["status"] == "sent"
        assert package["sent_at"] is not None
        assert package["can_send"] is False

    def test_the_home_municipality_sees_the_whole_package(self, run, http):
        package = ok(
            http.get(f"/governance/v1/packages/{run.package_id}", headers=run.municipality(HOME))
        )
        assert package["status"] == "sent"
        assert package["report"] is not None
        assert {f["key"] for f in package["departments"]} == {
            run.department(HOME),
            run.department(AWAY),
        }
        accounts = ok(
            http.get(
                f"/governance/v1/packages/{run.package_id}/accounts",
                headers=run.municipality(HOME),
            )
        )
        assert {a["department_id"] for a in accounts} == {
            run.department(HOME),
            run.department(AWAY),
        }

    def test_the_location_municipality_sees_only_its_own_department(self, run, http):
        base = f"/governance/v1/packages/{run.package_id}"
        package = ok(http.get(base, headers=run.municipality(AWAY)))
        assert package["status"] == "sent"
        assert [f["key"] for f in package["departments"]] == [run.department(AWAY)]
        own = ok(
            http.get(f"{base}/departments/{run.department(AWAY)}", headers=run.municipality(AWAY))
        )
        assert own["municipality_code"] == AWAY
        other = http.get(
            f"{base}/departments/{run.department(HOME)}", headers=run.municipality(AWAY)
        )
        assert other.status_code == 404, other.text
        accounts = ok(http.get(f"{base}/accounts", headers=run.municipality(AWAY)))
        assert [a["department_id"] for a in accounts] == [run.department(AWAY)]

    def test_each_municipality_is_told_once_by_e_mail(self, run, http):
        sent = package_figure_counts(run, http)
        deliveries = run.poll(
            "a sent delivery of governance.package.sent to both municipalities",
            lambda: settled_deliveries(run, http, "governance.package.sent", expected=2),
        )
        assert sorted(d["recipient_ref"] for d in deliveries) == [HOME, AWAY]
        assert {d["status"] for d in deliveries} == {"sent"}
        assert {d["recipient_kind"] for d in deliveries} == {"municipality"}
        assert {d["address"]: d["recipient_ref"] for d in deliveries} == {
            run.address(f"k{HOME}"): HOME,
            run.address(f"k{AWAY}"): AWAY,
        }

        # The register's organisation event carried the name to notifications (issue 12, item 15).
        subject = (
            f"Dokumentationspakke for styringsåret {YEAR} fremsendt af {run.organisation_name}"
        )
        for code, role in ((HOME, "hjemstedskommune"), (AWAY, "beliggenhedskommune")):
            address = run.address(f"k{code}")
            messages = run.poll(f"the .eml file to {address}", lambda a=address: mail_to(run, a))
            assert len(messages) == 1, [m["Subject"] for m in messages]
            message = messages[0]
            assert message["Subject"] == subject
            body = text_of(message)
            assert f"Boligorganisationen {run.organisation_name} har den" in body
            assert f"Som {role} har I modtaget" in body
            assert run.package_id in body
            assert f"Nøgletal med kritiske værdier: {sent}" in body

    def test_the_organisation_is_told_when_the_home_municipality_sends_it_back(self, run, http):
        base = f"/governance/v1/packages/{run.package_id}"
        refused = http.post(
            f"{base}/return",
            json={"reason": "Ikke vores pakke"},
            headers=run.municipality(AWAY, post=True),
        )
        assert refused.status_code == 403, refused.text  # only the home municipality may
        returned = ok(
            http.post(
                f"{base}/return",
                json={"reason": RETURN_REASON},
                headers=run.municipality(HOME, post=True),
            )
        )
        assert returned["status"] == "complete"  # editable again; its status follows its forms
        assert http.get(base, headers=run.municipality(AWAY)).status_code == 404

        deliveries = run.poll(
            "a sent delivery of governance.package.returned to the organisation",
            lambda: settled_deliveries(run, http, "governance.package.returned", expected=1),
        )
        assert [(d["recipient_kind"], d["recipient_ref"]) for d in deliveries] == [
            ("organisation", run.organisation)
        ]
        assert deliveries[0]["status"] == "sent"
        assert deliveries[0]["address"] == run.organisation_address

        messages = run.poll(
            f"the .eml file to {run.organisation_address}",
            lambda: mail_to(run, run.organisation_address),
        )
        assert len(messages) == 1
        message = messages[0]
        assert message["Subject"] == (
            f"Dokumentationspakken for styringsåret {YEAR} er sendt retur"
        )
        body = text_of(message)
        assert f"Til boligorganisationen {run.organisation_name}" in body
        assert "Københavns Kommune har den" in body
        assert f"sendt dokumentationspakken for styringsåret {YEAR} retur" in body
        assert RETURN_REASON in body
        assert run.package_id in body


# --- helpers of the steps ----------------------------------------------------------------------


def answer(question: dict[str, Any]) -> Any:
    """A valid answer to any question of the catalogue (it may be an earlier run's)."""
    kind = question["kind"]
    if kind == "yes_no":
        return True
    if kind == "choice":
        return question["options"][0]
    if kind == "number":
        return "12"
    return "Gennemført som aftalt på sidste styringsmøde."


def package_figure_counts(run: Run, http: httpx.Client) -> str:
    """The red/yellow counts the sent package carries, as the message words them."""
    package = ok(http.get(f"/governance/v1/packages/{run.package_id}", headers=run.fund()))
    red = sum(f["red_figures"] for f in package["departments"])
    yellow = sum(f["yellow_figures"] for f in package["departments"])
    assert red + yellow >= 1  # the rent of the department in 147
    return f"{red} {'rødt' if red == 1 else 'røde'} og {yellow} {'gult' if yellow == 1 else 'gule'}"


def settled_deliveries(
    run: Run, http: httpx.Client, event_type: str, *, expected: int
) -> list[dict[str, Any]] | None:
    """This package's deliveries of ``event_type`` once ``expected`` are no longer open."""
    page = ok(
        http.get(
            "/notifications/v1/deliveries",
            params={"event_type": event_type, "limit": 500},
            headers=run.fund(),
        )
    )
    mine = [d for d in page["items"] if d["event_subject"] == run.package_id]
    if len(mine) < expected or any(d["status"] in ("pending", "sending") for d in mine):
        return None
    assert len(mine) == expected, mine
    return mine


def mail_to(run: Run, address: str) -> list[EmailMessage] | None:
    messages = []
    for path in sorted(run.mail_dir.glob("*.eml")):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        if address in str(message["To"]):
            messages.append(message)
    return messages or None


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, message
    content = part.get_content()
    assert isinstance(content, str)
    return content
