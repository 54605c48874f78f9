"""The submitter's reports: content against a hand-built department, the CSV and XLSX exports,
and who may read them."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest

from common.auth import Role
from common.problems import PROBLEM_MEDIA_TYPE
from register.services import reading

from .seed_rows import Seed, at

DEPARTMENT = "/register/v1/reports/departments/{}"
ORGANISATION = "/register/v1/reports/departments"
DAY = "2024-05-01"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

WARNINGS = [
    {
        "pointer": "#/Boligudgifter/0/BoligudgiftBeloeb",
        "code": "rent-implausible",
        "detail": "The rent per m² is far above the department's median.",
    },
    {
        "pointer": "#/LejekontraktStartDato",
        "code": "start-far-in-future",
        "detail": "The lease starts more than a year from now.",
    },
]


@pytest.fixture
async def env(register_client, register_db_url):
    client = await register_client()
    seed = Seed(register_db_url)
    seed.organisation("ORG-1")
    seed.organisation("ORG-2")
    seed.department("AFD-1", "ORG-1", "101", name="Ryesgade")
    seed.department("AFD-3", "ORG-1", "147", name="Frederiksberg Allé")
    seed.department("AFD-2", "ORG-2", "101", name="Nabo")
    # AFD-1, as of 2024-05-01:
    seed.dwelling("D1", "AFD-1")  # complete, let
    seed.lease("L1", "D1", date(2023, 1, 1))
    seed.dwelling("D2", "AFD-1", bbr_unit_id=None, elevator=None, street="Blegdamsvej")
    seed.lease("L2", "D2", date(2020, 1, 1), date(2024, 4, 30), deposit=None)  # ended: ignored
    seed.dwelling("D3", "AFD-1")
    seed.lease("L3", "D3", date(2024, 4, 1), deposit=None, status="held", warnings=WARNINGS)
    seed.dwelling("D4", "AFD-1", step_free_access=None, wheelchair_accessible=None)
    seed.lease("L4", "D4", date(2022, 1, 1), external_reference=None)
    seed.lease("L5", "D4", date(2024, 6, 1), deposit=None, status="draft")
    # the other departments
    seed.dwelling("D6", "AFD-3")
    seed.lease("L6", "D6", date(2021, 1, 1))
    seed.dwelling("D7", "AFD-2", bbr_unit_id=None)
    # submissions: the latest single/bulk naming ORG-1 counts
    seed.submission("single", ["ORG-1"], at("2024-04-20T10:00"))
    seed.submission("bulk", ["ORG-2", "ORG-1"], at("2024-04-22T10:00"))
    seed.submission("validate", ["ORG-1"], at("2024-04-25T10:00"))  # validation only
    seed.submission("single", ["ORG-2"], at("2024-04-28T10:00"))  # another organisation
    yield client
    seed.dispose()


def org1(tokens, role: Role = Role.HOUSING_ORG) -> dict[str, str]:
    return tokens.headers(role, orgs=["ORG-1"])


async def department_report(client, headers, department="AFD-1", **params):
    return await client.get(
        DEPARTMENT.format(department), params={"date": DAY, **params}, headers=headers
    )


async def test_department_report_content(env, tokens):
    response = await department_report(env, org1(tokens))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "department": {
            "AfdelingIdentifikator": "AFD-1",
            "AfdelingNavn": "Ryesgade",
            "BoligorganisationIdentifikator": "ORG-1",
            "KommuneKode": "101",
        },
        "date": DAY,
        "last_submission_at": "2024-04-22T10:00:00Z",
        "dwelling_count": 4,
        "dwellings_without_lease": [
            {
                "BoligUnikIdentifikator": "D2",
                "Vejnavn": "Blegdamsvej",
                "Husnummer": "12",
                "Etage": "2",
                "Doer": "tv",
                "Postnummer": "2200",
                "Bynavn": "København N",
            },
            {
                "BoligUnikIdentifikator": "D3",
                "Vejnavn": "Ryesgade",
                "Husnummer": "12",
                "Etage": "2",
                "Doer": "tv",
                "Postnummer": "2200",
                "Bynavn": "København N",
            },
        ],
        "missing_fields": {
            "counts": {
                "BBREnhedIdentifikator": 1,
                "NiveaufriAdgangIndikator": 1,
                "ElevatorIndikator": 1,
                "KoerestolsegnetIndikator": 1,
                "Depositum": 1,
                "EksternReference": 1,
            },
            "records": [
                {
                    "record_type": "dwelling",
                    "BoligUnikIdentifikator": "D2",
                    "LejekontraktUnikIdentifikator": None,
                    "missing": ["BBREnhedIdentifikator", "ElevatorIndikator"],
                },
                {
                    "record_type": "dwelling",
                    "BoligUnikIdentifikator": "D4",
                    "LejekontraktUnikIdentifikator": None,
                    "missing": ["NiveaufriAdgangIndikator", "KoerestolsegnetIndikator"],
                },
                {
                    "record_type": "lease",
                    "BoligUnikIdentifikator": "D3",
                    "LejekontraktUnikIdentifikator": "L3",
                    "missing": ["Depositum"],
                },
                {
                    "record_type": "lease",
                    "BoligUnikIdentifikator": "D4",
                    "LejekontraktUnikIdentifikator": "L4",
                    "missing": ["EksternReference"],
                },
            ],
        },
        "unconfirmed_warnings": [
            {
                "BoligUnikIdentifikator": "D3",
                "LejekontraktUnikIdentifikator": "L3",
                "LejekontraktStartDato": "2024-04-01",
                "warnings": WARNINGS,
            }
        ],
        "drafts": [
            {
                "BoligUnikIdentifikator": "D4",
                "LejekontraktUnikIdentifikator": "L5",
                "LejekontraktStartDato": "2024-06-01",
                "LejekontraktSlutDato": None,
            }
        ],
    }


async def test_the_date_decides_which_dwellings_are_without_a_lease(env, tokens):
    earlier = (await department_report(env, org1(tokens), date="2024-04-30")).json()
    assert [d["BoligUnikIdentifikator"] for d in earlier["dwellings_without_lease"]] == ["D3"]
    default = (await env.get(DEPARTMENT.format("AFD-1"), headers=org1(tokens))).json()
    assert default["date"] == reading.today().isoformat()


async def test_organisation_report_lists_every_visible_department(env, tokens):
    response = await env.get(
        ORGANISATION, params={"organisation_id": "ORG-1", "date": DAY}, headers=org1(tokens)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["BoligorganisationIdentifikator"] == "ORG-1"
    departments = [r["department"]["AfdelingIdentifikator"] for r in body["departments"]]
    assert departments == ["AFD-1", "AFD-3"]
    assert body["departments"][1]["dwelling_count"] == 1
    assert body["departments"][1]["dwellings_without_lease"] == []
    assert body["departments"][1]["last_submission_at"] == "2024-04-22T10:00:00Z"

    municipality = await env.get(
        ORGANISATION,
        params={"organisation_id": "ORG-1", "date": DAY},
        headers=tokens.headers(Role.MUNICIPALITY, municipality="101"),
    )
    assert [
        r["department"]["AfdelingIdentifikator"] for r in municipality.json()["departments"]
    ] == ["AFD-1"]


async def test_csv_export(env, tokens):
    response = await department_report(env, org1(tokens), format="csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="rapport-AFD-1-2024-05-01.csv"' in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][0] == "Afsnit"
    by_section: dict[str, list[list[str]]] = {}
    for row in rows[1:]:
        by_section.setdefault(row[0], []).append(row[1:])
    assert by_section["Oversigt (overskrift)"][0][:3] == [
        "Afdeling",
        "Afdelingsnavn",
        "Boligorganisation",
    ]
    overview = by_section["Oversigt"][0]
    assert overview[:7] == ["AFD-1", "Ryesgade", "ORG-1", "101", DAY, "4", "2"]
    assert overview[-1] == "2024-04-22 12:00:00"  # Danish time
    assert [r[1] for r in by_section["Uden lejekontrakt"]] == ["D2", "D3"]
    assert [r[:5] for r in by_section["Manglende felter"]] == [
        ["AFD-1", "Bolig", "D2", "", "BBR-enhed, Elevator"],
        ["AFD-1", "Bolig", "D4", "", "Niveaufri adgang, Kørestolsegnet"],
        ["AFD-1", "Lejekontrakt", "D3", "L3", "Depositum"],
        ["AFD-1", "Lejekontrakt", "D4", "L4", "Ekstern reference"],
    ]
    assert [r[4] for r in by_section["Ubekræftede advarsler"]] == [
        "rent-implausible",
        "start-far-in-future",
    ]
    assert [r[:4] for r in by_section["Kladder"]] == [["AFD-1", "D4", "L5", "2024-06-01"]]


async def test_xlsx_export_reads_back(env, tokens):
    response = await env.get(
        ORGANISATION,
        params={"organisation_id": "ORG-1", "date": DAY, "format": "xlsx"},
        headers=org1(tokens),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Oversigt",
        "Uden lejekontrakt",
        "Manglende felter",
        "Ubekræftede advarsler",
        "Kladder",
    ]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.bold for cell in sheet[1]), sheet.title
        assert sheet.column_dimensions["A"].width >= 10
    overview = workbook["Oversigt"]
    header = [c.value for c in overview[1]]
    assert header[:7] == [
        "Afdeling",
        "Afdelingsnavn",
        "Boligorganisation",
        "Kommunekode",
        "Opgørelsesdato",
        "Antal boliger",
        "Boliger uden lejekontrakt",
    ]
    assert "Mangler: BBR-enhed" in header
    assert header[-5:] == [
        "Mangler: Ekstern reference",
        "Tilbageholdte lejekontrakter",
        "Ubekræftede advarsler",
        "Kladder",
        "Seneste indberetning",
    ]
    rows = [[c.value for c in row] for row in overview.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == ["AFD-1", "AFD-3"]
    assert rows[0][5:7] == [4, 2]  # numbers stay numbers
    assert rows[0][-4:-1] == [1, 2, 1]
    assert rows[1][5:7] == [1, 0]

    missing = workbook["Manglende felter"]
    assert [c.value for c in missing[1]] == [
        "Afdeling",
        "Posttype",
        "Bolig",
        "Lejekontrakt",
        "Manglende felter",
        "Antal",
    ]
    assert [c.value for c in missing[2]] == ["AFD-1", "Bolig", "D2", None, "BBR-enhed, Elevator", 2]
    warnings = workbook["Ubekræftede advarsler"]
    assert [c.value for c in warnings[1]] == [
        "Afdeling",
        "Bolig",
        "Lejekontrakt",
        "Felt",
        "Kode",
        "Beskrivelse",
    ]
    assert warnings.max_row == 3
    assert warnings["E2"].value == "rent-implausible"
    assert [c.value for c in workbook["Kladder"][2]][:4] == ["AFD-1", "D4", "L5", "2024-06-01"]
    assert [c.value for c in workbook["Uden lejekontrakt"]["B"]][1:] == ["D2", "D3"]


def _text_of(response) -> str:
    if response.headers["content-type"] == XLSX:
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(
            str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row
        )
    return response.text


REPORT_MATRIX = [
    # name, role, claims, AFD-1 (ORG-1, 101), AFD-2 (ORG-2, 101), ORG-1 list, ORG-1 departments
    ("own housing org", Role.HOUSING_ORG, {"orgs": ["ORG-1"]}, 200, 404, 200, ["AFD-1", "AFD-3"]),
    ("own admin org", Role.ADMIN_ORG, {"orgs": ["ORG-1"]}, 200, 404, 200, ["AFD-1", "AFD-3"]),
    ("own ERP client", Role.ERP_CLIENT, {"orgs": ["ORG-1"]}, 200, 404, 200, ["AFD-1", "AFD-3"]),
    ("other housing org", Role.HOUSING_ORG, {"orgs": ["ORG-2"]}, 404, 200, 404, None),
    ("municipality 101", Role.MUNICIPALITY, {"municipality": "101"}, 200, 200, 200, ["AFD-1"]),
    ("municipality 147", Role.MUNICIPALITY, {"municipality": "147"}, 404, 404, 200, ["AFD-3"]),
    ("fund", Role.FUND, {}, 200, 200, 200, ["AFD-1", "AFD-3"]),
    ("benefit authority", Role.BENEFIT_AUTHORITY, {}, 403, 403, 403, None),
    ("tribunal", Role.TRIBUNAL, {}, 403, 403, 403, None),
]


@pytest.mark.parametrize(
    ("name", "role", "claims", "own", "other", "listing", "listed"),
    REPORT_MATRIX,
    ids=[m[0] for m in REPORT_MATRIX],
)
@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
async def test_access_matrix(env, tokens, fmt, name, role, claims, own, other, listing, listed):
    headers = tokens.headers(role, **claims)
    for department, status in (("AFD-1", own), ("AFD-2", other)):
        response = await department_report(env, headers, department, format=fmt)
        assert response.status_code == status, (name, department, response.text)
        if status != 200:
            assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
            continue
        text = _text_of(response)
        assert department in text
        assert "Tenant of" not in text  # reports carry no tenant names for anyone
    response = await env.get(
        ORGANISATION,
        params={"organisation_id": "ORG-1", "date": DAY, "format": fmt},
        headers=headers,
    )
    assert response.status_code == listing, (name, response.text)
    if listing != 200:
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
        return
    text = _text_of(response)
    assert "AFD-2" not in text  # another organisation's department never leaks
    for department in ("AFD-1", "AFD-3"):
        assert (department in text) is (department in listed), (name, department)
    assert "Tenant of" not in text


async def test_no_token_is_401(env):
    for url in (DEPARTMENT.format("AFD-1"), ORGANISATION + "?organisation_id=ORG-1"):
        response = await env.get(url)
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_unknown_department_and_organisation_are_404(env, tokens):
    fund = tokens.headers(Role.FUND)
    assert (await department_report(env, fund, "AFD-404")).status_code == 404
    response = await env.get(ORGANISATION, params={"organisation_id": "ORG-404"}, headers=fund)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "params", [{"date": "2024-13-01"}, {"format": "pdf"}, {"date": DAY, "format": ""}]
)
async def test_bad_parameters_are_422(env, tokens, params):
    response = await env.get(DEPARTMENT.format("AFD-1"), params=params, headers=org1(tokens))
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


async def test_organisation_id_is_required(env, tokens):
    response = await env.get(ORGANISATION, headers=tokens.headers(Role.FUND))
    assert response.status_code == 422
