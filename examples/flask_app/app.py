"""A small web back end that embeds slrt_core: a JSON API over Flask and SQLite.

It is an example of the wiring a Dinas Sosial IT team writes, not a product:

* one :class:`~slrt_core.Slrt` per app, on a :class:`~slrt_core.adapters.SqliteStore`
  file, with a provider directory for Kota Semarang (invented for the example);
* each endpoint turns JSON into library values (``slrt_core.serialization.structure``),
  calls one command and returns the result as JSON;
* every :class:`~slrt_core.SlrtError` becomes an HTTP status and an
  ``application/problem+json`` body in the language the client asks for with
  ``Accept-Language`` (Bahasa Indonesia or English);
* ``Idempotency-Key`` and ``If-Match`` (the case or referral version) headers map to the
  library's idempotency keys and optimistic concurrency;
* offline devices sync through two endpoints of :mod:`slrt_core.sync` (upload a batch of
  signed envelopes, download the feed), with a second SQLite file for the sync ledger;
  a supervisor registers each device's public key first;
* staff pages in HTML under ``/staff`` (``staff_pages.py`` beside this file): a worklist,
  a case page with its history and referrals, and a dashboard, in Bahasa Indonesia or
  English (``?lang=en``), with personal data masked.

**Not authentication.** The acting staff member is read from request headers
(``X-Actor-Id``, ``X-Actor-Role``, ``X-Actor-Region``, ``X-Provider-Id``) so the example
stays small. A real app takes them from its login session or a verified token, never
from headers the client can set. The staff pages' sign-in page is no better: anyone
chooses there who they act as.

Run it with ``python examples/flask_app/app.py --db slrt.sqlite`` (port 5000; the staff
pages are at http://127.0.0.1:5000/staff/), or build it in code with :func:`create_app`.
"""

from __future__ import annotations

import argparse
import base64
import secrets
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from flask import Flask, Response, jsonify, request
from staff_pages import Wiring, staff_pages

from slrt_core import (
    AccessDenied,
    Actor,
    ConcurrencyError,
    ConsentError,
    Household,
    InvalidInputError,
    Need,
    NotFoundError,
    Problem,
    RegionCode,
    Role,
    Slrt,
    SlrtError,
    StorageError,
    TransitionNotAllowed,
    label,
)
from slrt_core.adapters import SqliteStore
from slrt_core.ports import Clock
from slrt_core.referral import Directory, Provider, Service
from slrt_core.rules import Rulebook, decide, load_pack
from slrt_core.serialization import converter, structure
from slrt_core.sync import SyncEndpoint, SyncLedger
from slrt_core.vocabulary import Sector, Tier

LANGUAGES = ("en", "id")
SEMARANG = RegionCode("33.74")

# Which library error becomes which HTTP status; the first match wins, so subclasses
# come before their parents.
STATUS: tuple[tuple[type[SlrtError], int, str], ...] = (
    (InvalidInputError, 422, "invalid-input"),
    (NotFoundError, 404, "not-found"),
    (AccessDenied, 403, "access-denied"),
    (TransitionNotAllowed, 409, "transition-not-allowed"),
    (ConcurrencyError, 412, "version-conflict"),
    (ConsentError, 409, "no-consent"),
    (StorageError, 503, "storage-unavailable"),
    (SlrtError, 500, "internal"),
)
TITLES = {
    "invalid-input": {
        "en": "The request has invalid values",
        "id": "Permintaan berisi nilai tidak sah",
    },
    "not-found": {"en": "Not found", "id": "Tidak ditemukan"},
    "access-denied": {
        "en": "Not allowed for this staff member",
        "id": "Tidak diizinkan untuk petugas ini",
    },
    "transition-not-allowed": {
        "en": "Not allowed in the current state",
        "id": "Tidak diizinkan pada status sekarang",
    },
    "version-conflict": {"en": "Changed by someone else", "id": "Sudah diubah orang lain"},
    "no-consent": {"en": "No consent covers this", "id": "Tidak ada persetujuan yang mencakup ini"},
    "storage-unavailable": {"en": "The database is unavailable", "id": "Basis data tidak tersedia"},
    "internal": {"en": "Internal error", "id": "Kesalahan internal"},
    "unauthenticated": {
        "en": "Who is acting is not known",
        "id": "Petugas yang bertindak tidak diketahui",
    },
}


def semarang_directory() -> Directory:
    """Providers and services in Kota Semarang (invented for the example)."""
    providers = [
        Provider(
            provider_id="bpjs-semarang",
            name="BPJS Kesehatan Kota Semarang",
            tier=Tier.NATIONAL,
            region=SEMARANG,
        ),
        Provider(
            provider_id="dinsos-semarang",
            name="Dinas Sosial Kota Semarang",
            tier=Tier.DISTRICT,
            region=SEMARANG,
        ),
        Provider(
            provider_id="dukcapil-semarang",
            name="Disdukcapil Kota Semarang",
            tier=Tier.DISTRICT,
            region=SEMARANG,
        ),
    ]
    services = [
        Service(
            service_id="pbi-jk",
            provider_id="bpjs-semarang",
            name="PBI-JK enrolment",
            sectors={Sector.HEALTH},
            tier=Tier.NATIONAL,
            area=[SEMARANG],
            program="PBI_JK",
        ),
        Service(
            service_id="pkh",
            provider_id="dinsos-semarang",
            name="PKH registration",
            sectors={Sector.SOCIAL_ASSISTANCE, Sector.EDUCATION},
            tier=Tier.DISTRICT,
            area=[SEMARANG],
            program="PKH",
        ),
        Service(
            service_id="akta",
            provider_id="dukcapil-semarang",
            name="Birth certificate",
            sectors={Sector.CIVIL_DOCUMENTS},
            tier=Tier.DISTRICT,
            area=[SEMARANG],
            program="ADMINDUK",
        ),
    ]
    return Directory(providers, services)


# --------------------------------------------------------------------------- helpers


def language() -> Literal["en", "id"]:
    """The response language: Bahasa Indonesia or English, from ``Accept-Language``."""
    return "id" if request.accept_languages.best_match(LANGUAGES, default="en") == "id" else "en"


def problem_response(kind: str, status: int, detail: str, problems: list[Problem]) -> Response:
    """An RFC 9457 problem document in the request's language."""
    lang = language()
    body = {
        "type": f"https://slrt.example/problems/{kind}",
        "title": TITLES[kind][lang],
        "status": status,
        "detail": detail,
        "problems": [
            {"path": p.path, "message": p.message if lang == "en" else p.message_id}
            for p in problems
        ],
    }
    response = jsonify(body)
    response.status_code = status
    response.content_type = "application/problem+json"
    response.headers["Content-Language"] = lang
    return response


class Unauthenticated(Exception):  # noqa: N818 - reads as the HTTP status it becomes
    """The actor headers are missing or wrong (401); carries bilingual problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("unauthenticated")
        self.problems = problems


def current_actor(headers: Mapping[str, str] | None = None) -> Actor:
    """The acting staff member, from headers. AN EXAMPLE ONLY: not authentication.

    *headers* defaults to the request's; the staff pages pass the values chosen on their
    sign-in page under the same names.
    """
    given = request.headers if headers is None else headers
    problems: list[Problem] = []
    actor_id = given.get("X-Actor-Id", "").strip()
    if not actor_id:
        problems.append(Problem("X-Actor-Id", "Send the staff member's id.", "Kirim id petugas."))
    roles = ", ".join(r.value for r in Role)
    try:
        role = Role(given.get("X-Actor-Role", ""))
    except ValueError:
        problems.append(
            Problem(
                "X-Actor-Role",
                f"Send one of the roles: {roles}.",
                f"Kirim salah satu peran: {roles}.",
            )
        )
    try:
        region = RegionCode.parse(given.get("X-Actor-Region", ""))
    except InvalidInputError:
        problems.append(
            Problem(
                "X-Actor-Region",
                "Send the jurisdiction as a Kemendagri code such as 33.74.",
                "Kirim wilayah kerja sebagai kode Kemendagri, misalnya 33.74.",
            )
        )
    if problems:
        raise Unauthenticated(problems)
    return Actor(
        actor_id=actor_id,
        role=role,
        jurisdiction=region,
        provider_id=given.get("X-Provider-Id") or None,
    )


def error_status(error: SlrtError) -> tuple[int, str]:
    """The HTTP status and problem kind of a library error (the first match of STATUS)."""
    return next((status, kind) for cls, status, kind in STATUS if isinstance(error, cls))


def body() -> dict[str, Any]:
    """The JSON object of the request (an empty object when there is no body)."""
    data = request.get_json(silent=True)
    if data is None and request.get_data():
        raise InvalidInputError.single(
            "", "The body is not valid JSON.", "Isi permintaan bukan JSON yang sah."
        )
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInputError.single("", "Send a JSON object.", "Kirim objek JSON.")
    return data


def parse(data: Any, cls: Any) -> Any:
    """*data* structured as *cls*; every problem comes back with its path, in both languages."""
    return structure(data, cls)


def field(data: dict[str, Any], name: str, cls: type[Any]) -> Any:
    """*data[name]* structured as *cls*; a missing field is a bilingual problem."""
    if name not in data:
        raise InvalidInputError.single(
            name, f"The field {name!r} is required.", f"Kolom {name!r} wajib diisi."
        )
    return parse(data[name], cls)


def fields(data: dict[str, Any], **spec: Any) -> dict[str, Any]:
    """Several fields at once; every problem of every field is reported together."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, cls in spec.items():
        try:
            values[name] = field(data, name, cls)
        except InvalidInputError as error:
            problems += [
                Problem(
                    f"{name}.{p.path}" if p.path and p.path != name else name,
                    p.message,
                    p.message_id,
                )
                for p in error.problems
            ]
    if problems:
        raise InvalidInputError(problems)
    return values


def options() -> dict[str, Any]:
    """Idempotency key and expected version from the request headers."""
    found: dict[str, Any] = {"idempotency_key": request.headers.get("Idempotency-Key")}
    match = request.headers.get("If-Match", "").strip('" ')
    if match:
        if not match.isdigit():
            raise InvalidInputError.single(
                "If-Match", "If-Match must be the version number.", "If-Match harus nomor versi."
            )
        found["expected_version"] = int(match)
    return found


def as_json(value: Any, status: int = 200) -> Response:
    """A library value as JSON, with its version as ETag when it has one."""
    data = converter.unstructure(value)
    lang = language()
    state = getattr(value, "state", None) or getattr(value, "status", None)
    if state is not None and isinstance(data, dict):
        data["label"] = label(state, lang)
    response = jsonify(data)
    response.status_code = status
    version = getattr(value, "version", None)
    if version is not None:
        response.headers["ETag"] = f'"{version}"'
    response.headers["Content-Language"] = lang
    return response


# --------------------------------------------------------------------------- the app


def create_app(  # noqa: C901, PLR0915 - one small closure per endpoint, all in one place
    database: str | Path,
    *,
    directory: Directory | None = None,
    rulebook: Rulebook | None = None,
    clock: Clock | None = None,
    secret_key: str | None = None,
) -> Flask:
    """The Flask app, on a SQLite file (created on first use).

    Args:
        database: the SQLite file.
        directory: the provider directory; :func:`semarang_directory` by default.
        rulebook: the eligibility rules; the shipped pack by default.
        clock: the service's clock; the system clock by default (tests freeze it).
        secret_key: signs the staff pages' session cookie; a random key by default, so
            staff sign in again after a restart. Several app servers need the same key.
    """
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.secret_key = secret_key or secrets.token_hex(32)
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    rules = rulebook or load_pack()
    # With the rulebook, every assessment records each program's decision and routing
    # respects them; /eligibility below shows the full explanation of today's decisions.
    slrt = Slrt(
        store=SqliteStore(database),
        directory=directory or semarang_directory(),
        rulebook=rules,
        clock=clock,
    )
    app.extensions["slrt"] = slrt
    # The sync ledger (devices, answers, conflicts) beside the case store.
    sync = SyncEndpoint(slrt, SyncLedger(str(Path(database).with_suffix(".sync.sqlite"))))
    app.extensions["sync"] = sync
    # The staff pages (HTML under /staff) read through the same service.
    app.register_blueprint(
        staff_pages(
            slrt,
            Wiring(
                actor=current_actor, refused=Unauthenticated, status=error_status, titles=TITLES
            ),
        )
    )

    @app.errorhandler(SlrtError)
    def library_error(error: SlrtError) -> Response:
        status, kind = error_status(error)
        problems = list(error.problems) if isinstance(error, InvalidInputError) else []
        # The problems are listed one by one; the detail keeps only the summary line.
        detail = error.message(language()).splitlines()[0]
        return problem_response(kind, status, detail, problems)

    @app.errorhandler(Unauthenticated)
    def unauthenticated(error: Unauthenticated) -> Response:
        lang = language()
        detail = (
            "Send the X-Actor-Id, X-Actor-Role and X-Actor-Region headers."
            if lang == "en"
            else "Kirim header X-Actor-Id, X-Actor-Role dan X-Actor-Region."
        )
        return problem_response("unauthenticated", 401, detail, error.problems)

    def command(rule: str, *, status: int = 200) -> Callable[[Callable[..., Any]], Any]:
        """Register a POST endpoint that runs one command and returns its result."""

        def wrap(handler: Callable[..., Any]) -> Any:
            def view(**ids: str) -> Response:
                return as_json(handler(current_actor(), body(), **ids), status)

            view.__name__ = handler.__name__
            return app.post(rule)(view)

        return wrap

    # -- cases

    @command("/cases", status=201)
    def register(actor: Actor, data: dict[str, Any]) -> Any:
        given = fields(data, household=Household, channel=str, kind=str, needs=list[Need])
        return slrt.register(
            actor,
            given.pop("household"),
            emergency=bool(data.get("emergency", False)),
            **given,
            **options(),
        )

    @app.get("/cases/<case_id>")
    def get_case(case_id: str) -> Response:
        return as_json(slrt.get_case(current_actor(), case_id))

    @app.get("/cases/<case_id>/history")
    def history(case_id: str) -> Response:
        return as_json(slrt.history(current_actor(), case_id))

    @app.get("/cases/<case_id>/eligibility")
    def eligibility(case_id: str) -> Response:
        """Every program's decision for the household, explained in the request language."""
        case = slrt.get_case(current_actor(), case_id)
        on = date.fromisoformat(request.args.get("on", case.opened_at.date().isoformat()))
        lang = language()
        decisions = decide(case.household, on=on, rulebook=rules)
        return jsonify(
            {
                "rulebook_version": rules.version,
                "on": on.isoformat(),
                "decisions": [
                    {
                        "program": d.program,
                        "status": d.status.value,
                        "label": d.status.label(lang),
                        "missing": list(d.missing),
                        "explanation": d.render(lang),
                    }
                    for d in decisions.values()
                ],
            }
        )

    @app.get("/cases/<case_id>/needs/<need_id>/routes")
    def routes(case_id: str, need_id: str) -> Response:
        ranking = slrt.route(current_actor(), case_id, need_id)
        return jsonify({"explanation": ranking.explain(language())})

    @command("/cases/<case_id>/needs")
    def record_need(actor: Actor, data: dict[str, Any], case_id: str) -> Any:
        return slrt.record_need(actor, case_id, parse(data, Need), **options())

    @command("/cases/<case_id>/assess")
    def assess(actor: Actor, data: dict[str, Any], case_id: str) -> Any:
        return slrt.assess(actor, case_id, findings=field(data, "findings", str), **options())

    @command("/cases/<case_id>/submit")
    def submit(actor: Actor, _data: dict[str, Any], case_id: str) -> Any:
        return slrt.submit(actor, case_id, **options())

    @command("/cases/<case_id>/return")
    def return_for_correction(actor: Actor, data: dict[str, Any], case_id: str) -> Any:
        return slrt.return_for_correction(
            actor, case_id, note=field(data, "note", str), **options()
        )

    @command("/cases/<case_id>/approve")
    def approve(actor: Actor, _data: dict[str, Any], case_id: str) -> Any:
        return slrt.approve(actor, case_id, **options())

    @command("/cases/<case_id>/review")
    def review(actor: Actor, _data: dict[str, Any], case_id: str) -> Any:
        return slrt.review(actor, case_id, **options())

    @command("/cases/<case_id>/consents", status=201)
    def record_consent(actor: Actor, data: dict[str, Any], case_id: str) -> Any:
        given = fields(
            data, subject=str, grantor=str, purposes=list[str], recipients=list[str], evidence=str
        )
        return slrt.record_consent(actor, case_id, **given, **options())

    @command("/cases/<case_id>/referrals", status=201)
    def refer(actor: Actor, data: dict[str, Any], case_id: str) -> Any:
        return slrt.refer(
            actor,
            case_id,
            field(data, "need_id", str),
            service_id=data.get("service_id"),
            **options(),
        )

    @command("/cases/<case_id>/reassess")
    def reassess(actor: Actor, data: dict[str, Any], case_id: str) -> Any:
        return slrt.reassess(actor, case_id, findings=field(data, "findings", str), **options())

    @command("/cases/<case_id>/close")
    def close(actor: Actor, data: dict[str, Any], case_id: str) -> Any:
        return slrt.close(
            actor,
            case_id,
            reason=field(data, "reason", str),
            note=data.get("note", ""),
            **options(),
        )

    # -- referrals

    @app.get("/referrals/<referral_id>")
    def get_referral(referral_id: str) -> Response:
        return as_json(slrt.get_referral(current_actor(), referral_id))

    @command("/referrals/<referral_id>/status")
    def update_referral(actor: Actor, data: dict[str, Any], referral_id: str) -> Any:
        return slrt.update_referral(
            actor,
            referral_id,
            status=field(data, "status", str),
            reason=data.get("reason"),
            note=data.get("note", ""),
            **options(),
        )

    @command("/referrals/<referral_id>/confirm")
    def confirm_receipt(actor: Actor, _data: dict[str, Any], referral_id: str) -> Any:
        return slrt.confirm_receipt(actor, referral_id, **options())

    # -- offline devices (slrt_core.sync): signed envelopes in, the feed out

    @app.post("/sync/devices")
    def register_device() -> Response:
        data = body()
        given = fields(data, device_id=str, actor=Actor, public_key=str)
        try:
            key = base64.b64decode(given["public_key"], validate=True)
        except ValueError:
            raise InvalidInputError.single(
                "public_key",
                "The public key must be base64 of the 32 raw bytes of an Ed25519 key.",
                "Kunci publik harus base64 dari 32 bita mentah kunci Ed25519.",
            ) from None
        device = sync.register_device(current_actor(), given["device_id"], given["actor"], key)
        return as_json({"device_id": device.device_id, "actor": device.actor}, 201)

    @app.post("/sync/batches")
    def upload_batch() -> Response:
        # The device is authenticated by its envelopes' signatures, not by headers.
        return as_json(sync.upload_json(body()))

    @app.post("/sync/feed")
    def download_feed() -> Response:
        return as_json(sync.feed_json(body()))

    # -- audit

    @app.get("/audit/verify")
    def verify_audit() -> Response:
        report = slrt.verify_audit(current_actor())
        return as_json(report, 200 if report.ok else 500)

    return app


def main() -> None:
    """Serve the example on 127.0.0.1 (Flask's development server)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="slrt-example.sqlite", help="the SQLite file")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()
    create_app(args.db).run(host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
