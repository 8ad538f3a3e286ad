"""Quick start: one household's case from registration to closure, on SQLite.

Run: python examples/quickstart.py
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from slrt_core import (
    Actor,
    Channel,
    ClosingReason,
    ComplaintKind,
    Household,
    Need,
    Person,
    ReferralStatus,
    RegionCode,
    Relationship,
    Role,
    Sector,
    Sex,
    Slrt,
    Tier,
)
from slrt_core.adapters import RecordingNotifier, SqliteStore
from slrt_core.referral import Directory, Provider, Service

KOTA_SEMARANG = RegionCode.parse("33.74")
VILLAGE = RegionCode.parse("3374011001")  # Miroto, Semarang Tengah

directory = Directory(
    providers=[
        Provider(
            provider_id="bpjs", name="BPJS Kesehatan", tier=Tier.NATIONAL, region=KOTA_SEMARANG
        )
    ],
    services=[
        Service(
            service_id="pbi-jk",
            provider_id="bpjs",
            name="PBI-JK enrolment",
            sectors={Sector.HEALTH},
            tier=Tier.NATIONAL,
            area=[RegionCode.parse("33")],
            program="PBI-JK",
        )
    ],
)
facilitator = Actor(actor_id="fac-1", role=Role.FACILITATOR, jurisdiction=VILLAGE.parent)
supervisor = Actor(actor_id="sup-1", role=Role.SUPERVISOR, jurisdiction=KOTA_SEMARANG)
front_office = Actor(actor_id="fo-1", role=Role.FRONT_OFFICE, jurisdiction=KOTA_SEMARANG)
back_office = Actor(actor_id="bo-1", role=Role.BACK_OFFICE, jurisdiction=KOTA_SEMARANG)
auditor = Actor(actor_id="aud-1", role=Role.AUDITOR, jurisdiction=KOTA_SEMARANG)
bpjs = Actor(
    actor_id="bpjs-1", role=Role.PROVIDER_STAFF, jurisdiction=KOTA_SEMARANG, provider_id="bpjs"
)


def main() -> None:
    path = Path(tempfile.mkdtemp()) / "quickstart.sqlite"
    notifier = RecordingNotifier()
    store = SqliteStore(path)
    slrt = Slrt(store=store, notifier=notifier, directory=directory)
    household = Household(
        region=VILLAGE,
        members=[
            Person(
                member_id="m1",
                relationship=Relationship.HEAD,
                birth_date=date(1975, 2, 3),
                sex=Sex.MALE,
            )
        ],
    )
    case = slrt.register(
        facilitator,
        household,
        channel=Channel.HOME_VISIT,
        kind=ComplaintKind.GRIEVANCE,
        needs=[Need(sector=Sector.HEALTH, description="No health insurance")],
    )
    slrt.assess(facilitator, case.case_id, findings="Day labourer, no BPJS card.")
    slrt.submit(facilitator, case.case_id)
    slrt.approve(supervisor, case.case_id)
    slrt.review(front_office, case.case_id)
    slrt.record_consent(
        facilitator,
        case.case_id,
        subject="m1",
        grantor="m1",
        purposes=["referral"],
        recipients=["bpjs"],
        evidence="Signed SLRT consent form",
    )
    referral = slrt.refer(back_office, case.case_id, "n1", service_id="pbi-jk")
    for status in (ReferralStatus.ACCEPTED, ReferralStatus.COMPLETED):
        slrt.update_referral(bpjs, referral.referral_id, status=status)
    slrt.confirm_receipt(facilitator, referral.referral_id)
    slrt.reassess(facilitator, case.case_id, findings="Covered by PBI-JK.")
    case = slrt.close(supervisor, case.case_id, reason=ClosingReason.INDEPENDENT)
    report = slrt.verify_audit(auditor)
    print(f"{case.case_id}: {case.state} ({case.closing_reason}) after {case.version} events")
    print(f"notifications sent: {len(notifier.sent)}")
    print(f"audit ok: {report.ok} ({report.records} records)")
    store.close()


if __name__ == "__main__":
    main()
