"""The Flask embedding example, served on 127.0.0.1 and called over real HTTP.

The app (examples/flask_app/app.py) runs in a thread on a free port with a fresh SQLite
file; every request goes through urllib, so routing, headers, JSON and status codes are
those a client sees.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

# Flask is in the `tests` dependency group; CI must run this, so it skips only locally.
if os.environ.get("CI") != "true":
    pytest.importorskip("flask")

from tests.flask_support import load_example, serve

VILLAGE = "33.74.01.1001"
HOUSEHOLD = {
    "region": VILLAGE,
    "members": [
        {
            "member_id": "m1",
            "relationship": "head",
            "birth_date": "1980-02-02",
            "sex": "female",
            "nik": "3374014202800001",
        },
        {"member_id": "m2", "relationship": "child", "birth_date": "2016-05-01", "sex": "male"},
    ],
    "registry": {"in_registry": True, "decile": 2},
}
NEW_CASE = {
    "household": HOUSEHOLD,
    "channel": "home_visit",
    "kind": "grievance",
    "needs": [{"sector": "health", "description": "No health insurance"}],
}


def _staff(role: str, region: str = "33.74", provider: str | None = None) -> dict[str, str]:
    headers = {"X-Actor-Id": f"{role}-1", "X-Actor-Role": role, "X-Actor-Region": region}
    if provider:
        headers["X-Provider-Id"] = provider
    return headers


FACILITATOR = _staff("facilitator", "33.74.01")
SUPERVISOR = _staff("supervisor")
FRONT = _staff("front_office")
BACK = _staff("back_office")
PROVIDER = _staff("provider_staff", provider="bpjs-semarang")
AUDITOR = _staff("auditor")


class Client:
    """A tiny JSON client over urllib."""

    def __init__(self, base: str) -> None:
        self.base = base

    def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: Any = None,
        *,
        raw: bytes | None = None,
    ) -> tuple[int, dict[str, str], Any]:
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers=dict(headers)
        )
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), json.loads(response.read())
        except urllib.error.HTTPError as error:
            payload = json.loads(error.read())
            return error.code, dict(error.headers), payload

    def ok(self, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
        status, _, payload = self.call(method, path, headers, body)
        assert status in {200, 201}, payload
        return payload


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    with load_example() as module:
        app = module.create_app(tmp_path_factory.mktemp("flask") / "slrt.sqlite")
        try:
            with serve(app) as base:
                yield Client(base)
        finally:
            app.extensions["slrt"].store.close()


def test_whole_flow_over_http(client: Client) -> None:
    """Register to close over HTTP, with a return, a referral loop and a clean audit."""
    status, headers, case = client.call("POST", "/cases", FACILITATOR, NEW_CASE)
    assert status == 201
    assert case["state"] == "registered"
    assert headers["ETag"] == '"1"'
    cid = case["case_id"]

    eligibility = client.ok("GET", f"/cases/{cid}/eligibility", FACILITATOR)
    by_program = {d["program"]: d for d in eligibility["decisions"]}
    assert by_program["PBI_JK"]["status"] == "eligible"
    assert "Health insurance premium assistance" in by_program["PBI_JK"]["explanation"]

    client.ok(
        "POST", f"/cases/{cid}/needs", FACILITATOR, {"sector": "civil_documents", "member_id": "m2"}
    )
    assessed = client.ok("POST", f"/cases/{cid}/assess", FACILITATOR, {"findings": "Day labourer."})
    # The service holds the rulebook: the assessment records each program's decision.
    recorded = {d["program"]: d["outcome"] for d in assessed["assessments"][-1]["decisions"]}
    assert recorded["PBI_JK"] == "eligible"
    assert assessed["assessments"][-1]["rulebook_version"]
    client.ok("POST", f"/cases/{cid}/submit", FACILITATOR)
    returned = client.ok("POST", f"/cases/{cid}/return", SUPERVISOR, {"note": "Add income."})
    assert returned["state"] == "returned"
    client.ok("POST", f"/cases/{cid}/assess", FACILITATOR, {"findings": "Rp1.2M a month."})
    client.ok("POST", f"/cases/{cid}/submit", FACILITATOR)
    client.ok("POST", f"/cases/{cid}/approve", SUPERVISOR)
    reviewed = client.ok("POST", f"/cases/{cid}/review", FRONT)
    assert reviewed["state"] == "reviewed"

    ranking = client.ok("GET", f"/cases/{cid}/needs/n1/routes", BACK)
    assert ranking["explanation"].startswith("1. pbi-jk (bpjs-semarang)")

    consent = {
        "subject": "m1",
        "grantor": "m1",
        "purposes": ["referral"],
        "recipients": ["bpjs-semarang"],
        "evidence": "Signed SLRT consent form",
    }
    status, _, _ = client.call("POST", f"/cases/{cid}/consents", FACILITATOR, consent)
    assert status == 201
    status, _, referral = client.call(
        "POST", f"/cases/{cid}/referrals", BACK, {"need_id": "n1", "service_id": "pbi-jk"}
    )
    assert status == 201
    assert referral["status"] == "requested"
    rid = referral["referral_id"]
    for step in ("received", "accepted", "in_progress", "completed"):
        updated = client.ok("POST", f"/referrals/{rid}/status", PROVIDER, {"status": step})
        assert updated["status"] == step
    confirmed = client.ok("POST", f"/referrals/{rid}/confirm", FACILITATOR)
    assert confirmed["confirmed_at"]
    assert client.ok("GET", f"/referrals/{rid}", BACK)["status"] == "completed"

    client.ok("POST", f"/cases/{cid}/reassess", FACILITATOR, {"findings": "Covered now."})
    closed = client.ok("POST", f"/cases/{cid}/close", SUPERVISOR, {"reason": "independent"})
    assert closed["state"] == "closed"
    assert closed["closing_reason"] == "independent"

    history = client.ok("GET", f"/cases/{cid}/history", SUPERVISOR)
    assert [e["version"] for e in history] == list(range(1, len(history) + 1))
    assert history[-1]["version"] == closed["version"]

    report = client.ok("GET", "/audit/verify", AUDITOR)
    assert report["ok"] is True
    assert report["records"] >= len(history)


def _records(client: Client) -> int:
    return int(client.ok("GET", "/audit/verify", AUDITOR)["records"])


class TestErrors:
    def test_missing_actor_is_401_in_indonesian(self, client: Client) -> None:
        """No actor headers: 401, every missing header listed, in Bahasa Indonesia."""
        status, headers, problem = client.call(
            "POST", "/cases", {"Accept-Language": "id-ID,id;q=0.9,en;q=0.5"}, NEW_CASE
        )
        assert status == 401
        assert headers["Content-Type"] == "application/problem+json"
        assert headers["Content-Language"] == "id"
        assert problem["title"] == "Petugas yang bertindak tidak diketahui"
        paths = [p["path"] for p in problem["problems"]]
        assert paths == ["X-Actor-Id", "X-Actor-Role", "X-Actor-Region"]
        assert problem["problems"][0]["message"] == "Kirim id petugas."

    def test_invalid_household_lists_every_problem_and_changes_nothing(
        self, client: Client
    ) -> None:
        """422 with each problem in the asked language; no record is written."""
        before = _records(client)
        bad = {**NEW_CASE, "household": {"region": "33.74", "members": []}}
        for language, word in (("en", "head of family"), ("id", "kepala keluarga")):
            headers = {**FACILITATOR, "Accept-Language": language}
            status, _, problem = client.call("POST", "/cases", headers, bad)
            assert status == 422
            assert [p["path"] for p in problem["problems"]] == [
                "household.region",
                "household.members",
            ]
            assert word in problem["problems"][1]["message"]
        assert _records(client) == before

    def test_missing_fields_and_bad_json(self, client: Client) -> None:
        """Missing fields are listed together; a body that is not JSON is a 422 too."""
        status, _, problem = client.call("POST", "/cases", FACILITATOR, {"channel": "x"})
        assert status == 422
        assert [p["path"] for p in problem["problems"]] == ["household", "kind", "needs"]
        status, _, problem = client.call("POST", "/cases", FACILITATOR, raw=b"{not json")
        assert status == 422
        assert problem["problems"][0]["message"] == "The body is not valid JSON."
        status, _, problem = client.call("POST", "/cases", FACILITATOR, [1, 2])
        assert status == 422

    def test_state_jurisdiction_and_not_found(self, client: Client) -> None:
        """409 for a refused transition; 404 for no case, and the same outside the jurisdiction."""
        cid = client.ok("POST", "/cases", FACILITATOR, NEW_CASE)["case_id"]
        status, _, problem = client.call("POST", f"/cases/{cid}/referrals", BACK, {"need_id": "n1"})
        assert status == 409
        assert "assess" in problem["detail"]
        elsewhere = _staff("facilitator", "33.73")
        status, _, problem = client.call("GET", f"/cases/{cid}", elsewhere)
        assert status == 404  # an outsider cannot tell a case elsewhere from no case
        status, _, problem = client.call(
            "GET", "/cases/nope", {**FACILITATOR, "Accept-Language": "id"}
        )
        assert status == 404
        assert problem["detail"].startswith("Kasus 'nope' tidak ada.")

    def test_stale_version_and_idempotency(self, client: Client) -> None:
        """If-Match with an old version is 412; a repeated Idempotency-Key is one case."""
        keyed = {**FACILITATOR, "Idempotency-Key": "visit-2026-001"}
        first = client.ok("POST", "/cases", keyed, NEW_CASE)
        again = client.ok("POST", "/cases", keyed, NEW_CASE)
        assert first["case_id"] == again["case_id"]
        cid = first["case_id"]
        client.ok("POST", f"/cases/{cid}/assess", FACILITATOR, {"findings": "Seen."})
        stale = {**FACILITATOR, "If-Match": '"1"'}
        status, _, problem = client.call("POST", f"/cases/{cid}/submit", stale)
        assert status == 412
        assert "version" in problem["detail"]
        status, _, problem = client.call(
            "POST", f"/cases/{cid}/submit", {**FACILITATOR, "If-Match": "latest"}
        )
        assert status == 422
        submitted = client.ok("POST", f"/cases/{cid}/submit", {**FACILITATOR, "If-Match": '"2"'})
        assert submitted["version"] == 3

    def test_referral_without_consent_is_refused(self, client: Client) -> None:
        """Personal data does not leave without consent: 409, and no referral is made."""
        cid = client.ok("POST", "/cases", FACILITATOR, NEW_CASE)["case_id"]
        client.ok("POST", f"/cases/{cid}/assess", FACILITATOR, {"findings": "Seen."})
        client.ok("POST", f"/cases/{cid}/submit", FACILITATOR)
        client.ok("POST", f"/cases/{cid}/approve", SUPERVISOR)
        client.ok("POST", f"/cases/{cid}/review", FRONT)
        status, _, problem = client.call(
            "POST", f"/cases/{cid}/referrals", BACK, {"need_id": "n1", "service_id": "pbi-jk"}
        )
        assert status == 409
        assert problem["type"].endswith("/no-consent")
        assert client.ok("GET", f"/cases/{cid}", BACK)["referrals"] == []


class TestOfflineSync:
    """A facilitator's device syncs over HTTP: signed batches up, the feed down."""

    def _device(self, client: Client, device_id: str) -> Any:
        import base64

        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from slrt_core import Actor, RegionCode, Role
        from slrt_core.sync import Replica

        key = Ed25519PrivateKey.generate()
        me = {"actor_id": "facilitator-1", "role": "facilitator", "jurisdiction": "33.74.01"}
        raw = base64.b64encode(key.public_key().public_bytes_raw()).decode()
        status, _, device = client.call(
            "POST",
            "/sync/devices",
            SUPERVISOR,
            {"device_id": device_id, "actor": me, "public_key": raw},
        )
        assert status == 201, device
        actor = Actor(
            actor_id=me["actor_id"], role=Role.FACILITATOR, jurisdiction=RegionCode("33.74.01")
        )
        return Replica(":memory:", device_id=device_id, actor=actor, key=key)

    def test_a_device_uploads_offline_work_and_downloads_its_feed(self, client: Client) -> None:
        from slrt_core import Channel, ComplaintKind, Household, Need, Sector
        from slrt_core.application import commands as cmd
        from slrt_core.serialization import structure
        from slrt_core.sync import Status

        tablet = self._device(client, "tab-http-1")

        def upload(batch: dict[str, Any]) -> dict[str, Any]:
            return client.ok("POST", "/sync/batches", {}, batch)

        def download(request: dict[str, Any]) -> dict[str, Any]:
            return client.ok("POST", "/sync/feed", {}, request)

        made = tablet.record(
            cmd.RegisterCase(
                actor=tablet.actor,
                household=structure(HOUSEHOLD, Household),
                channel=Channel.HOME_VISIT,
                kind=ComplaintKind.GRIEVANCE,
                needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
            )
        )
        tablet.record(
            cmd.Assess(actor=tablet.actor, case_id=f"envelope:{made.envelope_id}", findings="Poor")
        )
        batch = {
            "device_id": tablet.device_id,
            "envelopes": _envelopes(tablet),
        }
        report = tablet.sync(upload, download, page_size=50)
        assert report.answered == {"applied": 2}
        answers = list(tablet.answers().values())
        case_id = answers[0].case_id
        assert tablet.version(case_id) == 2
        local = tablet.case(case_id)
        assert local is not None
        assert local["case"]["household"]["members"][0]["member_id"] == "m1"
        # The same batch again over HTTP: nothing is applied twice.
        again = client.ok("POST", "/sync/batches", {}, batch)
        assert [r["status"] for r in again["results"]] == [Status.ALREADY_APPLIED] * 2
        history = client.ok("GET", f"/cases/{case_id}/history", SUPERVISOR)
        assert len(history) == 2
        assert all("claimed_at" in e for e in history)

    def test_untrusted_requests_are_refused(self, client: Client) -> None:
        tablet = self._device(client, "tab-http-2")
        from slrt_core.application import commands as cmd

        tablet.record(cmd.Submit(actor=tablet.actor, case_id="case-x"), base_version=1)
        [envelope] = _envelopes(tablet)
        envelope["base_version"] = 2  # changed after signing
        results = client.ok(
            "POST", "/sync/batches", {}, {"device_id": tablet.device_id, "envelopes": [envelope]}
        )
        refusal = results["results"][0]["refusal"]
        assert results["results"][0]["status"] == "refused"
        assert refusal["error"] == "AccessDenied"
        assert "tanda tangan" in refusal["message_id"].lower()
        status, _, problem = client.call(
            "POST", "/sync/feed", {"Accept-Language": "id"}, {"device_id": "tab-ghost"}
        )
        assert status == 403
        assert "belum terdaftar" in problem["detail"]
        status, _, problem = client.call("POST", "/sync/batches", {}, {"envelopes": 3})
        assert status == 422
        status, _, problem = client.call(
            "POST",
            "/sync/devices",
            SUPERVISOR,
            {
                "device_id": "tab-bad",
                "actor": {"actor_id": "f", "role": "facilitator", "jurisdiction": "33.74.01"},
                "public_key": "%%%",
            },
        )
        assert status == 422
        assert problem["problems"][0]["path"] == "public_key"
        status, _, _ = client.call(
            "POST",
            "/sync/devices",
            FACILITATOR,
            {
                "device_id": "tab-own",
                "actor": {"actor_id": "f", "role": "facilitator", "jurisdiction": "33.74.01"},
                "public_key": "AAAA",
            },
        )
        assert status == 403


def _envelopes(tablet: Any) -> list[dict[str, Any]]:
    from slrt_core.sync import to_json

    return [to_json(e) for e in tablet.pending()]


class TestStaffPages:
    """The HTML pages over plain HTTP (tests/test_browser.py clicks through them)."""

    def _page(self, client: Client, path: str, headers: dict[str, str]) -> tuple[int, str, str]:
        request = urllib.request.Request(client.base + path, headers=dict(headers))
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return (
                    response.status,
                    response.headers["Content-Type"],
                    response.read().decode(errors="replace"),
                )
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read().decode(errors="replace")

    def test_pages_show_the_store_in_both_languages_with_data_masked(self, client: Client) -> None:
        cid = client.ok("POST", "/cases", FACILITATOR, NEW_CASE)["case_id"]
        status, kind, html = self._page(client, "/staff/worklist?limit=200", SUPERVISOR)
        assert (status, kind) == (200, "text/html; charset=utf-8")
        assert '<html lang="id">' in html
        assert f'data-case-id="{cid}" data-state="registered"' in html
        assert ">Terdaftar<" in html
        _, _, html = self._page(client, f"/staff/cases/{cid}?lang=en", SUPERVISOR)
        assert '<html lang="en">' in html
        assert f"Case {cid}" in html
        assert "Case registered" in html
        assert " WIB" in html
        nik = HOUSEHOLD["members"][0]["nik"]
        assert nik not in html
        assert "************" + nik[-4:] in html
        status, _, html = self._page(client, "/staff/dashboard", SUPERVISOR)
        assert status == 200
        assert 'data-key="cases"' in html
        status, kind, _ = self._page(client, "/staff/dashboard/plot.png", SUPERVISOR)
        assert (status, kind) == (200, "image/png")
        for name in ("stage_durations", "breach_rates", "intake"):
            assert f'id="kpi-{name}"' in html
            status, kind, png = self._page(client, f"/staff/dashboard/kpi/{name}.png", SUPERVISOR)
            assert (status, kind) == (200, "image/png")
            assert png[1:4] == "PNG"
        status, _, _ = self._page(client, "/staff/dashboard/kpi/nothing.png", SUPERVISOR)
        assert status == 404

    def test_without_a_staff_member_the_pages_ask_for_one(self, client: Client) -> None:
        status, _, html = self._page(client, "/staff/dashboard?lang=en", {})
        assert status == 200  # after the redirect
        assert "Choose the staff member" in html
        assert "not authenticated" in html

    def test_the_sign_in_page_sends_back_only_to_a_staff_page(self, client: Client) -> None:
        import http.client
        from urllib.parse import urlencode, urlsplit

        def sign_in(target: str) -> tuple[int, str, str]:
            where = urlsplit(client.base)
            connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
            form = {"actor_id": "sup-1", "role": "supervisor", "region": "33.74"}
            connection.request(
                "POST",
                "/staff/sign-in?" + urlencode({"next": target}),
                body=urlencode(form),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = connection.getresponse()
            found = response.status, response.getheader("Location", ""), response.read()
            connection.close()
            return found[0], found[1], response.getheader("Set-Cookie", "")

        status, location, cookie = sign_in("/staff/dashboard?lang=en")
        assert (status, location) == (302, "/staff/dashboard?lang=en")
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        for elsewhere in ("https://example.org/", "//example.org/staff/", "/cases/x"):
            assert sign_in(elsewhere)[:2] == (302, "/staff/worklist?lang=id")

    def test_refusals_are_html_pages(self, client: Client) -> None:
        cid = client.ok("POST", "/cases", FACILITATOR, NEW_CASE)["case_id"]
        status, kind, html = self._page(client, f"/staff/cases/{cid}", PROVIDER)
        assert (status, kind) == (403, "text/html; charset=utf-8")
        assert "Tidak diizinkan untuk petugas ini" in html
        status, _, html = self._page(client, "/staff/cases/nope?lang=en", SUPERVISOR)
        assert status == 404
        assert "Not found" in html
        # Provider staff have no case list; their dashboard shows their worklists only.
        status, _, html = self._page(client, "/staff/dashboard", PROVIDER)
        assert status == 200
        assert 'data-key="worklist.received"' in html
        assert 'data-key="cases"' not in html
        # A state that is no referral status is left out of a referral list, and said so.
        _, _, html = self._page(client, "/staff/worklist?list=received&state=closed", PROVIDER)
        assert "Saringan closed tidak berlaku" in html

    def test_the_page_texts_have_both_languages_and_no_english_in_indonesian(self) -> None:
        from tests.unit.test_texts import _FIELD, english_in

        with load_example("slrt_flask_example_texts"):
            import staff_pages

            texts = staff_pages.PAGE_TEXTS
        for key, both in texts.items():
            assert set(both) == {"en", "id"}, key
            assert sorted(_FIELD.findall(both["en"])) == sorted(_FIELD.findall(both["id"])), key
        found = {key: hits for key, both in texts.items() if (hits := english_in(both["id"]))}
        assert not found, found
