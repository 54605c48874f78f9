"""The dashboards in a real browser (Playwright driving Debian's chromium) against `housing
run`, the embedded platform with its demo data: each page as each role shows the numbers the
figures API gives that role, a lease submitted through the register's API appears on the open
page within a second without a reload (Server-Sent Events), and a role without access sees no
data. Screenshots of each page go to a temporary folder; `make screenshots` writes them to
docs/dashboards/ (a test run does not change the repository's files)."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from pypdf import PdfWriter

from common.auth import DevSigningKey, Role
from common.calendar import danish_date, previous_working_day
from common.settings import DEV_JWT_ISSUER
from common.testing.documents import a_pdf
from common.testing.infra import ensure_tool
from common.testing.story import CATALOGUE
from register.api.schemas import DepartmentIn, DwellingIn, LeaseIn, OrganisationIn

from .test_embedded_run import HOUSING, start_platform

# The page must change without a reload. How fast is a speed, measured by `bench
# dashboards-latency` (events -> figures), not by a timed test: a one-second limit failed CI on
# a busy machine while nothing was wrong. The generous limit only bounds a hang.
LIVE_TIMEOUT_MS = 15_000
DEMO_DWELLINGS = "80"


def danish(value: Any, decimals: int = 0) -> str:
    """A headline figure as the page writes it (Danish separators, – for none)."""
    if value is None:
        return "–"
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "§").replace(".", ",").replace("§", ".")


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where the pages' screenshots go: `DASHBOARD_SCREENSHOTS` (set by `make screenshots` to
    docs/dashboards), else a temporary folder."""
    folder = os.environ.get("DASHBOARD_SCREENSHOTS")
    if not folder:
        return tmp_path_factory.mktemp("screenshots")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("dashboards-run")
    base, process, env = start_platform(
        data_dir,
        HOUSING_DEMO_DWELLINGS=DEMO_DWELLINGS,
        # test data standing in for Statistics Denmark's July 2024 – June 2025 figure (the
        # tribunal filing fee of this year; the live tribunal test files a case)
        LEGAL_CASES_NET_PRICE_INDEX='{"2025": "120.9"}',
    )
    yield base, env, data_dir
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def token(data_dir: Path, role: str, *args: str) -> str:
    """What `housing token --role <role> [--org X] [--municipality N]` prints for this run
    (minted here with the run's dev key: one subprocess per token is slow)."""
    options = dict(zip(args[::2], args[1::2], strict=True))
    key = DevSigningKey.load_or_create(data_dir / "dev-signing-key.pem")
    return key.mint(
        role=Role(role),
        organisation_ids=[options["--org"]] if "--org" in options else [],
        municipality_code=options.get("--municipality"),
        issuer=DEV_JWT_ISSUER,
        audience="housing",
    )


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    chromium = ensure_tool("chromium", "chromium")  # Debian's package, installed if missing
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        await launched.close()


async def figures(base: str, bearer: str, page: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        response = await client.get(
            f"/dashboards/v1/pages/{page}", headers={"Authorization": f"Bearer {bearer}"}
        )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture(scope="module")
async def demo(platform) -> dict[str, Any]:
    """The demo data's figures once the dashboards consumed its events (the fund's view)."""
    base, _, data_dir = platform
    fund = token(data_dir, "fund")
    async with asyncio.timeout(60):
        while True:
            page = await figures(base, fund, "register")
            if page["municipalities"]:
                await asyncio.sleep(1)  # and the relay has drained the seed
                again = await figures(base, fund, "register")
                if again == page:
                    return page
            await asyncio.sleep(0.5)


async def sign_in(
    browser: Browser, base: str, role: str, *, municipality: str = "", orgs: str = ""
) -> tuple[BrowserContext, Page]:
    """The embedded run's dev login, as a person would use it."""
    context = await browser.new_context(viewport={"width": 1280, "height": 1000}, locale="da-DK")
    page = await context.new_page()
    await page.goto(f"{base}/dashboards/login")
    await page.select_option("select[name=role]", role)
    await page.fill("input[name=municipality]", municipality)
    await page.fill("input[name=organisations]", orgs)
    await page.get_by_role("button", name="Log ind").click()
    await page.wait_for_load_state("domcontentloaded")
    return context, page


async def shows_headline(page: Page, headline: dict[str, Any], ids: dict[str, str]) -> None:
    for key, element in ids.items():
        decimals = 1 if key == "municipal_share" else 0
        await expect(page.locator(f"#{element}")).to_have_text(danish(headline[key], decimals))


REGISTER_IDS = {
    "created_today": "created-today",
    "vacancy_loss": "vacancy-loss",
    "vacant_soon": "vacant-soon",
    "lettings": "lettings",
    "municipal_share": "municipal-share",
}
GOVERNANCE_IDS = {"packages": "packages", "sent": "sent", "red_figures": "red-figures"}


class TestPagesPerRole:
    @pytest.mark.parametrize("role", ["fund", "municipality", "housing_org"])
    async def test_the_register_page_shows_the_roles_numbers(
        self, platform, browser, demo, screenshots, role
    ):
        base, _, data_dir = platform
        municipality = demo["municipalities"][0]
        args: list[str] = []
        login: dict[str, str] = {}
        if role == "municipality":
            args, login = ["--municipality", municipality], {"municipality": municipality}
        if role == "housing_org":
            org = await an_organisation(base, token(data_dir, "fund"), municipality)
            args, login = ["--org", org], {"orgs": org}
        expected = await figures(base, token(data_dir, role, *args), "register")
        if role != "fund":
            assert expected["headline"]["lettings"] <= demo["headline"]["lettings"]
        context, page = await sign_in(browser, base, role, **login)
        try:
            assert page.url.endswith("/dashboards/register")
            await shows_headline(page, expected["headline"], REGISTER_IDS)
            lettings = page.locator("#table-lettings tbody tr")
            await expect(lettings).to_have_count(10)  # nine allocation types and the total
            await expect(page.locator("svg.chart")).to_have_count(4)
            await page.screenshot(path=screenshots / f"register-{role}.png", full_page=True)
        finally:
            await context.close()

    @pytest.mark.parametrize("role", ["fund", "municipality"])
    async def test_the_governance_page_shows_the_roles_numbers(
        self, platform, browser, demo, screenshots, role
    ):
        base, _, data_dir = platform
        municipality = demo["municipalities"][0]
        args = ["--municipality", municipality] if role == "municipality" else []
        expected = await figures(base, token(data_dir, role, *args), "governance")
        login = {"municipality": municipality} if role == "municipality" else {}
        context, page = await sign_in(browser, base, role, **login)
        try:
            await page.goto(f"{base}/dashboards/governance")
            await shows_headline(page, expected["headline"], GOVERNANCE_IDS)
            await expect(page.locator("h1")).to_have_text("Styringsdialog")
            await page.screenshot(path=screenshots / f"governance-{role}.png", full_page=True)
        finally:
            await context.close()

    async def test_the_operations_page_for_operations(self, platform, browser, demo, screenshots):
        base, _, data_dir = platform
        expected = await figures(base, token(data_dir, "operations"), "operations")
        context, page = await sign_in(browser, base, "operations")
        try:
            assert page.url.endswith("/dashboards/operations")
            await expect(page.locator("#dead-letters")).to_have_text(
                danish(expected["headline"]["dead_letters"])
            )
            services = page.locator("#table-outbox tbody th")
            await expect(services).to_have_count(8)  # every service's /metrics was read
            await expect(page.locator("#table-outbox")).not_to_contain_text("utilgængelig")
            # each relay's state as its outbox shows it (settled: nothing left to publish)
            await expect(page.locator("#table-outbox thead")).to_contain_text("Relæ")
            relays = page.locator("#table-outbox tbody td:last-child")
            await expect(relays).to_have_count(8)
            await page.screenshot(path=screenshots / "operations-operations.png", full_page=True)
        finally:
            await context.close()

    @pytest.mark.parametrize("role", ["tribunal", "party"])
    async def test_a_role_without_access_sees_no_data(
        self, platform, browser, demo, screenshots, role
    ):
        base, _, data_dir = platform
        context = await browser.new_context(viewport={"width": 1280, "height": 600})
        await context.add_cookies(
            [
                {
                    "name": "housing_dashboards",
                    "value": token(data_dir, role),
                    "url": f"{base}/dashboards",
                }
            ]
        )
        page = await context.new_page()
        try:
            for name in ("register", "governance", "operations"):
                response = await page.goto(f"{base}/dashboards/{name}")
                assert response is not None
                assert response.status == 403
                await expect(page.locator("h1")).to_have_text("Ingen adgang")
                await expect(page.locator("table")).to_have_count(0)
                await expect(page.locator("output")).to_have_count(0)
            await page.screenshot(path=screenshots / f"refused-{role}.png")
        finally:
            await context.close()


class TestLive:
    async def test_a_submitted_lease_appears_within_a_second_without_a_reload(
        self, platform, browser, demo
    ):
        base, _, data_dir = platform
        org = "dash-live-org"
        writer = {"Authorization": f"Bearer {token(data_dir, 'housing_org', '--org', org)}"}
        today = danish_date()
        async with httpx.AsyncClient(base_url=f"{base}/register/v1", timeout=10) as api:
            await seed_dwelling(api, writer, org)
            # The start-up's backlog (the demo data through every consumer, the calculator's
            # key figures) must be through first: the second is the dashboards', not the queue's.
            await settled(base, token(data_dir, "operations"))
            context, page = await sign_in(browser, base, "fund")
            try:
                marker = await page.evaluate("window.__marker = 'same page'; window.__marker")
                before = await page.locator("#created-today").inner_text()
                lettings_before = await page.locator("#lettings").inner_text()
                created = await api.post("/leases", json=lease_body(today), headers=writer)
                assert created.status_code == 201, created.text
                await expect(page.locator("#created-today")).to_have_text(
                    danish(int(before.replace(".", "")) + 1), timeout=LIVE_TIMEOUT_MS
                )
                await expect(page.locator("#lettings")).to_have_text(
                    danish(int(lettings_before.replace(".", "")) + 1), timeout=LIVE_TIMEOUT_MS
                )
                assert await page.evaluate("window.__marker") == marker  # no reload
            finally:
                await context.close()


NEW_PAGES: dict[str, tuple[str, dict[str, str], int]] = {
    "grants": (
        "Landsbyggefonden § 91a",
        {"cases": "cases", "committed": "committed", "payments_stopped": "payments-stopped",
         "frame_used": "frame-used", "frame_left": "frame-left"},
        2,
    ),
    "allocation": (
        "Kommunal anvisning",
        {"open_offers": "open-offers", "overdue_offers": "overdue-offers", "lapsed": "lapsed",
         "subsidies": "subsidies"},
        3,
    ),
    "tribunal": (
        "Huslejenævn",
        {"open_cases": "open-cases", "overdue": "overdue", "due_this_week": "due-this-week",
         "suspended": "suspended", "decided": "decided"},
        2,
    ),
}  # fmt: skip
ONE_DECIMAL = {"frame_used", "frame_left"}


async def shows(page: Page, headline: dict[str, Any], ids: dict[str, str]) -> None:
    for key, element in ids.items():
        decimals = 1 if key in ONE_DECIMAL else 0
        await expect(page.locator(f"#{element}")).to_have_text(danish(headline[key], decimals))


def number(text: str) -> int:
    return int(text.replace(".", ""))


class TestNewPagesPerRole:
    @pytest.mark.parametrize(
        ("name", "role"),
        [
            ("grants", "fund"), ("grants", "municipality"), ("grants", "housing_org"),
            ("allocation", "fund"), ("allocation", "municipality"),
            ("allocation", "housing_org"),
            ("tribunal", "fund"), ("tribunal", "tribunal"), ("tribunal", "municipality"),
        ],
    )  # fmt: skip
    async def test_each_new_page_shows_the_roles_numbers(
        self, platform, browser, demo, screenshots, name, role
    ):
        base, _, data_dir = platform
        municipality = demo["municipalities"][0]
        args: list[str] = []
        login: dict[str, str] = {}
        if role in ("municipality", "tribunal"):
            args, login = ["--municipality", municipality], {"municipality": municipality}
        if role == "housing_org":
            org = await an_organisation(base, token(data_dir, "fund"), municipality)
            args, login = ["--org", org], {"orgs": org}
        expected = await figures(base, token(data_dir, role, *args), name)
        title, ids, charts = NEW_PAGES[name]
        context, page = await sign_in(browser, base, role, **login)
        try:
            await page.goto(f"{base}/dashboards/{name}")
            await expect(page.locator("h1")).to_have_text(title)
            await shows(page, expected["headline"], ids)
            await expect(page.locator("svg.chart")).to_have_count(charts)
            for key in expected["tables"]:
                await expect(page.locator(f"#table-{key}")).to_be_visible()
            await page.screenshot(path=screenshots / f"{name}-{role}.png", full_page=True)
        finally:
            await context.close()

    @pytest.mark.parametrize(
        ("name", "role"), [("grants", "tribunal"), ("allocation", "tribunal"),
                           ("tribunal", "housing_org"), ("tribunal", "operations")],
    )  # fmt: skip
    async def test_a_role_without_the_page_sees_no_data(self, platform, browser, demo, name, role):
        base, _, data_dir = platform
        args = ["--municipality", "101"] if role == "tribunal" else ["--org", "x"]
        context = await browser.new_context(viewport={"width": 1280, "height": 600})
        await context.add_cookies(
            [
                {
                    "name": "housing_dashboards",
                    "value": token(data_dir, role, *args),
                    "url": f"{base}/dashboards",
                }
            ]
        )
        page = await context.new_page()
        try:
            response = await page.goto(f"{base}/dashboards/{name}")
            assert response is not None
            assert response.status == 403
            await expect(page.locator("h1")).to_have_text("Ingen adgang")
            await expect(page.locator("table")).to_have_count(0)
            await expect(page.locator("output")).to_have_count(0)
        finally:
            await context.close()


class TestNewPagesLive:
    """Each new page, open in the browser, changes within a second of a call to the service
    whose event it counts, without a reload."""

    async def test_a_tribunal_case_filed_suspended_and_rejected_shows_on_the_page(
        self, platform, browser, demo
    ):
        base, _, data_dir = platform
        tenant = {"Authorization": f"Bearer {token(data_dir, 'party')}"}
        await settled(base, token(data_dir, "operations"))
        context, page = await sign_in(browser, base, "tribunal", municipality="101")
        try:
            assert page.url.endswith("/dashboards/tribunal")
            marker = await page.evaluate("window.__marker = 'same page'; window.__marker")
            before = number(await page.locator("#open-cases").inner_text())
            async with httpx.AsyncClient(base_url=base, timeout=10) as api:
                filed = await api.post(
                    "/legal-cases/v1/cases",
                    json=tribunal_case("101"),
                    headers={**tenant, "Idempotency-Key": str(uuid.uuid4())},
                )
            assert filed.status_code == 201, filed.text
            await expect(page.locator("#open-cases")).to_have_text(
                danish(before + 1), timeout=LIVE_TIMEOUT_MS
            )
            assert await page.evaluate("window.__marker") == marker
            # suspended (legal_cases.case.deadlines_moved), then rejected (case.rejected)
            case_id = filed.json()["id"]
            tribunal = {
                "Authorization": f"Bearer {token(data_dir, 'tribunal', '--municipality', '101')}"
            }
            suspended = number(await page.locator("#suspended").inner_text())
            async with httpx.AsyncClient(base_url=base, timeout=10) as api:
                await ok(await api.post(
                    f"/legal-cases/v1/cases/{case_id}/suspend", json={"reason": "Forlig"},
                    headers={**tribunal, "Idempotency-Key": str(uuid.uuid4())},
                ))  # fmt: skip
            await expect(page.locator("#suspended")).to_have_text(
                danish(suspended + 1), timeout=LIVE_TIMEOUT_MS
            )
            async with httpx.AsyncClient(base_url=base, timeout=10) as api:
                await ok(await api.post(
                    f"/legal-cases/v1/cases/{case_id}/resume", json={},
                    headers={**tribunal, "Idempotency-Key": str(uuid.uuid4())},
                ))  # fmt: skip
                await expect(page.locator("#suspended")).to_have_text(
                    danish(suspended), timeout=LIVE_TIMEOUT_MS
                )
                await ok(await api.post(
                    f"/legal-cases/v1/cases/{case_id}/reject", json={"reason": "Almen bolig"},
                    headers={**tribunal, "Idempotency-Key": str(uuid.uuid4())},
                ))  # fmt: skip
            await expect(page.locator("#open-cases")).to_have_text(
                danish(before), timeout=LIVE_TIMEOUT_MS
            )
            assert await page.evaluate("window.__marker") == marker
        finally:
            await context.close()

    async def test_a_sent_grant_application_appears_on_the_grants_page(
        self, platform, browser, demo
    ):
        base, _, data_dir = platform
        org = "dash-grants-org"
        applicant = {"Authorization": f"Bearer {token(data_dir, 'housing_org', '--org', org)}"}
        kk = {"Authorization": f"Bearer {token(data_dir, 'municipality', '--municipality', '101')}"}
        async with httpx.AsyncClient(base_url=base, timeout=30) as api:
            send = await grant_application_ready_to_send(api, applicant, kk, org)
            await settled(base, token(data_dir, "operations"))
            context, page = await sign_in(browser, base, "fund")
            try:
                await page.goto(f"{base}/dashboards/grants")
                marker = await page.evaluate("window.__marker = 'same page'; window.__marker")
                before = number(await page.locator("#cases").inner_text())
                sent = await api.post(send, headers={**applicant, **key()})
                assert sent.status_code == 200, sent.text
                await expect(page.locator("#cases")).to_have_text(
                    danish(before + 1), timeout=LIVE_TIMEOUT_MS
                )
                assert await page.evaluate("window.__marker") == marker
            finally:
                await context.close()

    async def test_an_accepted_offer_leaves_the_open_offers(self, platform, browser, demo):
        base, _, data_dir = platform
        org = "dash-alloc-org"
        kk = {"Authorization": f"Bearer {token(data_dir, 'municipality', '--municipality', '101')}"}
        erp = {"Authorization": f"Bearer {token(data_dir, 'housing_org', '--org', org)}"}
        async with httpx.AsyncClient(base_url=base, timeout=30) as api:
            offer = await an_open_offer(api, kk, erp, org)
            await settled(base, token(data_dir, "operations"))
            context, page = await sign_in(browser, base, "municipality", municipality="101")
            try:
                await page.goto(f"{base}/dashboards/allocation")
                marker = await page.evaluate("window.__marker = 'same page'; window.__marker")
                before = number(await page.locator("#open-offers").inner_text())
                assert before >= 1
                answered = await api.post(
                    f"/allocation/v1/offers/{offer}/answer",
                    json={"answer": "accept", "case_reference": "SAG-DASH-1"},
                    headers={**kk, **key()},
                )
                assert answered.status_code == 200, answered.text
                await expect(page.locator("#open-offers")).to_have_text(
                    danish(before - 1), timeout=LIVE_TIMEOUT_MS
                )
                assert await page.evaluate("window.__marker") == marker
            finally:
                await context.close()


class TestGovernanceLive:
    async def test_an_opened_year_and_a_passed_deadline_appear_without_a_reload(
        self, platform, browser, demo, screenshots
    ):
        """The fund opens the governance year: the packages appear as Klar til udarbejdelse;
        the municipality sets a deadline that has passed: the package counts as overdue."""
        base, _, data_dir = platform
        municipality = demo["municipalities"][0]
        fund = {"Authorization": f"Bearer {token(data_dir, 'fund')}"}
        kk = {
            "Authorization": f"Bearer {token(data_dir, 'municipality', '--municipality', municipality)}"
        }
        year = danish_date().year
        await settled(base, token(data_dir, "operations"))
        context, page = await sign_in(browser, base, "municipality", municipality=municipality)
        try:
            await page.goto(f"{base}/dashboards/governance")
            marker = await page.evaluate("window.__marker = 'same page'; window.__marker")
            before = await page.locator("#packages").inner_text()
            async with httpx.AsyncClient(base_url=base, timeout=60) as api:
                catalogue = await api.put(
                    f"/governance/v1/catalogues/{year}", json=CATALOGUE, headers=fund
                )
                assert catalogue.status_code in (200, 409), catalogue.text
                generated = await api.post(
                    "/governance/v1/packages/generate",
                    json={"year": year},
                    headers={**fund, **key()},
                )
                assert generated.status_code == 200, generated.text
                assert generated.json()["created"] > 0
                await expect(page.locator("#packages")).not_to_have_text(
                    before, timeout=LIVE_TIMEOUT_MS
                )
                # the home municipality follows its organisations' packages before they are sent
                overview = await api.get(
                    "/governance/v1/status-overview", params={"year": year}, headers=kk
                )
                assert overview.status_code == 200, overview.text
                home = [p for p in overview.json()["items"] if p["sent_at"] is None]
                assert home, overview.json()
                await settled(base, token(data_dir, "operations"))
                expected = await figures(base, kk["Authorization"].split()[1], "governance")
                await shows(page, expected["headline"], {"packages": "packages", "ready": "ready"})
                overdue = number(await page.locator("#overdue").inner_text())
                # a working day: one on a closed day ends on the next working day (maybe today)
                passed = previous_working_day(danish_date())
                response = await api.put(
                    f"/governance/v1/deadlines/{year}/{home[0]['organisation_id']}",
                    json={"deadline": passed.isoformat()},
                    headers=kk,
                )
                assert response.status_code == 204, response.text
                await expect(page.locator("#overdue")).to_have_text(
                    danish(overdue + 1), timeout=LIVE_TIMEOUT_MS
                )
            assert await page.evaluate("window.__marker") == marker
            await page.screenshot(path=screenshots / "governance-year-opened.png", full_page=True)
        finally:
            await context.close()


class TestRebuild:
    async def test_housing_events_replay_rebuilds_the_same_figures(self, platform, demo):
        """After the browser tests (so the live lease is in it): the read model is emptied and
        rebuilt from the producers' replayed events, and every page gives the same figures."""
        base, env, data_dir = platform
        fund = token(data_dir, "fund")
        operations = token(data_dir, "operations")

        async def now() -> dict[str, Any]:
            """The figures (the revision left out: the rebuild moves it on)."""
            names = ("register", "governance", "grants", "allocation", "tribunal")
            pages = {name: await figures(base, fund, name) for name in names}
            return {name: {**page, "revision": None} for name, page in pages.items()}

        async def dead_letters() -> int:
            page = await figures(base, operations, "operations")
            return int(page["headline"]["dead_letters"])

        # Compared on a settled platform (no unpublished events anywhere, the read model
        # unchanged for 3 s): the calculator publishes key figures of the demo data a while
        # after the start, and the live tests' events may still be on their way.
        await settled(base, operations)
        before, dead_before = await now(), await dead_letters()
        replayed = await asyncio.to_thread(
            subprocess.run,
            [str(HOUSING), "events", "replay", "--service", "dashboards", "--since",
             "2000-01-01T00:00:00+00:00"],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert replayed.returncode == 0, replayed.stderr
        assert "dashboards: read model emptied;" in replayed.stderr
        assert "register: " in replayed.stderr
        # The command returns once every producer's outbox is marked unpublished again, and in
        # the embedded run a relay marks a batch published only after every consumer applied
        # it: once no outbox has unpublished events, the rebuild is complete. Waiting for that
        # (not for a fixed time: the rebuild took 15-30 s under a load of 6-8, and longer on a
        # busier machine) and comparing once, any difference is the rebuild's.
        await settled(base, operations)
        after = await now()
        assert after == before, "\n".join(differences(before, after))
        assert await dead_letters() == dead_before
        assert after["register"]["headline"]["created_today"] >= 1


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Where two pages' figures differ, one line per value (pytest cuts a long diff short)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [
            line
            for key in sorted(before.keys() | after.keys(), key=str)
            for line in differences(before.get(key), after.get(key), f"{path}/{key}")
        ]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            line
            for i, (one, other) in enumerate(zip(before, after, strict=True))
            for line in differences(one, other, f"{path}[{i}]")
        ]
    return [] if before == after else [f"{path}: before {before!r}, after {after!r}"]


async def settled(base: str, operations: str, quiet_seconds: float = 3.0) -> None:
    """Until no service has unpublished events and the dashboards' read model did not change
    for ``quiet_seconds`` (read on the operations page's figures)."""
    quiet_since = None
    last = None
    async with asyncio.timeout(180):
        while True:
            page = await figures(base, operations, "operations")
            backlog = [row for row in page["tables"]["outbox"]["rows"] if row[2] != 0]
            state = (backlog, page["revision"])
            loop = asyncio.get_running_loop()
            if backlog or state != last:
                quiet_since = loop.time()
            elif quiet_since is not None and loop.time() - quiet_since >= quiet_seconds:
                return
            last = state
            await asyncio.sleep(0.5)


async def an_organisation(base: str, fund: str, municipality: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        response = await client.get(
            "/register/v1/organisations", headers={"Authorization": f"Bearer {fund}"}
        )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    home = [o for o in items if o.get("HjemstedKommuneKode") == municipality] or items
    return str(home[0]["BoligorganisationIdentifikator"])


def example(model: type, **changes: Any) -> dict[str, Any]:
    return {**model.model_config["json_schema_extra"]["examples"][0], **changes}


async def seed_dwelling(api: httpx.AsyncClient, headers: dict[str, str], org: str) -> None:
    bodies = [
        ("organisations", example(OrganisationIn, BoligorganisationIdentifikator=org,
                                  CVRNummer="10000009", HjemstedKommuneKode="101")),
        ("departments", example(DepartmentIn, AfdelingIdentifikator="dash-afd",
                                BoligorganisationIdentifikator=org, KommuneKode="101")),
    ]  # fmt: skip
    dwelling = example(
        DwellingIn, BoligUnikIdentifikator="dash-bol", AfdelingIdentifikator="dash-afd"
    )
    dwelling.pop("ByggeafsnitIdentifikator")
    bodies.append(("dwellings", dwelling))
    for path, body in bodies:
        response = await api.post(f"/{path}", json=body, headers=headers)
        assert response.status_code == 201, response.text


def lease_body(start: date) -> dict[str, Any]:
    return example(
        LeaseIn,
        LejekontraktUnikIdentifikator="dash-lease",
        BoligUnikIdentifikator="dash-bol",
        LejekontraktStartDato=start.isoformat(),
        Boligudgifter=[
            {"BoligudgiftTypeKode": "base_rent", "BoligudgiftBeloeb": "5200.00",
             "BoligudgiftStartDato": start.isoformat()}
        ],
    )  # fmt: skip


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def tribunal_case(tribunal: str) -> dict[str, Any]:
    return {
        "tribunal_code": tribunal, "category": "maintenance_defects",
        "summary": "Utæt tag over køkkenet.", "owner_id": "owner-dash",
        "complainant": {"kind": "tenant", "name": "Tenant Testesen"},
        "counterpart": {"kind": "landlord", "name": "Udlejer ApS"},
        "documents": [{"filename": "klage.pdf",
                       "content_base64": base64.b64encode(a_pdf()).decode()}],
    }  # fmt: skip


def a4_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


async def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def grant_application_ready_to_send(
    api: httpx.AsyncClient, applicant: dict[str, str], municipality: dict[str, str], org: str
) -> str:
    """A complete § 91a application of a new organisation's department, recommended by the
    municipality: the path to send it."""
    department = "dash-grants-afd"
    register = [
        ("organisations", example(OrganisationIn, BoligorganisationIdentifikator=org,
                                  CVRNummer="10000009", HjemstedKommuneKode="101")),
        ("departments", example(DepartmentIn, AfdelingIdentifikator=department,
                                BoligorganisationIdentifikator=org, KommuneKode="101")),
    ]  # fmt: skip
    for path, body in register:
        await ok(await api.post(f"/register/v1/{path}", json=body, headers=applicant))
    body = {"title": "Boligsocial indsats (dashboards)", "organisation_ids": [org],
            "department_ids": [department], "year": 2026}  # fmt: skip
    async with asyncio.timeout(30):  # until grants has the register's master data
        while True:
            created = await api.post(
                "/grants/v1/applications", json=body, headers={**applicant, **key()}
            )
            if created.status_code == 201:
                break
            assert created.status_code in (404, 409, 422), created.text
            await asyncio.sleep(0.25)
    url = f"/grants/v1/applications/{created.json()['id']}"
    await ok(await api.put(f"{url}/departments/{department}/answers", json={"answers": {
        "dwellings": 300, "residents": 700, "average_rent_per_m2": "850.00",
        "vacancy_percent": "2", "turnover_percent": "14",
        "problem_description": "Mange unge uden uddannelse.",
        "physical_renovation_planned": True, "economic_situation": "Stabil.",
    }}, headers=applicant))  # fmt: skip
    await ok(await api.patch(url, json={"budget": {
        "years": 4,
        "income": [{"source": "lbf", "amount": "3000000.00"},
                   {"source": "municipality", "amount": "1000000.00"}],
        "costs": [{"category": "staff", "amount": "3700000.00"},
                  {"category": "administration", "amount": "300000.00"}],
    }}, headers=applicant))  # fmt: skip
    for kind, pages in (("resident_data", 1), ("project_description", 3)):
        await ok(
            await api.post(
                f"{url}/attachments",
                params={"kind": kind, "filename": f"{kind}.pdf"},
                content=a4_pdf(pages),
                headers={**applicant, **key()},
            )
        )
    await ok(
        await api.post(
            f"{url}/declarations", json={"organisation_id": org}, headers={**applicant, **key()}
        )
    )
    await ok(await api.post(f"{url}/recommendation", json={}, headers={**municipality, **key()}))
    return f"{url}/send"


async def an_open_offer(
    api: httpx.AsyncClient, municipality: dict[str, str], erp: dict[str, str], org: str
) -> str:
    """An allocation agreement listing a dwelling whose lease the organisation reports as about
    to be vacant: the offer the allocation service opens to the municipality."""
    dwelling, department = "dash-alloc-bolig", "dash-alloc-afd"
    await ok(await api.post("/allocation/v1/agreements", json={
        "organisation_id": org, "kind": "listed", "valid_from": "2020-01-01",
        "dwelling_ids": [dwelling],
    }, headers={**municipality, **key()}))  # fmt: skip
    section = f"{department}-blok-a"
    year = danish_date().year
    records = [
        {"type": "organisation", "record": {
            "BoligorganisationIdentifikator": org, "CVRNummer": "10000009",
            "BoligorganisationNavn": "Boligselskabet Anvisning", "HjemstedKommuneKode": "101"}},
        {"type": "department", "record": {
            "AfdelingIdentifikator": department, "BoligorganisationIdentifikator": org,
            "AfdelingNavn": "Afdeling anvisning", "KommuneKode": "101",
            "AfdelingBoligtypeKode": "family", "OpfoerelsesAar": 1972,
            "BygningstypeKode": "etage"}},
        {"type": "building_section", "record": {
            "ByggeafsnitIdentifikator": section, "AfdelingIdentifikator": department,
            "ByggeafsnitNavn": "Blok A", "OpfoerelsesAar": 1972}},
        {"type": "dwelling", "record": {
            "BoligUnikIdentifikator": dwelling, "AfdelingIdentifikator": department,
            "ByggeafsnitIdentifikator": section, "Vejnavn": "Anvisningsvej", "Husnummer": "1",
            "Postnummer": "2400", "Bynavn": "København NV", "BoligAntalRum": 2,
            "BoligArealKvadratmeter": "55.00"}},
        {"type": "lease", "record": {
            "LejekontraktUnikIdentifikator": f"{dwelling}-lk",
            "BoligUnikIdentifikator": dwelling, "EksternReference": f"ERP-{dwelling}",
            "LejekontraktStartDato": f"{year}-01-01",
            "AnvisningstypeKode": "external_waiting_list", "LejekontraktLedigIndikator": True,
            "Boligudgifter": [{"BoligudgiftTypeKode": "base_rent",
                               "BoligudgiftBeloeb": "5200.00",
                               "BoligudgiftStartDato": f"{year}-01-01"}]}},
    ]  # fmt: skip
    report = await ok(
        await api.post(
            "/register/v1/submissions", json={"records": records}, headers={**erp, **key()}
        )
    )
    assert report["accepted"] == 5, report
    async with asyncio.timeout(30):
        while True:
            offers = await ok(
                await api.get(
                    "/allocation/v1/offers",
                    params={"organisation_id": org},
                    headers=municipality,
                )
            )
            if offers["items"]:
                return str(offers["items"][0]["id"])
            await asyncio.sleep(0.25)
