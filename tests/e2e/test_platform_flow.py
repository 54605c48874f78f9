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
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import make_url

from common.testing.story import (
    AWAY,
    FIGURES_YEAR,
    HOME,
    YEAR,
    Story,
    expected_rent_per_m2,
    figure,
    mail_to,
    ok,
    text_of,
)

from .test_embedded_run import HOUSING, start_platform

PLATFORM_SETTINGS = {
    "HOUSING_DEMO_SEED": "false",  # no demo data: not what these tests look at
    "BENCHMARKS_SETTLE_SECONDS": "2",
    "BENCHMARKS_PUBLISH_INTERVAL_SECONDS": "0.5",
    "BENCHMARKS_MIN_GROUP_SIZE": "2",
    "NOTIFICATIONS_SENDER_POLL_SECONDS": "0.2",
}
RETURN_REASON = "Afdelingsskemaet for Frederiksberg mangler en uddybning af huslejeniveauet."


def mint_tokens(story: Story, env: dict[str, str]) -> dict[tuple[str, ...], str]:
    """Every token the story needs, from ``housing token`` with the run's dev key (the commands
    run side by side: each one takes seconds on a busy machine)."""
    commands = {
        args: subprocess.Popen(
            [str(HOUSING), "token", "--role", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in story.token_arguments()
    }
    tokens = {}
    for args, command in commands.items():
        out, err = command.communicate(timeout=120)
        assert command.returncode == 0, f"housing token --role {' '.join(args)}: {err}"
        tokens[args] = out.strip()
    return tokens


@dataclass
class Run:
    """The embedded platform of this module: where it keeps its log and its mail."""

    data_dir: Path

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    def log_tail(self, lines: int = 60) -> str:
        text = (self.data_dir / "run.log").read_text(errors="replace")
        return "--- run log (tail) ---\n" + "\n".join(text.splitlines()[-lines:])


@pytest.fixture(scope="module")
def run(infra, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("platform-flow")
    server = make_url(infra.admin_dsn).set(drivername="postgresql+psycopg", database=None)
    base, process, env = start_platform(
        data_dir,
        HOUSING_DATABASE_SERVER_URL=server.render_as_string(hide_password=False),
        HOUSING_KAFKA_BOOTSTRAP_SERVERS=infra.kafka_bootstrap_servers,
        **infra.platform_prefixes("flow"),  # its own topics, groups and databases
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
def http(run):
    base, *_ = run
    with httpx.Client(base_url=base, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def story(run, http):
    _, env, platform = run
    tokens: dict[tuple[str, ...], str] = {}
    story = Story(http, tokens.__getitem__, "e2e", diagnostics=platform.log_tail)
    tokens.update(mint_tokens(story, env))
    return story


# --- the steps ---------------------------------------------------------------------------------


class TestPlatformFlow:
    def test_the_municipalities_and_the_organisation_register_their_addresses(self, story):
        story.register_addresses()

    def test_the_erp_submission_is_accepted_by_the_register(self, story):
        story.submit(story.submission())

    def test_the_calculator_computes_the_departments_key_figures(self, story):
        for municipality in (HOME, AWAY):
            figures = story.key_figures(municipality)
            assert figures["municipality_code"] == municipality
            assert figures["dwellings"] == 2
            assert Decimal(figure(figures, "rent_per_m2")["value"]) == expected_rent_per_m2(
                municipality
            )
            assert Decimal(figure(figures, "vacancy_share")["value"]) == 0

    def test_the_fund_opens_the_year_with_the_registers_departments_and_the_figures(
        self, story, http
    ):
        package = story.open_package()
        catalogue = ok(http.get(f"/governance/v1/catalogues/{YEAR}", headers=story.fund()))
        assert catalogue["questions"]
        assert package["status"] == "ready"
        assert package["home_municipality_code"] == HOME
        assert sorted(package["location_municipality_codes"]) == [HOME, AWAY]
        assert package["accounts"]["accounts_year"] == FIGURES_YEAR
        assert sorted(package["accounts"]["missing"]) == sorted(story.departments)
        assert package["can_send"] is False

        away = ok(
            http.get(
                f"/governance/v1/packages/{story.package_id}/departments/{story.department(AWAY)}",
                headers=story.org(),
            )
        )
        rent = next(f for f in away["key_figures"] if f["code"] == "rent_per_m2")
        assert Decimal(rent["value"]) == expected_rent_per_m2(AWAY)
        # A third above the comparable departments: red, unless other departments of the same
        # group on this shared server moved the average.
        assert rent["colour"] in ("red", "yellow"), rent
        assert rent["needs_comment"] is True
        assert "rent_per_m2" in away["figures_needing_comment"]

    def test_the_organisation_answers_comments_and_reports_accounts(self, story, http):
        forms = story.fill_in_package()
        assert set(forms) == story.departments
        package = ok(http.get(f"/governance/v1/packages/{story.package_id}", headers=story.org()))
        assert package["accounts"]["missing"] == []
        assert package["status"] == "complete"
        # Until the calculator has published the figures computed from them, sending waits.
        assert package["can_send"] is (package["accounts"]["key_figures_pending"] == [])

    def test_the_calculator_computes_the_accounts_figures_from_governance(self, story, http):
        for department in sorted(story.departments):

            def accounts_figures(department: str = department) -> dict[str, Any] | None:
                figures = ok(
                    http.get(
                        f"/benchmarks/v1/departments/{department}/key-figures",
                        params={"year": FIGURES_YEAR},
                        headers=story.org(),
                    )
                )
                value = figure(figures, "administration_cost_per_dwelling")["value"]
                return figures if value is not None else None

            figures = story.poll(f"the accounts figures of {department}", accounts_figures)
            assert Decimal(figure(figures, "administration_cost_per_dwelling")["value"]) == 4500
            assert Decimal(figure(figures, "maintenance_per_m2")["value"]) == 150
            assert Decimal(figure(figures, "operating_cost_per_m2")["value"]) == 700
            assert Decimal(figure(figures, "vacancy_loss_per_dwelling")["value"]) == 0

    def test_the_forms_show_the_figures_computed_from_the_accounts(self, story, http):
        for department in sorted(story.departments):

            def form_with_accounts_figures(department: str = department) -> dict | None:
                form = ok(
                    http.get(
                        f"/governance/v1/packages/{story.package_id}/departments/{department}",
                        headers=story.org(),
                    )
                )
                value = figure(
                    {"figures": form["key_figures"]}, "administration_cost_per_dwelling"
                )["value"]
                return form if value is not None else None

            form = story.poll(
                f"the accounts figures in the form of {department}", form_with_accounts_figures
            )
            values = {f["code"]: f["value"] for f in form["key_figures"]}
            assert Decimal(values["administration_cost_per_dwelling"]) == 4500
        package = story.sendable_package()
        assert package["accounts"]["key_figures_pending"] == []

    def test_the_organisation_sends_the_package(self, story, http):
        unsent = http.get(
            f"/governance/v1/packages/{story.package_id}", headers=story.municipality(HOME)
        )
        assert unsent.status_code == 404, unsent.text  # municipalities see sent packages only
        package = story.send_package()
        assert package["sent_at"] is not None
        assert package["can_send"] is False

    def test_the_home_municipality_sees_the_whole_package(self, story, http):
        package = ok(
            http.get(
                f"/governance/v1/packages/{story.package_id}", headers=story.municipality(HOME)
            )
        )
        assert package["status"] == "sent"
        assert package["report"] is not None
        assert {f["key"] for f in package["departments"]} == story.departments
        accounts = ok(
            http.get(
                f"/governance/v1/packages/{story.package_id}/accounts",
                headers=story.municipality(HOME),
            )
        )
        assert {a["department_id"] for a in accounts} == story.departments

    def test_the_location_municipality_sees_only_its_own_department(self, story, http):
        base = f"/governance/v1/packages/{story.package_id}"
        package = ok(http.get(base, headers=story.municipality(AWAY)))
        assert package["status"] == "sent"
        assert [f["key"] for f in package["departments"]] == [story.department(AWAY)]
        own = ok(
            http.get(
                f"{base}/departments/{story.department(AWAY)}", headers=story.municipality(AWAY)
            )
        )
        assert own["municipality_code"] == AWAY
        other = http.get(
            f"{base}/departments/{story.department(HOME)}", headers=story.municipality(AWAY)
        )
        assert other.status_code == 404, other.text
        accounts = ok(http.get(f"{base}/accounts", headers=story.municipality(AWAY)))
        assert [a["department_id"] for a in accounts] == [story.department(AWAY)]

    def test_each_municipality_is_told_once_by_e_mail(self, story, run, http):
        _, _, platform = run
        sent = package_figure_counts(story, http)
        deliveries = story.settled_deliveries("governance.package.sent", expected=2)
        assert sorted(d["recipient_ref"] for d in deliveries) == [HOME, AWAY]
        assert {d["status"] for d in deliveries} == {"sent"}
        assert {d["recipient_kind"] for d in deliveries} == {"municipality"}
        assert {d["address"]: d["recipient_ref"] for d in deliveries} == {
            story.address(f"k{HOME}"): HOME,
            story.address(f"k{AWAY}"): AWAY,
        }

        # The register's organisation event carried the name to notifications (issue 12, item 15).
        subject = (
            f"Dokumentationspakke for styringsåret {YEAR} fremsendt af {story.organisation_name}"
        )
        for code, role in ((HOME, "hjemstedskommune"), (AWAY, "beliggenhedskommune")):
            address = story.address(f"k{code}")
            messages = story.poll(
                f"the .eml file to {address}", lambda a=address: mail_to(platform.mail_dir, a)
            )
            assert len(messages) == 1, [m["Subject"] for m in messages]
            message = messages[0]
            assert message["Subject"] == subject
            body = text_of(message)
            assert f"Boligorganisationen {story.organisation_name} har den" in body
            assert f"Som {role} har I modtaget" in body
            assert story.package_id in body
            assert f"Nøgletal med kritiske værdier: {sent}" in body

    def test_the_organisation_is_told_when_the_home_municipality_sends_it_back(
        self, story, run, http
    ):
        _, _, platform = run
        base = f"/governance/v1/packages/{story.package_id}"
        refused = http.post(
            f"{base}/return",
            json={"reason": "Ikke vores pakke"},
            headers=story.municipality(AWAY, post=True),
        )
        assert refused.status_code == 403, refused.text  # only the home municipality may
        returned = ok(
            http.post(
                f"{base}/return",
                json={"reason": RETURN_REASON},
                headers=story.municipality(HOME, post=True),
            )
        )
        assert returned["status"] == "complete"  # editable again; its status follows its forms
        assert http.get(base, headers=story.municipality(AWAY)).status_code == 404

        deliveries = story.settled_deliveries("governance.package.returned", expected=1)
        assert [(d["recipient_kind"], d["recipient_ref"]) for d in deliveries] == [
            ("organisation", story.organisation)
        ]
        assert deliveries[0]["status"] == "sent"
        assert deliveries[0]["address"] == story.organisation_address

        messages = story.poll(
            f"the .eml file to {story.organisation_address}",
            lambda: mail_to(platform.mail_dir, story.organisation_address),
        )
        assert len(messages) == 1
        message = messages[0]
        assert message["Subject"] == (
            f"Dokumentationspakken for styringsåret {YEAR} er sendt retur"
        )
        body = text_of(message)
        assert f"Til boligorganisationen {story.organisation_name}" in body
        assert "Københavns Kommune har den" in body
        assert f"sendt dokumentationspakken for styringsåret {YEAR} retur" in body
        assert RETURN_REASON in body
        assert story.package_id in body


# --- helpers of the steps ----------------------------------------------------------------------


def package_figure_counts(story: Story, http: httpx.Client) -> str:
    """The red/yellow counts the sent package carries, as the message words them."""
    package = ok(http.get(f"/governance/v1/packages/{story.package_id}", headers=story.fund()))
    red = sum(f["red_figures"] for f in package["departments"])
    yellow = sum(f["yellow_figures"] for f in package["departments"])
    assert red + yellow >= 1  # the rent of the department in 147
    return f"{red} {'rødt' if red == 1 else 'røde'} og {yellow} {'gult' if yellow == 1 else 'gule'}"
