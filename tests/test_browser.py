"""The Flask example's staff pages in a real browser: headless Chromium driven by selenium.

The test serves the example (examples/flask_app) on 127.0.0.1 on a free port in a
thread, on a fresh SQLite file filled through the service with a frozen clock, then
clicks through it as a staff member would: sign in, the worklist (filters, Next pages),
a case (its history in WIB, its referrals, the NIK masked), the dashboard (its counts,
its plot) and the language switch. Every check compares the page with what the store
holds, read through the same service.

The browser is Debian's ``chromium`` with its ``chromium-driver`` (``/usr/bin/chromium``
and ``/usr/bin/chromedriver``; ``SLRT_CHROMIUM`` and ``SLRT_CHROMEDRIVER`` point
elsewhere). Without them, or without selenium, the tests skip with the reason; under
``CI=true`` they fail (``.ci/run`` installs the browser). No check depends on speed:
every wait is an explicit wait for what the page must show, with a generous timeout.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.needs import require

from slrt_core import (
    Actor,
    Channel,
    ClosingReason,
    ComplaintKind,
    Household,
    Need,
    Nik,
    Person,
    ReferralStatus,
    RegionCode,
    Relationship,
    Role,
    Sector,
    Sex,
    Slrt,
    formatting,
    label,
)
from slrt_core.calendar import local_date_in
from slrt_core.kpis import KpiPeriod
from slrt_core.projections import CaseFilter, ReferralFilter
from slrt_core.testing import FrozenClock
from slrt_core.texts import text

CHROMIUM = Path(os.environ.get("SLRT_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("SLRT_CHROMEDRIVER", "/usr/bin/chromedriver"))
#: Seconds to wait for a page to show what it must; generous, for a loaded CI machine.
WAIT = 60

pytestmark = pytest.mark.slow

NIK = "3374014202800001"
# Monday 5 January 2026, 08:00 UTC: 15.00 WIB in Kota Semarang (province 33).
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _unavailable() -> str | None:
    """Why the browser tests cannot run here, or ``None``."""
    for module, where in (("selenium", "the `tests` dependency group"), ("flask", "it too")):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed: install {where}."
    for path, package, variable in (
        (CHROMIUM, "chromium", "SLRT_CHROMIUM"),
        (CHROMEDRIVER, "chromium-driver", "SLRT_CHROMEDRIVER"),
    ):
        if not (path.is_file() and os.access(path, os.X_OK)):
            return (
                f"no browser: {path} is missing. Install Debian's {package} "
                f"(apt-get install chromium chromium-driver), or set {variable}."
            )
    return None


def require_browser() -> None:
    """Skip without a browser and selenium; fail instead under CI=true."""
    require(_unavailable(), "headless Chromium, chromedriver and selenium")


# --------------------------------------------------------------------------- the store


def _actor(actor_id: str, role: Role, region: str = "33.74", provider: str | None = None) -> Actor:
    return Actor(
        actor_id=actor_id, role=role, jurisdiction=RegionCode(region), provider_id=provider
    )


FACILITATOR = _actor("fac-1", Role.FACILITATOR, "33.74.01")
SUPERVISOR = _actor("sup-1", Role.SUPERVISOR)
FRONT = _actor("fo-1", Role.FRONT_OFFICE)
BACK = _actor("bo-1", Role.BACK_OFFICE)
BPJS = _actor("bpjs-1", Role.PROVIDER_STAFF, provider="bpjs-semarang")
DUKCAPIL = _actor("dukcapil-1", Role.PROVIDER_STAFF, provider="dukcapil-semarang")


def _household(nik: str | None = None) -> Household:
    head = Person(
        member_id="m1",
        relationship=Relationship.HEAD,
        birth_date=date(1980, 2, 2),
        sex=Sex.FEMALE,
        nik=Nik(nik) if nik else None,
        name="Siti Aminah",
    )
    child = Person(
        member_id="m2", relationship=Relationship.CHILD, birth_date=date(2016, 5, 1), sex=Sex.MALE
    )
    return Household(region=RegionCode("33.74.01.1001"), members=[head, child])


@dataclass
class World:
    """The served app, its service and clock, and the cases the test made."""

    base: str
    slrt: Slrt
    clock: FrozenClock
    referred: str  # two referrals: one overdue at BPJS, one completed and confirmed
    submitted: str
    emergency: str
    closed: str
    returned: str


def _fill(slrt: Slrt, clock: FrozenClock) -> dict[str, str]:
    """Five cases in five states; one has an overdue and a completed referral."""

    def register(**options: Any) -> str:
        needs = options.pop("needs", [Need(sector=Sector.HEALTH, description="No BPJS card")])
        return slrt.register(
            FACILITATOR,
            _household(options.pop("nik", None)),
            channel=options.pop("channel", Channel.HOME_VISIT),
            kind=ComplaintKind.GRIEVANCE,
            needs=needs,
            **options,
        ).case_id

    referred = register(
        nik=NIK,
        needs=[
            Need(sector=Sector.HEALTH, description=f"No BPJS card (NIK {NIK})"),
            Need(sector=Sector.CIVIL_DOCUMENTS, description="Birth certificate of the child"),
        ],
    )
    slrt.assess(FACILITATOR, referred, findings="Day labourer; no insurance.")
    slrt.submit(FACILITATOR, referred)
    slrt.approve(SUPERVISOR, referred)
    slrt.review(FRONT, referred)
    slrt.record_consent(
        FACILITATOR,
        referred,
        subject="m1",
        grantor="m1",
        purposes=["referral"],
        recipients=["bpjs-semarang", "dukcapil-semarang"],
        evidence="Signed SLRT consent form",
    )
    clock.advance(hours=1)
    late = slrt.refer(BACK, referred, "n1", service_id="pbi-jk").referral_id
    done = slrt.refer(BACK, referred, "n2", service_id="akta").referral_id
    clock.advance(days=1)
    slrt.update_referral(BPJS, late, status=ReferralStatus.RECEIVED)
    for status in ("received", "accepted", "in_progress", "completed"):
        slrt.update_referral(DUKCAPIL, done, status=status)
        clock.advance(hours=6)
    slrt.confirm_receipt(FACILITATOR, done)

    submitted = register()
    slrt.assess(FACILITATOR, submitted, findings="Seen at home.")
    slrt.submit(FACILITATOR, submitted)
    emergency = register(
        emergency=True,
        channel=Channel.SECRETARIAT_DESK,
        needs=[Need(sector=Sector.FOOD, description="House burnt down")],
    )
    closed = register()
    slrt.close(SUPERVISOR, closed, reason=ClosingReason.DUPLICATE)
    returned = register()
    slrt.assess(FACILITATOR, returned, findings="Seen.")
    slrt.submit(FACILITATOR, returned)
    slrt.return_for_correction(SUPERVISOR, returned, note="Add the income.")
    # Two months on, the BPJS referral is long past its deadline.
    clock.advance(days=60)
    return {
        "referred": referred,
        "submitted": submitted,
        "emergency": emergency,
        "closed": closed,
        "returned": returned,
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    require_browser()
    from tests.flask_support import load_example, serve

    clock = FrozenClock(START)
    with load_example("slrt_flask_example_browser") as module:
        app = module.create_app(tmp_path_factory.mktemp("browser") / "slrt.sqlite", clock=clock)
        slrt: Slrt = app.extensions["slrt"]
        try:
            cases = _fill(slrt, clock)
            with serve(app) as base:
                yield World(base=base, slrt=slrt, clock=clock, **cases)
        finally:
            slrt.store.close()


# --------------------------------------------------------------------------- the browser


class Browser:
    """A headless Chromium session with explicit waits."""

    def __init__(self, base: str, profile: Path) -> None:
        from selenium import webdriver
        from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.ui import Select, WebDriverWait

        self.By = By
        self.Select = Select
        self.ec = expected_conditions
        self._stale = StaleElementReferenceException
        self._driver_error = WebDriverException
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for argument in (
            "--headless=new",
            f"--user-data-dir={profile}",
            "--window-size=1280,1024",
            "--disable-dev-shm-usage",  # containers often have a small /dev/shm
            "--no-first-run",
            "--disable-gpu",
        ):
            options.add_argument(argument)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            options.add_argument("--no-sandbox")  # Chromium's sandbox refuses to run as root
        # The driver is named, so selenium never looks for (or downloads) one of its own.
        self.driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        self.driver.set_page_load_timeout(WAIT)
        self.base = base
        self.wait = WebDriverWait(self.driver, WAIT)

    def quit(self) -> None:
        self.driver.quit()

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def path(self) -> str:
        url: str = self.driver.current_url
        return url.removeprefix(self.base)

    def find(self, css: str) -> Any:
        """The first element matching *css*, once it is on the page."""
        return self.wait.until(self.ec.presence_of_element_located((self.By.CSS_SELECTOR, css)))

    def all(self, css: str) -> list[Any]:
        elements: list[Any] = self.driver.find_elements(self.By.CSS_SELECTOR, css)
        return elements

    def click(self, css: str) -> None:
        """Click *css* and wait until the page it leads to has loaded."""
        element = self.wait.until(self.ec.element_to_be_clickable((self.By.CSS_SELECTOR, css)))
        element.click()
        self.wait_gone(element)
        self.find("main")

    def wait_gone(self, element: Any) -> None:
        """Wait until *element*'s page has been left.

        Asked about a node of the page it is leaving, chromedriver sometimes answers
        "Node with given id does not belong to the document" instead of a stale
        element; both mean the old page is gone.
        """

        def gone(_: object) -> bool:
            try:
                element.is_enabled()
            except self._stale:
                return True
            except self._driver_error as error:
                if "does not belong to the document" in str(error):
                    return True
                raise
            return False

        self.wait.until(gone)

    def click_link(self, text: str) -> None:
        """Click the link that reads *text* and wait for the next page."""
        element = self.wait.until(self.ec.element_to_be_clickable((self.By.LINK_TEXT, text)))
        element.click()
        self.wait_gone(element)
        self.find("main")

    def heading(self) -> str:
        title: str = self.find("h1").text
        return title

    def choose(self, css: str, value: str) -> None:
        self.Select(self.find(css)).select_by_value(value)


@pytest.fixture(scope="module")
def browser(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    session = Browser(world.base, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield session
    finally:
        session.quit()


def _sign_in(browser: Browser, actor_id: str, role: str, region: str) -> None:
    browser.open("/staff/sign-in")
    assert browser.heading() == "Pilih petugas"
    browser.find("#actor_id").send_keys(actor_id)
    browser.choose("#role", role)
    browser.find("#region").send_keys(region)
    browser.click("#sign-in")


def _case_rows(browser: Browser) -> list[tuple[str, str, str]]:
    """(case id, state code, state label) of each row of the case table shown."""
    return [
        (
            row.get_attribute("data-case-id"),
            row.get_attribute("data-state"),
            row.find_element(browser.By.CSS_SELECTOR, ".state").text,
        )
        for row in browser.all("tr.case")
    ]


# --------------------------------------------------------------------------- the tests


def test_worklist_case_and_dashboard_show_what_the_store_holds(
    world: World, browser: Browser
) -> None:
    """Sign in, page through the worklist, filter it, open a case, open the dashboard."""
    slrt = world.slrt
    browser.open("/staff/worklist")
    if browser.heading() == "Pilih petugas":  # not signed in: sent to the sign-in page
        browser.find("#actor_id").send_keys("sup-1")
        browser.choose("#role", "supervisor")
        browser.find("#region").send_keys("33.74")
        browser.click("#sign-in")
    assert browser.path().startswith("/staff/worklist")  # back where it was going
    assert browser.heading() == "Daftar kerja"
    assert browser.find("html").get_attribute("lang") == "id"
    assert "Masuk sebagai sup-1 (Supervisor, 33.74)" in browser.find("#signed-in").text

    # Every case of the jurisdiction, two a page, in the store's order, with its state.
    browser.open("/staff/worklist?limit=2")
    stored = slrt.cases(SUPERVISOR, limit=1000, count=True)
    assert stored.total == 5
    assert browser.find("#total").text == "5 kasus"
    shown: list[tuple[str, str, str]] = []
    pages = 1
    shown += _case_rows(browser)
    while browser.all("#next-page"):
        browser.click("#next-page")
        shown += _case_rows(browser)
        pages += 1
    assert pages == 3
    assert shown == [(s.case_id, s.state.value, label(s.state, "id")) for s in stored.items]
    assert browser.all("#first-page")

    # Filters: a state; a worklist; overdue; a referral worklist.
    browser.open("/staff/worklist")
    browser.choose("#filter-state", "submitted")
    browser.click("#apply")
    assert [row[0] for row in _case_rows(browser)] == [world.submitted]
    assert "state=submitted" in browser.path()

    browser.choose("#filter-state", "")
    browser.choose("#filter-list", "awaiting_approval")
    browser.click("#apply")
    awaiting = slrt.worklist(SUPERVISOR, "awaiting_approval").items
    assert [row[0] for row in _case_rows(browser)] == [s.case_id for s in awaiting]

    browser.choose("#filter-list", "")
    browser.find("#filter-overdue").click()
    browser.click("#apply")
    late = slrt.cases(SUPERVISOR, where=CaseFilter(overdue=True)).items
    assert [row[0] for row in _case_rows(browser)] == [s.case_id for s in late]
    assert [s.case_id for s in late] == [world.referred]
    statuses = browser.find(f'tr[data-case-id="{world.referred}"] .referral-statuses').text
    assert label(ReferralStatus.RECEIVED, "id") in statuses

    browser.find("#filter-overdue").click()
    browser.choose("#filter-list", "overdue")
    browser.click("#apply")
    overdue = slrt.referrals(SUPERVISOR, where=ReferralFilter(overdue=True)).items
    rows = browser.all("tr.referral")
    assert [r.get_attribute("data-referral-id") for r in rows] == [r.referral_id for r in overdue]
    assert [r.find_element(browser.By.CSS_SELECTOR, ".status").text for r in rows] == [
        label(r.status, "id") for r in overdue
    ]
    assert browser.find("#total").text == f"{len(overdue)} rujukan"

    # Worklist -> case: the link of the overdue referral's case.
    browser.click(f'tr[data-case-id="{world.referred}"] a.case-link')
    case = slrt.get_case(SUPERVISOR, world.referred)
    assert browser.heading() == f"Kasus {world.referred}"
    assert browser.find("#case-state").text == label(case.state, "id")
    shown_referrals = {
        row.get_attribute("data-referral-id"): row.find_element(
            browser.By.CSS_SELECTOR, ".status"
        ).text
        for row in browser.all("#case-referrals tr.referral")
    }
    assert shown_referrals == {r.referral_id: label(r.status, "id") for r in case.referrals}
    assert set(shown_referrals.values()) == {"Diterima penyedia", "Selesai"}
    [open_one] = case.open_referrals
    due = browser.find(f'#case-referrals tr[data-referral-id="{open_one.referral_id}"]').text
    assert "(lewat tenggat)" in due
    # The history: every event, oldest first, in Semarang's local time (WIB).
    history = slrt.history(SUPERVISOR, world.referred)
    events = browser.all("#history tr.event")
    assert [e.get_attribute("data-version") for e in events] == [str(e.version) for e in history]
    assert [e.find_element(browser.By.CSS_SELECTOR, ".event-name").text for e in events] == [
        text(f"event.{e.type}", "id") for e in history
    ]
    times = [e.find_element(browser.By.CSS_SELECTOR, ".time").text for e in events]
    assert times[0] == "5 Januari 2026 15.00 WIB"
    assert times == [formatting.local_time(e.at, "id", province="33") for e in history]
    # Personal data masked: no full NIK anywhere on the page, and the name's first letter.
    source = browser.driver.page_source
    assert NIK not in source
    assert "Siti" not in source
    assert browser.find('tr[data-member-id="m1"] .nik').text == "************0001"
    assert "************0001" in browser.find('tr[data-need-id="n1"]').text

    # Case -> dashboard: the report's figures and every worklist's count.
    browser.click("#nav-dashboard")
    assert browser.heading() == "Dasbor"
    report = slrt.referral_report(SUPERVISOR)

    def figure(key: str) -> str:
        value: str = browser.find(f'tr[data-key="{key}"] .value').text
        return value

    assert figure("cases") == str(report.cases) == "5"
    assert figure("referrals") == str(report.referrals) == "2"
    assert figure("overdue") == "1"
    assert figure("completion_rate") == "100,0%"  # one referral ended, completed
    for state, count in report.cases_by_state.items():
        assert figure(f"state.{state}") == str(count)
    for status, count in report.referrals_by_status.items():
        assert figure(f"status.{status}") == str(count)
    completion = report.time_to_complete
    assert completion.median_working_days
    assert figure("to_complete") == " / ".join(
        formatting.number(d, "id", digits=1)
        for d in (completion.median_working_days, completion.p90_working_days or 0)
    )
    today = local_date_in(SUPERVISOR.jurisdiction, slrt.clock.now())
    kpis = slrt.kpis(SUPERVISOR, period=KpiPeriod.month(today.year, today.month))
    counted = [r for r in kpis.rows("id") if r.measure == "count" and r.value]
    assert counted  # the month's intake at least
    for row in counted:
        shown = figure(f"kpi.{row.section}.{row.key}.{row.measure}")
        assert shown == formatting.number(row.value or 0, "id")
    assert figure("worklist.awaiting_approval") == str(len(awaiting))
    assert figure("worklist.overdue") == str(len(overdue))
    if importlib.util.find_spec("matplotlib") is not None:
        # The browser fetched and decoded the PNG: 8 inches at 100 dpi.
        plot = browser.find("#plot")
        browser.wait.until(
            lambda driver: driver.execute_script(
                "const i = arguments[0]; return i.complete && i.naturalWidth > 0;", plot
            )
        )
        assert browser.driver.execute_script("return arguments[0].naturalWidth;", plot) == 800
        assert plot.get_attribute("alt").startswith("Diagram batang")
        # The month's KPI charts of slrt_core.plots: 7.5 inches at 100 dpi.
        for name in ("stage_durations", "breach_rates", "intake"):
            chart = browser.find(f"#kpi-{name}")
            browser.wait.until(
                lambda driver, chart=chart: driver.execute_script(
                    "const i = arguments[0]; return i.complete && i.naturalWidth > 0;", chart
                )
            )
            assert browser.driver.execute_script("return arguments[0].naturalWidth;", chart) == 750
            assert chart.get_attribute("alt").startswith("Diagram: ")
    else:
        assert browser.find("#no-plot").text.startswith("Pasang matplotlib")

    # Dashboard -> worklist through a count's link keeps the list chosen.
    browser.click_link("Menunggu persetujuan")
    assert "list=awaiting_approval" in browser.path()
    assert [row[0] for row in _case_rows(browser)] == [s.case_id for s in awaiting]


def test_the_language_switch_and_signing_out(world: World, browser: Browser) -> None:
    """?lang=en turns the pages English and keeps the query; Indonesian is the default."""
    _sign_in(browser, "sup-1", "supervisor", "33.74")
    browser.open(f"/staff/cases/{world.returned}")
    assert browser.find("#case-state").text == "Dikembalikan untuk perbaikan"
    browser.click("#lang-en")
    assert browser.find("html").get_attribute("lang") == "en"
    assert browser.heading() == f"Case {world.returned}"
    assert browser.find("#case-state").text == "Returned for correction"
    registered = world.slrt.history(SUPERVISOR, world.returned)[0].at
    first = browser.all("#history td.time")[0].text
    assert first == formatting.local_time(registered, "en", province="33")
    assert re.fullmatch(r"\d{1,2} January 2026 \d\d:\d\d WIB", first)
    browser.click("#nav-worklist")
    assert browser.heading() == "Worklist"
    assert "lang=en" in browser.path()
    browser.click("#lang-id")
    assert browser.heading() == "Daftar kerja"

    browser.click("#sign-out")
    assert browser.heading() == "Pilih petugas"
    browser.open("/staff/dashboard")
    assert browser.heading() == "Pilih petugas"  # signed out: the pages ask again


def test_refusals_are_pages_in_the_staff_language(world: World, browser: Browser) -> None:
    """A wrong sign-in lists its problems; a case outside the jurisdiction is not found."""
    browser.open("/staff/sign-in")
    browser.find("#region").send_keys("33")
    browser.click("#sign-in")
    problems = browser.find("#problems").text
    assert "Kirim id petugas." in problems

    _sign_in(browser, "fac-9", "facilitator", "33.73")  # another city
    browser.open(f"/staff/cases/{world.referred}")
    assert browser.heading() == "Tidak ditemukan"
    elsewhere = browser.find("#error-detail").text
    browser.open("/staff/cases/case-nope")
    # An outsider cannot tell a case elsewhere from no case at all.
    assert elsewhere.replace(world.referred, "case-nope") == browser.find("#error-detail").text
    browser.open("/staff/worklist")
    assert browser.find("#total").text == "0 kasus"
    browser.click("#sign-out")
