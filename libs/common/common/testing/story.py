"""The client's story through the public HTTP APIs, for the tests that drive a whole platform.

A housing organisation's ERP system reports to the register; the benchmark calculator computes
the departments' key figures from the register's events; the fund opens the governance year and
the organisation fills in its package (answers, comments on red figures, accounts), waits for the
figures the calculator computes from those accounts and sends it; the notification service tells
both municipalities. The embedded run (tests/e2e/test_platform_flow.py) and the platform run as
separate replicated processes (tests/reliability/test_scale_out.py) drive the same story, each
with its own way of minting tokens and reading the mail.

Ids carry a per-story suffix, so stories of other runs on the same servers never meet; the
year's governance catalogue is shared by every run on a server (an answered one cannot change).
"""

from __future__ import annotations

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

T = TypeVar("T")

YEAR = datetime.now(UTC).year  # the governance year
FIGURES_YEAR = YEAR - 1  # its key figures and accounts are of the previous calendar year
HOME, AWAY = "101", "147"  # København, Frederiksberg

# Departments of one comparable group (family, capital region, etage, 1960-74, 70-89 m²) whose
# groups are formed from two departments: the one in 147 has twice the other's rent, so its rent
# per m² is a third above the group's average, which is red (30 %) -- whatever earlier runs
# added, since every run adds the same pair -- and the organisation has to comment on it.
AREA = Decimal("70.00")
RENT = {HOME: Decimal("5000.00"), AWAY: Decimal("10000.00")}
COMMENT = "Huslejen afspejler en nyrenoveret afdeling."

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
# Per department, two dwellings of 70 m²: 4,500 kr administration per dwelling, 150 kr
# maintenance and 700 kr operating cost per m².
ACCOUNTS = {
    "dwellings": 2,
    "total_area_m2": "140.00",
    "administration_cost": "9000.00",
    "maintenance_cost": "21000.00",
    "vacancy_rent_loss": "0.00",
    "operating_cost": "98000.00",
}

# A token for ``housing token``'s arguments, e.g. ("housing_org", "--org", "org-1").
TokenSource = Callable[[tuple[str, ...]], str]


def ok(response: httpx.Response, *statuses: int) -> Any:
    """The JSON body of a response whose status is one of ``statuses`` (200 by default)."""
    assert response.status_code in (statuses or (200,)), (
        f"{response.request.method} {response.request.url} → {response.status_code}: "
        f"{response.text}"
    )
    return response.json() if response.content else None


def figure(figures: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in figures["figures"] if f["code"] == code)


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


def expected_rent_per_m2(municipality: str) -> Decimal:
    return (12 * RENT[municipality] / AREA).quantize(Decimal("0.0001"))


def lease_record(dwelling: str, municipality: str) -> dict[str, Any]:
    """The ERP's lease of ``dwelling`` from the figures year's first day, at the story's rent."""
    return {
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
    }


@dataclass
class Story:
    """One story's identities, tokens and steps against one platform's public base URL."""

    http: httpx.Client
    token_for: TokenSource
    label: str  # in every id: whose story it is (e2e, scale, boot)
    deadline_seconds: float = 60.0
    diagnostics: Callable[[], str] = lambda: ""  # printed when a wait times out (a log tail)
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    _package_id: str | None = None

    # --- identities ----------------------------------------------------------------------------

    @property
    def organisation(self) -> str:
        return f"{self.label}-org-{self.suffix}"

    @property
    def organisation_name(self) -> str:
        return f"Boligselskabet {self.label.upper()} {self.suffix}"

    def department(self, municipality: str) -> str:
        return f"{self.label}-afd-{self.suffix}-{municipality}"

    def dwelling(self, municipality: str, number: int) -> str:
        return f"{self.department(municipality)}-bolig-{number}"

    def address(self, who: str) -> str:
        return f"styringsdialog-{who}-{self.suffix}@kommune.example.dk"

    @property
    def organisation_address(self) -> str:
        return f"post-{self.suffix}@boligselskab.example.dk"

    @property
    def departments(self) -> set[str]:
        return {self.department(HOME), self.department(AWAY)}

    @property
    def package_id(self) -> str:
        """The package the steps work on (found by :meth:`open_package`)."""
        assert self._package_id is not None, "an earlier step did not open the package"
        return self._package_id

    # --- tokens --------------------------------------------------------------------------------

    def headers(self, *args: str, post: bool = False) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token_for(args)}"}
        if post:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        return headers

    def org(self, post: bool = False) -> dict[str, str]:
        return self.headers("housing_org", "--org", self.organisation, post=post)

    def fund(self, post: bool = False) -> dict[str, str]:
        return self.headers("fund", post=post)

    def municipality(self, code: str, post: bool = False) -> dict[str, str]:
        return self.headers("municipality", "--municipality", code, post=post)

    def token_arguments(self) -> list[tuple[str, ...]]:
        """Every token the story uses, as ``housing token`` arguments."""
        return [
            ("housing_org", "--org", self.organisation),
            ("fund",),
            ("municipality", "--municipality", HOME),
            ("municipality", "--municipality", AWAY),
        ]

    # --- waiting -------------------------------------------------------------------------------

    def poll(self, what: str, probe: Callable[[], T | None], interval: float = 0.25) -> T:
        """``probe()`` until it returns something other than None, within the deadline."""
        deadline = time.monotonic() + self.deadline_seconds
        while True:
            result = probe()
            if result is not None:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{what} never arrived within {self.deadline_seconds} s.\n{self.diagnostics()}"
                )
            time.sleep(interval)

    # --- the steps -----------------------------------------------------------------------------

    def register_addresses(self) -> None:
        """Both municipalities and the organisation name their e-mail addresses."""
        for code in (HOME, AWAY):
            self.set_addresses(
                self.municipality(code), "municipality", code, self.address(f"k{code}")
            )
        self.set_addresses(self.org(), "organisation", self.organisation, self.organisation_address)

    def set_addresses(self, headers: dict[str, str], kind: str, ref: str, address: str) -> None:
        """Create or replace a recipient directory entry (an existing one needs its version)."""
        path = f"/notifications/v1/recipients/{kind}/{ref}"
        current = self.http.get(path, headers=headers)
        if current.status_code == 200:
            headers = {**headers, "If-Match": current.headers["ETag"]}
        else:
            ok(current, 404)
        entry = ok(self.http.put(path, json={"addresses": [address]}, headers=headers), 200, 201)
        assert entry["addresses"] == [address]

    def submission(self, *, dwellings: int = 2, leases: bool = True) -> list[dict[str, Any]]:
        """The organisation, a department in each municipality with ``dwellings`` dwellings of
        70 m² and, with ``leases``, each dwelling's lease at the municipality's rent."""
        records: list[dict[str, Any]] = [
            {
                "type": "organisation",
                "record": {
                    "BoligorganisationIdentifikator": self.organisation,
                    "CVRNummer": "10000009",
                    "BoligorganisationNavn": self.organisation_name,
                    "HjemstedKommuneKode": HOME,
                },
            }
        ]
        for municipality, postcode, city in ((HOME, "2400", "København NV"), (AWAY, "2000", "F")):
            department = self.department(municipality)
            section = f"{department}-blok-a"
            records += [
                {
                    "type": "department",
                    "record": {
                        "AfdelingIdentifikator": department,
                        "BoligorganisationIdentifikator": self.organisation,
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
            for number in range(1, dwellings + 1):
                dwelling = self.dwelling(municipality, number)
                records.append(
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
                    }
                )
                if leases:
                    records.append(
                        {"type": "lease", "record": lease_record(dwelling, municipality)}
                    )
        return records

    def submit(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """The ERP webservice's bulk submission; every record must be accepted."""
        report: dict[str, Any] = ok(
            self.http.post(
                "/register/v1/submissions", json={"records": records}, headers=self.org(post=True)
            )
        )
        refused = [r for r in report["results"] if r["outcome"] != "accepted"]
        assert refused == [], [r["problem"]["errors"] for r in refused]
        assert report["accepted"] == len(records)
        return report

    def key_figures(self, municipality: str) -> dict[str, Any]:
        """The department's key figures of the figures year, once the rent figure is in."""
        department = self.department(municipality)

        def computed() -> dict[str, Any] | None:
            response = self.http.get(
                f"/benchmarks/v1/departments/{department}/key-figures",
                params={"year": FIGURES_YEAR},
                headers=self.org(),
            )
            if response.status_code == 404:
                return None
            figures: dict[str, Any] = ok(response)
            return figures if figure(figures, "rent_per_m2")["value"] is not None else None

        return self.poll(f"the calculator's {FIGURES_YEAR} figures of {department}", computed)

    def open_package(self) -> dict[str, Any]:
        """The fund publishes the year's catalogue and generates the packages; returns the
        organisation's package once both departments' key figures are prefilled."""
        response = self.http.put(
            f"/governance/v1/catalogues/{YEAR}", json=CATALOGUE, headers=self.fund()
        )
        # Shared by every run on this server: once an earlier run answered it, it cannot change
        # (409) and this story answers the catalogue in place.
        ok(response, 200, 409)

        def package_with_figures() -> dict[str, Any] | None:
            # Repeating "generate" creates only what is missing; the package appears once the
            # register's organisation and departments have reached governance.
            ok(
                self.http.post(
                    "/governance/v1/packages/generate",
                    json={"year": YEAR},
                    headers=self.fund(post=True),
                )
            )
            page = ok(
                self.http.get(
                    "/governance/v1/packages",
                    params={"year": YEAR, "organisation_id": self.organisation},
                    headers=self.org(),
                )
            )
            if not page["items"]:
                return None
            package: dict[str, Any] = ok(
                self.http.get(
                    f"/governance/v1/packages/{page['items'][0]['id']}", headers=self.org()
                )
            )
            forms = {f["key"]: f for f in package["departments"]}
            if set(forms) != self.departments or not all(
                f["figures_prefilled"] for f in forms.values()
            ):
                return None
            return package

        package = self.poll(
            "a governance package with both departments' key figures prefilled",
            package_with_figures,
        )
        self._package_id = package["id"]
        return package

    def fill_in_package(self) -> dict[str, dict[str, Any]]:
        """The organisation answers every question, comments on every figure that needs it and
        reports each department's accounts; returns each department's form as left."""
        base = f"/governance/v1/packages/{self.package_id}"
        report = ok(self.http.get(f"{base}/report", headers=self.org()))
        form = ok(
            self.http.put(
                f"{base}/report/answers",
                json={"answers": {q["code"]: answer(q) for q in report["questions"]}},
                headers=self.org(),
            )
        )
        assert form["missing_required"] == []
        forms = {}
        for department in sorted(self.departments):
            path = f"{base}/departments/{department}"
            form = ok(self.http.get(path, headers=self.org()))
            form = ok(
                self.http.put(
                    f"{path}/answers",
                    json={"answers": {q["code"]: answer(q) for q in form["questions"]}},
                    headers=self.org(),
                )
            )
            for code in form["figures_needing_comment"]:
                form = ok(
                    self.http.put(
                        f"{path}/key-figures/{code}/comment",
                        json={"comment": COMMENT},
                        headers=self.org(),
                    )
                )
            assert form["figures_needing_comment"] == []
            assert form["missing_required"] == []
            accounts = ok(self.http.put(f"{path}/accounts", json=ACCOUNTS, headers=self.org()))
            assert accounts["accounts_year"] == FIGURES_YEAR
            forms[department] = form
        return forms

    def sendable_package(self) -> dict[str, Any]:
        """The package once the calculator's figures from its accounts have come back."""

        def sendable() -> dict[str, Any] | None:
            package: dict[str, Any] = ok(
                self.http.get(f"/governance/v1/packages/{self.package_id}", headers=self.org())
            )
            return package if package["can_send"] else None

        return self.poll("the figures the calculator computes from the accounts", sendable)

    def send_package(self) -> dict[str, Any]:
        package: dict[str, Any] = ok(
            self.http.post(
                f"/governance/v1/packages/{self.package_id}/send", headers=self.org(post=True)
            )
        )
        assert package["status"] == "sent"
        return package

    def deliveries(self, event_type: str) -> list[dict[str, Any]]:
        """The notification service's deliveries of this story's package for ``event_type``."""
        page = ok(
            self.http.get(
                "/notifications/v1/deliveries",
                params={"event_type": event_type, "limit": 500},
                headers=self.fund(),
            )
        )
        return [d for d in page["items"] if d["event_subject"] == self.package_id]

    def settled_deliveries(self, event_type: str, *, expected: int) -> list[dict[str, Any]]:
        """The deliveries of ``event_type`` once ``expected`` are no longer open (never more)."""

        def settled() -> list[dict[str, Any]] | None:
            mine = self.deliveries(event_type)
            if len(mine) < expected or any(d["status"] in ("pending", "sending") for d in mine):
                return None
            return mine

        mine = self.poll(f"{expected} settled deliveries of {event_type}", settled)
        assert len(mine) == expected, mine
        return mine


def mail_to(folder: Path, address: str) -> list[EmailMessage] | None:
    """The messages to ``address`` a mail catcher saved as .eml files in ``folder``."""
    messages = []
    for path in sorted(folder.glob("*.eml")):
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
