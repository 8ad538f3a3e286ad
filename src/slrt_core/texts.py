"""The catalogue of every text shown to staff, in Bahasa Indonesia and English.

One place for the words: each key maps to its text in both languages, and
``tests/unit/test_texts.py`` checks that every key has both and that no Indonesian text
holds an English word or an enum value from its maintained list. Keys are dotted:

* ``label.<Enum>.<value>``: the label of a vocabulary member (:func:`slrt_core.label`
  reads these through :data:`slrt_core.labels.LABELS`);
* ``unit.<name>``: a quantity with its unit, ``{n}`` the formatted number (used by
  :func:`slrt_core.formatting.quantity`);
* ``policy.<name>``: the routing policies' names;
* ``notify.<topic>[.<audience>].subject`` / ``.body``: notification templates;
* ``error.<name>``, ``cli.<name>``: refusals and the command line's headers;
* ``event.<type>``: the name of each event of a case's history (``Event.type``);
* ``dedup.<name>``: the explanation of a duplicate check (:mod:`slrt_core.dedup`);
* ``kpi.<name>``: the sections, measures, totals and plots of case KPIs
  (:mod:`slrt_core.kpis`, :mod:`slrt_core.plots`);
* ``value.<name>``, ``explain.<name>``: how explanations of eligibility word values and
  member aggregates;
* ``note.<name>``: notes slrt_core records on events itself (a notification shows them
  in its reader's language);
* ``sim.<name>``: the names of ``slrt simulate``'s metrics and built-in policies.

Literals a reader types as they are (a TOML key or value, a Python name) are written in
backticks in the Indonesian texts: ```true``` atau ```false```.

Templates use :meth:`str.format` fields; a host app or another module of slrt_core adds
nothing of its own here but calls :func:`text`.

This module imports nothing of slrt_core, so every layer may use it.

Examples:
    >>> text("unit.years", "id", n="6")
    '6 tahun'
    >>> text("label.CaseState.in_service", "en")
    'In service'

.. versionadded:: 0.1.0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

__all__ = ["TEXTS", "LanguageCode", "text"]

#: The two languages of every staff text.
LanguageCode = Literal["en", "id"]

#: key -> {"en": ..., "id": ...}
TEXTS: Mapping[str, Mapping[str, str]] = {
    # vocabulary labels
    "label.CaseState.registered": {"en": "Registered", "id": "Terdaftar"},
    "label.CaseState.emergency_served": {
        "en": "Emergency served",
        "id": "Layanan darurat diberikan",
    },
    "label.CaseState.assessed": {"en": "Assessed", "id": "Sudah diasesmen"},
    "label.CaseState.submitted": {"en": "Submitted to supervisor", "id": "Diajukan ke supervisor"},
    "label.CaseState.returned": {
        "en": "Returned for correction",
        "id": "Dikembalikan untuk perbaikan",
    },
    "label.CaseState.approved": {"en": "Approved", "id": "Disetujui"},
    "label.CaseState.reviewed": {"en": "Reviewed by front office", "id": "Diperiksa front office"},
    "label.CaseState.in_service": {"en": "In service", "id": "Dalam layanan"},
    "label.CaseState.reassessed": {"en": "Re-assessed", "id": "Sudah diasesmen ulang"},
    "label.CaseState.closed": {"en": "Closed", "id": "Ditutup"},
    "label.NeedStatus.open": {"en": "Open", "id": "Terbuka"},
    "label.NeedStatus.referred": {"en": "Referred", "id": "Dirujuk"},
    "label.NeedStatus.served_directly": {"en": "Served directly", "id": "Dilayani langsung"},
    "label.NeedStatus.resolved_locally": {
        "en": "Resolved at village level",
        "id": "Diselesaikan di desa",
    },
    "label.NeedStatus.met": {"en": "Met", "id": "Terpenuhi"},
    "label.Priority.normal": {"en": "Normal", "id": "Biasa"},
    "label.Priority.high": {"en": "Fast track", "id": "Jalur cepat"},
    "label.Role.facilitator": {"en": "Facilitator", "id": "Fasilitator"},
    "label.Role.puskesos_operator": {"en": "Puskesos operator", "id": "Operator Puskesos"},
    "label.Role.supervisor": {"en": "Supervisor", "id": "Supervisor"},
    "label.Role.front_office": {"en": "Front office", "id": "Front office"},
    "label.Role.back_office": {"en": "Back office", "id": "Back office"},
    "label.Role.manager": {"en": "Manager", "id": "Manajer"},
    "label.Role.provider_staff": {"en": "Provider staff", "id": "Petugas penyedia layanan"},
    "label.Role.auditor": {"en": "Auditor", "id": "Auditor"},
    "label.Role.system": {"en": "System", "id": "Sistem"},
    "label.Channel.home_visit": {
        "en": "Facilitator home visit",
        "id": "Kunjungan rumah fasilitator",
    },
    "label.Channel.puskesos_desk": {"en": "Puskesos desk", "id": "Loket Puskesos"},
    "label.Channel.secretariat_desk": {
        "en": "SLRT secretariat desk",
        "id": "Loket sekretariat SLRT",
    },
    "label.ComplaintKind.question": {"en": "Question", "id": "Pertanyaan"},
    "label.ComplaintKind.suggestion": {"en": "Suggestion", "id": "Saran"},
    "label.ComplaintKind.grievance": {"en": "Grievance", "id": "Pengaduan"},
    "label.Sector.health": {"en": "Health", "id": "Kesehatan"},
    "label.Sector.education": {"en": "Education", "id": "Pendidikan"},
    "label.Sector.social_assistance": {"en": "Social assistance", "id": "Bantuan sosial"},
    "label.Sector.food": {"en": "Food", "id": "Pangan"},
    "label.Sector.energy": {"en": "Energy", "id": "Energi"},
    "label.Sector.housing": {"en": "Housing", "id": "Perumahan"},
    "label.Sector.civil_documents": {"en": "Civil documents", "id": "Administrasi kependudukan"},
    "label.Sector.economic": {"en": "Economic empowerment", "id": "Pemberdayaan ekonomi"},
    "label.Sector.other": {"en": "Other", "id": "Lainnya"},
    "label.ClosingReason.independent": {"en": "Independent", "id": "Mandiri"},
    "label.ClosingReason.needs_met": {"en": "Needs met", "id": "Kebutuhan terpenuhi"},
    "label.ClosingReason.moved": {"en": "Moved away", "id": "Pindah"},
    "label.ClosingReason.deceased": {"en": "Deceased", "id": "Meninggal dunia"},
    "label.ClosingReason.declined": {"en": "Declined services", "id": "Menolak layanan"},
    "label.ClosingReason.unreachable": {"en": "Unreachable", "id": "Tidak dapat dihubungi"},
    "label.ClosingReason.duplicate": {"en": "Duplicate case", "id": "Kasus ganda"},
    "label.ReferralStatus.requested": {"en": "Requested", "id": "Dikirim"},
    "label.ReferralStatus.received": {"en": "Received", "id": "Diterima penyedia"},
    "label.ReferralStatus.accepted": {"en": "Accepted", "id": "Disetujui penyedia"},
    "label.ReferralStatus.rejected": {"en": "Rejected", "id": "Ditolak"},
    "label.ReferralStatus.in_progress": {"en": "In progress", "id": "Sedang dilayani"},
    "label.ReferralStatus.on_hold": {"en": "On hold", "id": "Ditunda"},
    "label.ReferralStatus.completed": {"en": "Completed", "id": "Selesai"},
    "label.ReferralStatus.failed": {"en": "Failed", "id": "Gagal"},
    "label.ReferralStatus.cancelled": {"en": "Cancelled", "id": "Dibatalkan"},
    "label.ReferralStatus.entered_in_error": {"en": "Entered in error", "id": "Salah input"},
    "label.ReferralReason.capacity": {"en": "No capacity", "id": "Kuota penuh"},
    "label.ReferralReason.not_eligible": {"en": "Not eligible", "id": "Tidak memenuhi syarat"},
    "label.ReferralReason.out_of_area": {"en": "Out of area", "id": "Di luar wilayah layanan"},
    "label.ReferralReason.missing_documents": {
        "en": "Missing documents",
        "id": "Dokumen belum lengkap",
    },
    "label.ReferralReason.client_declined": {"en": "Client declined", "id": "Klien menolak"},
    "label.ReferralReason.client_unreachable": {
        "en": "Client unreachable",
        "id": "Klien tidak dapat dihubungi",
    },
    "label.ReferralReason.duplicate": {"en": "Duplicate", "id": "Ganda"},
    "label.ReferralReason.other": {"en": "Other", "id": "Lainnya"},
    "label.ReferralReason.expired": {"en": "Expired", "id": "Kedaluwarsa"},
    "label.Tier.village": {"en": "Village", "id": "Desa/kelurahan"},
    "label.Tier.district": {"en": "District", "id": "Kabupaten/kota"},
    "label.Tier.province": {"en": "Province", "id": "Provinsi"},
    "label.Tier.national": {"en": "National", "id": "Nasional"},
    "label.Tier.ngo": {"en": "NGO or private", "id": "LSM atau swasta"},
    # household and person values (explanations print them)
    "label.Sex.male": {"en": "male", "id": "laki-laki"},
    "label.Sex.female": {"en": "female", "id": "perempuan"},
    "label.Relationship.head": {"en": "head of household", "id": "kepala keluarga"},
    "label.Relationship.spouse": {"en": "spouse", "id": "istri/suami"},
    "label.Relationship.child": {"en": "child", "id": "anak"},
    "label.Relationship.child_in_law": {"en": "child-in-law", "id": "menantu"},
    "label.Relationship.grandchild": {"en": "grandchild", "id": "cucu"},
    "label.Relationship.parent": {"en": "parent", "id": "orang tua"},
    "label.Relationship.parent_in_law": {"en": "parent-in-law", "id": "mertua"},
    "label.Relationship.other_relative": {"en": "other relative", "id": "famili lain"},
    "label.Relationship.other": {"en": "other", "id": "lainnya"},
    "label.Disability.none": {"en": "no disability", "id": "tidak ada disabilitas"},
    "label.Disability.mild": {"en": "mild disability", "id": "disabilitas ringan"},
    "label.Disability.moderate": {"en": "moderate disability", "id": "disabilitas sedang"},
    "label.Disability.severe": {"en": "severe disability", "id": "disabilitas berat"},
    "label.Schooling.not_in_school": {"en": "not in school", "id": "tidak bersekolah"},
    "label.Schooling.preschool": {"en": "preschool", "id": "PAUD"},
    "label.Schooling.sd": {"en": "primary school (SD)", "id": "SD"},
    "label.Schooling.smp": {"en": "junior high school (SMP)", "id": "SMP"},
    "label.Schooling.sma": {"en": "senior high school (SMA)", "id": "SMA"},
    "label.Schooling.higher": {"en": "higher education", "id": "perguruan tinggi"},
    "label.FloorType.earth": {"en": "earth floor", "id": "lantai tanah"},
    "label.FloorType.bamboo_or_board": {
        "en": "bamboo or board floor",
        "id": "lantai bambu atau papan",
    },
    "label.FloorType.cement": {"en": "cement floor", "id": "lantai semen"},
    "label.FloorType.tile": {"en": "tiled floor", "id": "lantai keramik"},
    "label.WallType.bamboo": {"en": "bamboo walls", "id": "dinding bambu"},
    "label.WallType.board": {"en": "board walls", "id": "dinding papan"},
    "label.WallType.unplastered_brick": {
        "en": "unplastered brick walls",
        "id": "dinding bata tanpa plester",
    },
    "label.WallType.brick": {"en": "brick walls", "id": "dinding tembok"},
    # commands, as verb phrases ("Role facilitator may not <approve a case>")
    "label.Command.register": {"en": "register a case", "id": "mendaftarkan kasus"},
    "label.Command.transfer": {
        "en": "transfer a case to another region",
        "id": "memindahkan kasus ke wilayah lain",
    },
    "label.Command.assign": {
        "en": "assign workers to a case",
        "id": "menugaskan petugas pada kasus",
    },
    "label.Command.record_need": {"en": "record a need", "id": "mencatat kebutuhan"},
    "label.Command.assess": {"en": "assess a case", "id": "melakukan asesmen kasus"},
    "label.Command.submit": {"en": "submit an assessment", "id": "mengajukan hasil asesmen"},
    "label.Command.return_for_correction": {
        "en": "return a case for correction",
        "id": "mengembalikan kasus untuk diperbaiki",
    },
    "label.Command.approve": {"en": "approve a case", "id": "menyetujui kasus"},
    "label.Command.review": {"en": "review a case", "id": "memeriksa kasus"},
    "label.Command.resolve_locally": {
        "en": "resolve a need at village level",
        "id": "menyelesaikan kebutuhan di tingkat desa",
    },
    "label.Command.refer": {"en": "refer a need", "id": "merujuk kebutuhan"},
    "label.Command.deliver_direct_service": {
        "en": "deliver a direct service",
        "id": "memberikan layanan langsung",
    },
    "label.Command.update_referral": {"en": "update a referral", "id": "memperbarui rujukan"},
    "label.Command.withdraw_referral": {"en": "withdraw a referral", "id": "menarik rujukan"},
    "label.Command.confirm_receipt": {
        "en": "confirm that a service was received",
        "id": "mengonfirmasi penerimaan layanan",
    },
    "label.Command.reassess": {"en": "re-assess a case", "id": "melakukan asesmen ulang"},
    "label.Command.close": {"en": "close a case", "id": "menutup kasus"},
    "label.Command.record_consent": {"en": "record consent", "id": "mencatat persetujuan"},
    "label.Command.withdraw_consent": {"en": "withdraw consent", "id": "mencabut persetujuan"},
    "label.Command.record_lawful_basis": {
        "en": "record a lawful basis",
        "id": "mencatat dasar hukum",
    },
    "label.Command.escalate": {"en": "escalate a referral", "id": "mengeskalasi rujukan"},
    "label.Command.read_case": {"en": "read a case", "id": "membuka kasus"},
    "label.Command.list_cases": {"en": "list cases", "id": "melihat daftar kasus"},
    "label.Command.read_referral": {"en": "read a referral", "id": "membuka rujukan"},
    "label.Command.verify_audit": {
        "en": "verify the audit trail",
        "id": "memverifikasi jejak audit",
    },
    "label.Command.subject_access": {
        "en": "export a person's own data",
        "id": "mengekspor data milik subjek data",
    },
    "label.Command.erase": {"en": "erase personal data", "id": "menghapus data pribadi"},
    "label.Command.export": {
        "en": "export cases or referrals as a table",
        "id": "mengekspor tabel kasus atau rujukan",
    },
    "label.Command.mark_distinct": {
        "en": "mark a duplicate suspect distinct",
        "id": "menandai dugaan ganda sebagai berbeda",
    },
    "label.Command.merge_cases": {
        "en": "merge duplicate cases",
        "id": "menggabungkan kasus ganda",
    },
    # lifecycle transitions that no command of the matrix is named after
    "label.Command.flag_duplicate": {
        "en": "flag a duplicate suspect",
        "id": "menandai dugaan ganda",
    },
    "label.Command.resolve_duplicate": {
        "en": "resolve a duplicate suspect",
        "id": "menyelesaikan dugaan ganda",
    },
    # consent: purposes and data categories
    "label.Purpose.referral": {"en": "referral", "id": "rujukan"},
    "label.Purpose.assessment": {"en": "assessment", "id": "asesmen"},
    "label.Purpose.registry_proposal": {
        "en": "registry proposal",
        "id": "usulan DTSEN",
    },
    "label.Purpose.monitoring": {"en": "monitoring", "id": "pemantauan"},
    "label.DataCategory.identity": {"en": "identity", "id": "identitas"},
    "label.DataCategory.contact": {"en": "contact details", "id": "kontak"},
    "label.DataCategory.household": {"en": "household", "id": "rumah tangga"},
    "label.DataCategory.health": {"en": "health", "id": "kesehatan"},
    "label.DataCategory.disability": {"en": "disability", "id": "disabilitas"},
    "label.DataCategory.financial": {"en": "financial", "id": "keuangan"},
    "label.DataCategory.child": {"en": "child data", "id": "data anak"},
    "label.AccessPurpose.case_work": {"en": "case work", "id": "penanganan kasus"},
    "label.AccessPurpose.referral": {"en": "referral", "id": "rujukan"},
    "label.AccessPurpose.supervision": {"en": "supervision", "id": "supervisi"},
    "label.AccessPurpose.audit": {"en": "audit", "id": "audit"},
    "label.AccessPurpose.monitoring": {"en": "monitoring", "id": "pemantauan"},
    "label.AccessPurpose.subject_access": {
        "en": "the data subject's own request",
        "id": "permintaan subjek data atas datanya sendiri",
    },
    "label.ConsentStatus.active": {"en": "active", "id": "berlaku"},
    "label.ConsentStatus.withdrawn": {"en": "withdrawn", "id": "dicabut"},
    "label.LawfulBasisKind.public_service_duty": {
        "en": "public service duty",
        "id": "pelaksanaan tugas pelayanan publik",
    },
    "label.LawfulBasisKind.legal_obligation": {
        "en": "legal obligation",
        "id": "kewajiban hukum",
    },
    "label.LawfulBasisKind.vital_interest": {
        "en": "vital interest",
        "id": "kepentingan vital",
    },
    # SLA hops and escalation steps
    "label.Hop.acknowledge": {"en": "acknowledgement", "id": "konfirmasi penerimaan"},
    "label.Hop.accept": {
        "en": "decision to accept or reject",
        "id": "keputusan menyetujui atau menolak",
    },
    "label.Hop.complete": {"en": "completion of the service", "id": "penyelesaian layanan"},
    "label.EscalationStep.reminder": {"en": "reminder", "id": "pengingat"},
    "label.EscalationStep.overdue": {"en": "overdue", "id": "terlambat"},
    "label.EscalationStep.escalate": {"en": "escalated", "id": "dieskalasi"},
    "label.EscalationStep.expire": {"en": "expired", "id": "kedaluwarsa"},
    # quantities: {n} is the number, already formatted for the language
    "unit.years": {"en": "{n} years", "id": "{n} tahun"},
    "unit.months": {"en": "{n} months", "id": "{n} bulan"},
    "unit.days": {"en": "{n} days", "id": "{n} hari"},
    "unit.working_days": {"en": "{n} working days", "id": "{n} hari kerja"},
    "unit.persons": {"en": "{n} persons", "id": "{n} orang"},
    "unit.members": {"en": "{n} members", "id": "{n} anggota"},
    "unit.decile": {"en": "decile {n}", "id": "desil {n}"},
    "unit.percent": {"en": "{n}%", "id": "{n}%"},
    "unit.per_month": {"en": "{n} a month", "id": "{n} per bulan"},
    "unit.per_year": {"en": "{n} a year", "id": "{n} per tahun"},
    "unit.per_person_month": {"en": "{n} a person a month", "id": "{n} per orang per bulan"},
    "unit.per_house": {"en": "{n} a house", "id": "{n} per rumah"},
    "unit.per_group": {"en": "{n} a group", "id": "{n} per kelompok"},
    "unit.households": {"en": "{n} households", "id": "{n} rumah tangga"},
    "deadline.end_of_day": {"en": "the end of {day} ({zone})", "id": "akhir hari {day} ({zone})"},
    "value.true": {"en": "yes", "id": "ya"},
    "value.false": {"en": "no", "id": "tidak"},
    "value.unknown": {"en": "unknown", "id": "belum diketahui"},
    "value.missing": {"en": "missing", "id": "tidak ada data"},
    # explanations of eligibility (slrt_core.rules): member aggregates and their parts
    "explain.count": {"en": "number of members", "id": "Jumlah anggota yang memenuhi"},
    "explain.sum": {"en": "total {input}", "id": "Jumlah {input}"},
    "explain.per_capita": {"en": "{input} per person", "id": "{input} per kapita"},
    "explain.parameter": {"en": "parameter {name}", "id": "nilai parameter {name}"},
    # notifications (slrt_core.notify): notify.<topic>[.<audience or hop>].subject / .body
    "notify.case_registered_emergency.subject": {
        "en": "Emergency case {case_id}",
        "id": "Kasus darurat {case_id}",
    },
    "notify.case_registered_emergency.body": {
        "en": "An emergency case was registered in {region}. Give direct service first.",
        "id": "Kasus darurat terdaftar di {region}. Berikan layanan langsung lebih dahulu.",
    },
    "notify.case_submitted.subject": {
        "en": "Case {case_id} awaits approval",
        "id": "Kasus {case_id} menunggu persetujuan",
    },
    "notify.case_submitted.body": {
        "en": "The assessment of case {case_id} was submitted for your approval.",
        "id": "Hasil asesmen kasus {case_id} diajukan untuk Anda setujui.",
    },
    "notify.case_returned.subject": {
        "en": "Case {case_id} returned",
        "id": "Kasus {case_id} dikembalikan",
    },
    "notify.case_returned.body": {
        "en": (
            "The supervisor returned case {case_id} for correction; open the case in your "
            "application to read what to correct."
        ),
        "id": (
            "Supervisor mengembalikan kasus {case_id} untuk diperbaiki; buka kasus itu di "
            "aplikasi Anda untuk membaca apa yang perlu diperbaiki."
        ),
    },
    "notify.case_approved.subject": {
        "en": "Case {case_id} approved",
        "id": "Kasus {case_id} disetujui",
    },
    "notify.case_approved.body": {
        "en": "Case {case_id} was approved; review it for referral.",
        "id": "Kasus {case_id} disetujui; periksa untuk dirujuk.",
    },
    "notify.referral_requested.subject": {
        "en": "New referral {referral_id}",
        "id": "Rujukan baru {referral_id}",
    },
    "notify.referral_requested.body": {
        "en": (
            "Referral {referral_id} for service {service_id} awaits you. Acknowledge it in "
            "your application by {due}."
        ),
        "id": (
            "Rujukan {referral_id} untuk layanan {service_id} menunggu Anda. Konfirmasi "
            "penerimaannya di aplikasi Anda paling lambat {due}."
        ),
    },
    "notify.referral_requested.undated.body": {
        "en": (
            "Referral {referral_id} for service {service_id} awaits you. Acknowledge it in "
            "your application."
        ),
        "id": (
            "Rujukan {referral_id} untuk layanan {service_id} menunggu Anda. Konfirmasi "
            "penerimaannya di aplikasi Anda."
        ),
    },
    "notify.referral_status_changed.subject": {
        "en": "Referral {referral_id}: {status}",
        "id": "Rujukan {referral_id}: {status}",
    },
    "notify.referral_status_changed.body": {
        "en": (
            "Referral {referral_id} of case {case_id} is now “{status}”. Open the referral "
            "in your application for the details."
        ),
        "id": (
            "Rujukan {referral_id} kasus {case_id} sekarang berstatus “{status}”. Buka "
            "rujukan itu di aplikasi Anda untuk rinciannya."
        ),
    },
    "notify.referral_status_changed.reason.body": {
        "en": (
            "Referral {referral_id} of case {case_id} is now “{status}” (reason: {reason}). "
            "Open the referral in your application for the details."
        ),
        "id": (
            "Rujukan {referral_id} kasus {case_id} sekarang berstatus “{status}” (alasan: "
            "{reason}). Buka rujukan itu di aplikasi Anda untuk rinciannya."
        ),
    },
    "notify.referral_reminder.subject": {
        "en": "Reminder: referral {referral_id} is due",
        "id": "Pengingat: rujukan {referral_id} jatuh tempo",
    },
    "notify.referral_reminder.body": {
        "en": (
            "Referral {referral_id} for service {service_id} reached its deadline ({due}) "
            "waiting for your {hop}. Please answer it in your application."
        ),
        "id": (
            "Rujukan {referral_id} untuk layanan {service_id} sudah mencapai batas waktu "
            "({due}) dan menunggu {hop} dari Anda. Mohon ditanggapi di aplikasi Anda."
        ),
    },
    "notify.referral_overdue.subject": {
        "en": "Referral {referral_id} is overdue",
        "id": "Rujukan {referral_id} terlambat",
    },
    "notify.referral_overdue.provider.body": {
        "en": (
            "Referral {referral_id} for service {service_id} is overdue since {due}: it still "
            "waits for your {hop}. Answer it in your application now; the SLRT back office "
            "has been told."
        ),
        "id": (
            "Rujukan {referral_id} untuk layanan {service_id} terlambat sejak {due}: masih "
            "menunggu {hop} dari Anda. Segera tanggapi di aplikasi Anda; back office SLRT "
            "sudah diberi tahu."
        ),
    },
    "notify.referral_overdue.back_office.body": {
        "en": (
            "Referral {referral_id} of case {case_id} (service {service_id}) is overdue since "
            "{due}, waiting for the provider's {hop}. Follow it up with provider {provider_id}."
        ),
        "id": (
            "Rujukan {referral_id} kasus {case_id} (layanan {service_id}) terlambat sejak "
            "{due}, menunggu {hop} dari penyedia. Tindak lanjuti dengan penyedia {provider_id}."
        ),
    },
    "notify.referral_escalated.subject": {
        "en": "Escalation: referral {referral_id} overdue",
        "id": "Eskalasi: rujukan {referral_id} terlambat",
    },
    "notify.referral_escalated.acknowledge.body": {
        "en": (
            "Referral {referral_id} of case {case_id} (service {service_id}, provider "
            "{provider_id}) is still unanswered since {due}. It is escalated to you; it "
            "expires and goes to the next service if nothing happens."
        ),
        "id": (
            "Rujukan {referral_id} kasus {case_id} (layanan {service_id}, penyedia "
            "{provider_id}) belum ditanggapi sejak {due}. Rujukan ini dieskalasikan kepada "
            "Anda; bila tetap tidak ada tanggapan, rujukan berakhir dan dialihkan ke layanan "
            "berikutnya."
        ),
    },
    "notify.referral_escalated.accept.body": {
        "en": (
            "Referral {referral_id} of case {case_id} (service {service_id}, provider "
            "{provider_id}) was acknowledged but neither accepted nor rejected since {due}. "
            "It is escalated to you; it expires and goes to the next service if nothing "
            "happens."
        ),
        "id": (
            "Rujukan {referral_id} kasus {case_id} (layanan {service_id}, penyedia "
            "{provider_id}) sudah diterima penyedia tetapi belum disetujui atau ditolak sejak "
            "{due}. Rujukan ini dieskalasikan kepada Anda; bila tetap tidak ada keputusan, "
            "rujukan berakhir dan dialihkan ke layanan berikutnya."
        ),
    },
    "notify.referral_escalated.complete.body": {
        "en": (
            "Referral {referral_id} of case {case_id} (service {service_id}, provider "
            "{provider_id}) was accepted but the service is not completed since {due}. It is "
            "escalated to you: ask the provider when the client will be served."
        ),
        "id": (
            "Rujukan {referral_id} kasus {case_id} (layanan {service_id}, penyedia "
            "{provider_id}) sudah disetujui tetapi layanannya belum selesai sejak {due}. "
            "Rujukan ini dieskalasikan kepada Anda: tanyakan kepada penyedia kapan klien "
            "dilayani."
        ),
    },
    "notify.referral_expired.subject": {
        "en": "Referral {referral_id} expired",
        "id": "Rujukan {referral_id} kedaluwarsa",
    },
    "notify.referral_expired.body": {
        "en": (
            "Referral {referral_id} (service {service_id}) got no answer by its deadline and "
            "was withdrawn. Do not act on it any more."
        ),
        "id": (
            "Rujukan {referral_id} (layanan {service_id}) tidak ditanggapi sampai batas waktu "
            "dan ditarik kembali. Jangan ditindaklanjuti lagi."
        ),
    },
    "notify.referral_unrouted.subject": {
        "en": "Need {need_id} of case {case_id} has no service left",
        "id": "Kebutuhan {need_id} kasus {case_id} tidak punya layanan lain",
    },
    "notify.referral_unrouted.body": {
        "en": (
            "Referral {referral_id} ended ({status}) and no other service in the directory, "
            "covered by the client's consent, can take need {need_id}. Refer it by hand, "
            "record consent for another provider, or resolve it another way."
        ),
        "id": (
            "Rujukan {referral_id} berakhir ({status}) dan tidak ada layanan lain di "
            "direktori, yang tercakup persetujuan klien, untuk kebutuhan {need_id}. Rujuk "
            "secara manual, catat persetujuan untuk penyedia lain, atau selesaikan dengan cara "
            "lain."
        ),
    },
    "notify.consent_withdrawn.subject": {
        "en": "Consent {record_id} of case {case_id} withdrawn",
        "id": "Persetujuan {record_id} kasus {case_id} dicabut",
    },
    "notify.consent_withdrawn.body": {
        "en": (
            "Consent or lawful basis {record_id} of case {case_id} was withdrawn: send no more "
            "data under it. Open referrals: {open}. Cancel them if the client asks."
        ),
        "id": (
            "Persetujuan atau dasar hukum {record_id} kasus {case_id} dicabut: jangan kirim "
            "data lagi berdasarkan itu. Rujukan terbuka: {open}. Batalkan bila klien meminta."
        ),
    },
    "notify.worker_assigned.subject": {
        "en": "Case {case_id} assigned to you",
        "id": "Kasus {case_id} ditugaskan kepada Anda",
    },
    "notify.worker_assigned.body": {
        "en": "You were assigned to case {case_id} in {region}; it is on your worklist.",
        "id": "Anda ditugaskan menangani kasus {case_id} di wilayah {region}; kasus itu ada "
        "di daftar kerja Anda.",
    },
    "notify.duplicate_suspected.subject": {
        "en": "Case {case_id} may be a duplicate",
        "id": "Kasus {case_id} diduga ganda",
    },
    "notify.duplicate_suspected.body": {
        "en": "The household of case {case_id} may already have a case ({others}). Mark it "
        "distinct or merge the cases from the duplicate_suspects worklist.",
        "id": "Rumah tangga kasus {case_id} mungkin sudah punya kasus ({others}). Tandai "
        "berbeda atau gabungkan kasusnya dari daftar kerja `duplicate_suspects`.",
    },
    "notify.case_transferred.subject": {
        "en": "Case {case_id} transferred to your region",
        "id": "Kasus {case_id} dipindahkan ke wilayah Anda",
    },
    "notify.case_transferred.body": {
        "en": "The household of case {case_id} moved to {region}; the case is now yours.",
        "id": "Rumah tangga kasus {case_id} pindah ke {region}; kasus itu kini ditangani "
        "wilayah Anda.",
    },
    "notify.case_closed.subject": {
        "en": "Case {case_id} closed",
        "id": "Kasus {case_id} ditutup",
    },
    "notify.case_closed.body": {
        "en": "Case {case_id} closed: {reason}.",
        "id": "Kasus {case_id} ditutup: {reason}.",
    },
    # notes the system records on events (shown in notifications in the reader's language)
    "note.expired_by_sweep": {
        "en": "No answer by the deadline: expired by the SLA sweep.",
        "id": (
            "Tidak ada tanggapan sampai batas waktu: dinyatakan kedaluwarsa oleh pemeriksaan SLA."
        ),
    },
    # the command line
    "cli.error": {"en": "error", "id": "kesalahan"},
    # the `slrt demo` command line (English keeps the words scripts look for)
    "cli.demo.title": {
        "en": "SLRT demo: Kota Semarang (33.74), {where}",
        "id": "Demo SLRT: Kota Semarang (33.74), {where}",
    },
    "cli.demo.store_at": {"en": "SQLite store at {db}", "id": "berkas SQLite {db}"},
    "cli.demo.store_temporary": {
        "en": "a temporary SQLite store",
        "id": "berkas SQLite sementara",
    },
    "cli.demo.col_case": {"en": "case", "id": "kasus"},
    "cli.demo.col_channel": {"en": "channel", "id": "jalur"},
    "cli.demo.col_events": {"en": "events", "id": "peristiwa"},
    "cli.demo.col_referrals": {"en": "referrals", "id": "rujukan"},
    "cli.demo.col_state": {"en": "state", "id": "tahap"},
    "cli.demo.eligibility": {
        "en": "Eligibility at the first assessment of {case_id} (rulebook {version}):",
        "id": "Kelayakan pada asesmen pertama {case_id} (buku aturan {version}):",
    },
    "cli.demo.notifications": {
        "en": "Notifications delivered: {count}",
        "id": "Notifikasi terkirim: {count}",
    },
    "cli.demo.audit_ok": {
        "en": "Audit trail: {records} records, hash chain OK",
        "id": "Jejak audit: {records} catatan, rantai hash utuh",
    },
    "cli.demo.audit_broken": {
        "en": "Audit trail: {records} records, hash chain BROKEN at record {seq}: {reason}",
        "id": "Jejak audit: {records} catatan, rantai hash RUSAK pada catatan {seq}: {reason}",
    },
    "cli.demo.head": {"en": "Chain head: {head}", "id": "Ujung rantai: {head}"},
    "cli.demo.check_again": {
        "en": "Check it again with: {command}",
        "id": "Periksa lagi dengan: {command}",
    },
    "cli.demo.deleted": {
        "en": "The temporary store is deleted. To keep one and check it again:",
        "id": "Berkas sementara sudah dihapus. Untuk menyimpannya dan memeriksanya lagi:",
    },
    # notification topics, as the demo counts them
    "topic.case_registered_emergency": {
        "en": "case_registered_emergency",
        "id": "kasus darurat terdaftar",
    },
    "topic.case_submitted": {"en": "case_submitted", "id": "kasus diajukan"},
    "topic.worker_assigned": {"en": "worker_assigned", "id": "petugas ditugaskan"},
    "topic.case_transferred": {"en": "case_transferred", "id": "kasus dipindahkan"},
    "topic.duplicate_suspected": {"en": "duplicate_suspected", "id": "dugaan kasus ganda"},
    "topic.case_returned": {"en": "case_returned", "id": "kasus dikembalikan"},
    "topic.case_approved": {"en": "case_approved", "id": "kasus disetujui"},
    "topic.referral_requested": {"en": "referral_requested", "id": "rujukan baru"},
    "topic.referral_status_changed": {
        "en": "referral_status_changed",
        "id": "status rujukan berubah",
    },
    "topic.referral_reminder": {"en": "referral_reminder", "id": "pengingat rujukan"},
    "topic.referral_overdue": {"en": "referral_overdue", "id": "rujukan terlambat"},
    "topic.referral_escalated": {"en": "referral_escalated", "id": "eskalasi rujukan"},
    "topic.referral_expired": {"en": "referral_expired", "id": "rujukan kedaluwarsa"},
    "topic.referral_unrouted": {
        "en": "referral_unrouted",
        "id": "kebutuhan tanpa layanan lain",
    },
    "topic.consent_withdrawn": {"en": "consent_withdrawn", "id": "persetujuan dicabut"},
    "topic.case_closed": {"en": "case_closed", "id": "kasus ditutup"},
    # the events of a case's history, as a staff page lists them (`event.<Event.type>`)
    "event.case_registered": {"en": "Case registered", "id": "Kasus didaftarkan"},
    "event.need_recorded": {"en": "Need recorded", "id": "Kebutuhan dicatat"},
    "event.case_assessed": {"en": "Household assessed", "id": "Asesmen dilakukan"},
    "event.case_reassessed": {"en": "Household re-assessed", "id": "Asesmen ulang dilakukan"},
    "event.case_submitted": {"en": "Submitted to the supervisor", "id": "Diajukan ke supervisor"},
    "event.case_returned": {"en": "Returned for correction", "id": "Dikembalikan untuk perbaikan"},
    "event.case_approved": {"en": "Approved by the supervisor", "id": "Disetujui supervisor"},
    "event.case_reviewed": {"en": "Reviewed by the front office", "id": "Diperiksa front office"},
    "event.need_resolved_locally": {
        "en": "Need resolved at village level",
        "id": "Kebutuhan diselesaikan di desa",
    },
    "event.direct_service_delivered": {
        "en": "Direct service given",
        "id": "Layanan langsung diberikan",
    },
    "event.referral_requested": {"en": "Referral sent", "id": "Rujukan dikirim"},
    "event.referral_status_changed": {
        "en": "Referral status changed",
        "id": "Status rujukan berubah",
    },
    "event.referral_escalated": {"en": "Referral escalated", "id": "Rujukan dieskalasi"},
    "event.receipt_confirmed": {
        "en": "Receipt confirmed by the client",
        "id": "Penerimaan layanan dikonfirmasi klien",
    },
    "event.consent_recorded": {"en": "Consent recorded", "id": "Persetujuan dicatat"},
    "event.lawful_basis_recorded": {
        "en": "Lawful basis recorded",
        "id": "Dasar hukum pemrosesan dicatat",
    },
    "event.consent_withdrawn": {"en": "Consent withdrawn", "id": "Persetujuan dicabut"},
    "event.worker_assigned": {"en": "Worker assigned", "id": "Petugas ditugaskan"},
    "event.worker_unassigned": {"en": "Worker unassigned", "id": "Penugasan petugas dicabut"},
    "event.duplicate_suspected": {
        "en": "Possible duplicate registration flagged",
        "id": "Dugaan pendaftaran ganda ditandai",
    },
    "event.duplicate_marked_distinct": {
        "en": "Marked as a different household",
        "id": "Ditandai sebagai rumah tangga berbeda",
    },
    "event.duplicate_merged": {
        "en": "Duplicate case merged into this one",
        "id": "Kasus ganda digabungkan ke kasus ini",
    },
    "event.case_merged_into": {
        "en": "Closed as a duplicate and merged into another case",
        "id": "Ditutup sebagai kasus ganda dan digabungkan ke kasus lain",
    },
    "event.case_transferred": {
        "en": "Case transferred to another region",
        "id": "Kasus dipindahkan ke wilayah lain",
    },
    "event.case_closed": {"en": "Case closed", "id": "Kasus ditutup"},
    "event.case_erased": {"en": "Personal data erased", "id": "Data pribadi dihapus"},
    # refusals (slrt_core.errors); ids arrive quoted
    "error.case_not_found": {
        "en": "Case {case_id} does not exist. Check the id, or list cases with list_cases().",
        "id": "Kasus {case_id} tidak ada. Periksa nomornya, atau lihat daftar kasus.",
    },
    "error.case_erased": {
        "en": (
            "The personal data of case {case_id} was erased (UU PDP 27/2022 Art. 8, 43): it "
            "can no longer be read. Its audit records remain and still verify."
        ),
        "id": (
            "Data pribadi kasus {case_id} sudah dihapus (UU PDP 27/2022 Pasal 8, 43): tidak "
            "dapat dibaca lagi. Catatan auditnya tetap ada dan tetap terverifikasi."
        ),
    },
    "error.referral_not_found": {
        "en": "Referral {referral_id} does not exist. Check the id on the referral letter.",
        "id": "Rujukan {referral_id} tidak ada. Periksa nomor pada surat rujukan.",
    },
    "error.transition_not_allowed.case": {
        "en": (
            "Case {subject_id} is “{state}”{state_code}: you cannot {command}{command_code} there."
        ),
        "id": (
            "Kasus {subject_id} berstatus “{state}”{state_code}: "
            "{command}{command_code} tidak dapat dilakukan."
        ),
    },
    "error.transition_not_allowed.referral": {
        "en": (
            "Referral {subject_id} is “{state}”{state_code}: you cannot "
            "{command}{command_code} there."
        ),
        "id": (
            "Rujukan {subject_id} berstatus “{state}”{state_code}: "
            "{command}{command_code} tidak dapat dilakukan."
        ),
    },
    "error.transition_not_allowed.to_status": {
        "en": "{command} to “{status}”",
        "id": "{command} menjadi “{status}”",
    },
    "error.concurrency": {
        "en": (
            "Case {case_id} changed since it was read (expected version {expected}, found "
            "{actual}). Reload the case and repeat the command."
        ),
        "id": (
            "Kasus {case_id} sudah berubah sejak dibaca (versi {expected}, sekarang {actual}). "
            "Muat ulang kasus lalu ulangi perintah."
        ),
    },
    "error.audit_broken": {
        "en": "The audit trail is broken at record {seq}: {reason}.",
        "id": "Jejak audit rusak pada catatan {seq}: {reason}.",
    },
    # intake de-duplication (slrt_core.dedup): comparison levels, decisions, explanation
    "dedup.field.kk": {"en": "KK number", "id": "nomor KK"},
    "dedup.field.nik": {"en": "NIK", "id": "NIK"},
    "dedup.field.nik_differs": {"en": "different NIKs", "id": "NIK berbeda"},
    "dedup.field.name": {"en": "full name", "id": "nama lengkap"},
    "dedup.field.phonetic": {"en": "sound of the name", "id": "bunyi nama"},
    "dedup.field.parts_all": {
        "en": "every part of the shorter name",
        "id": "semua bagian nama yang lebih pendek",
    },
    "dedup.field.parts_some": {"en": "part of the name", "id": "sebagian nama"},
    "dedup.field.name_none": {"en": "names differ", "id": "nama berbeda"},
    "dedup.field.birth_date": {"en": "date of birth", "id": "tanggal lahir"},
    "dedup.field.birth_year": {"en": "year of birth", "id": "tahun lahir"},
    "dedup.field.birth_none": {"en": "years of birth differ", "id": "tahun lahir berbeda"},
    "dedup.field.village": {"en": "village", "id": "desa/kelurahan"},
    "dedup.field.village_none": {"en": "villages differ", "id": "desa/kelurahan berbeda"},
    "dedup.decision.same": {"en": "same household", "id": "rumah tangga yang sama"},
    "dedup.decision.likely": {"en": "likely duplicate", "id": "kemungkinan ganda"},
    "dedup.decision.distinct": {"en": "distinct", "id": "berbeda"},
    "label.DuplicateStatus.open": {"en": "Open", "id": "Terbuka"},
    "label.DuplicateStatus.distinct": {"en": "Distinct", "id": "Berbeda"},
    "label.DuplicateStatus.merged": {"en": "Merged", "id": "Digabung"},
    "error.duplicate_case": {
        "en": "This household already has an open case: {cases} (shared: {fields}). Record "
        "the new need on it with record_need(actor, {first}, need, channel=...), or, if it is "
        "another household, register with duplicate_override='<reason>'.",
        "id": "Rumah tangga ini sudah punya kasus terbuka: {cases} (sama: {fields}). Catat "
        "kebutuhan baru pada kasus itu dengan `record_need(actor, {first}, need, "
        "channel=...)`, atau, bila rumah tangga lain, daftarkan dengan "
        "`duplicate_override='<alasan>'`.",
    },
    "error.duplicate_case.elsewhere": {
        "en": "This household already has an open case outside your jurisdiction (shared: "
        "{fields}). Ask that region's staff to record the new need on it (record_need), or, "
        "if it is another household, register with duplicate_override='<reason>'.",
        "id": "Rumah tangga ini sudah punya kasus terbuka di luar wilayah kerja Anda (sama: "
        "{fields}). Minta petugas wilayah itu mencatat kebutuhan baru pada kasus tersebut "
        "(`record_need`), atau, bila rumah tangga lain, daftarkan dengan "
        "`duplicate_override='<alasan>'`.",
    },
    "dedup.explain": {
        "en": "Case {case_id}: {decision}, score {score}. Agreed: {fields}.",
        "id": "Kasus {case_id}: {decision}, skor {score}. Yang cocok: {fields}.",
    },
    "dedup.explain.none": {
        "en": "Case {case_id}: {decision}, score {score}. No field agreed.",
        "id": "Kasus {case_id}: {decision}, skor {score}. Tidak ada data yang cocok.",
    },
    # case KPIs and referral SLA analytics (slrt_core.kpis), their plots (slrt_core.plots)
    "kpi.period": {"en": "{start} to {end}", "id": "{start} sampai {end}"},
    "kpi.section.totals": {"en": "Totals", "id": "Jumlah"},
    "kpi.section.intake.channel": {
        "en": "Cases registered by channel",
        "id": "Kasus terdaftar menurut jalur pengaduan",
    },
    "kpi.section.intake.kind": {
        "en": "Cases registered by kind of complaint",
        "id": "Kasus terdaftar menurut jenis pengaduan",
    },
    "kpi.section.intake.sector": {
        "en": "Cases registered by sector of need",
        "id": "Kasus terdaftar menurut sektor kebutuhan",
    },
    "kpi.section.intake.emergency": {
        "en": "Cases registered: emergencies",
        "id": "Kasus terdaftar: kedaruratan",
    },
    "kpi.section.stage": {"en": "Time in each stage", "id": "Waktu di setiap tahap"},
    "kpi.section.time_to_close": {
        "en": "Time from registration to closure",
        "id": "Waktu dari pendaftaran sampai penutupan",
    },
    "kpi.section.workload": {"en": "Workload per worker", "id": "Beban kerja per petugas"},
    "kpi.section.closing_reason": {
        "en": "Cases closed by reason",
        "id": "Kasus ditutup menurut alasan",
    },
    "kpi.section.referrals.status": {
        "en": "Referrals sent, by status now",
        "id": "Rujukan terkirim, menurut status saat ini",
    },
    "kpi.section.sla.time_to_acknowledge": {
        "en": "Time to the provider's first answer",
        "id": "Waktu sampai jawaban pertama penyedia layanan",
    },
    "kpi.section.sla.time_to_accept": {
        "en": "Time to acceptance",
        "id": "Waktu sampai disetujui penyedia layanan",
    },
    "kpi.section.sla.time_to_complete": {
        "en": "Time to completion",
        "id": "Waktu sampai layanan selesai",
    },
    "kpi.section.sla.breach.provider": {
        "en": "Deadlines missed by provider",
        "id": "Tenggat terlewati menurut penyedia layanan",
    },
    "kpi.section.sla.breach.program": {
        "en": "Deadlines missed by program",
        "id": "Tenggat terlewati menurut program",
    },
    "kpi.section.sla.breach.tier": {
        "en": "Deadlines missed by tier",
        "id": "Tenggat terlewati menurut tingkat layanan",
    },
    "kpi.section.sla.breach.district": {
        "en": "Deadlines missed by regency or city",
        "id": "Tenggat terlewati menurut kabupaten/kota",
    },
    "kpi.section.sla.missed_hop": {
        "en": "Deadlines missed by step",
        "id": "Tenggat terlewati menurut langkah rujukan",
    },
    "kpi.section.sla.escalation": {
        "en": "Escalation steps taken",
        "id": "Langkah eskalasi yang diambil",
    },
    "kpi.measure.count": {"en": "number", "id": "banyaknya"},
    "kpi.measure.rate": {"en": "share (0 to 1)", "id": "proporsi (0 sampai 1)"},
    "kpi.measure.median_working_days": {
        "en": "median (working days)",
        "id": "median (hari kerja)",
    },
    "kpi.measure.p90_working_days": {
        "en": "90th percentile (working days)",
        "id": "persentil ke-90 (hari kerja)",
    },
    "kpi.measure.median_hours": {"en": "median (hours)", "id": "median (jam)"},
    "kpi.measure.p90_hours": {"en": "90th percentile (hours)", "id": "persentil ke-90 (jam)"},
    "kpi.measure.at_end": {
        "en": "cases in the stage at the period's end",
        "id": "kasus pada tahap ini di akhir periode",
    },
    "kpi.measure.open_cases": {
        "en": "cases open at the period's end",
        "id": "kasus terbuka di akhir periode",
    },
    "kpi.measure.closed": {"en": "cases closed in the period", "id": "kasus ditutup dalam periode"},
    "kpi.measure.referrals": {"en": "referrals sent", "id": "rujukan terkirim"},
    "kpi.measure.breached": {
        "en": "referrals that missed a deadline",
        "id": "rujukan yang melewati tenggat",
    },
    "kpi.total.cases_registered": {"en": "Cases registered", "id": "Kasus terdaftar"},
    "kpi.total.cases_closed": {"en": "Cases closed", "id": "Kasus ditutup"},
    "kpi.total.cases_open_at_end": {
        "en": "Cases open at the period's end",
        "id": "Kasus terbuka di akhir periode",
    },
    "kpi.total.referrals_requested": {"en": "Referrals sent", "id": "Rujukan terkirim"},
    "kpi.total.referrals_breached": {
        "en": "Referrals that missed a deadline",
        "id": "Rujukan yang melewati tenggat",
    },
    "kpi.total.escalated_referrals": {
        "en": "Referrals escalated",
        "id": "Rujukan yang dieskalasi",
    },
    "kpi.total.breach_rate": {
        "en": "Share of referrals that missed a deadline",
        "id": "Proporsi rujukan yang melewati tenggat",
    },
    "kpi.key.all": {"en": "All", "id": "Semua"},
    "kpi.key.unknown": {"en": "Unknown", "id": "Tidak diketahui"},
    "kpi.key.emergency": {"en": "Emergency", "id": "Darurat"},
    "kpi.key.not_emergency": {"en": "Not an emergency", "id": "Bukan darurat"},
    "kpi.plot.stages.title": {
        "en": "Time in each stage",
        "id": "Waktu di setiap tahap",
    },
    "kpi.plot.stages.x": {"en": "working days", "id": "hari kerja"},
    "kpi.plot.stages.y": {"en": "stage of the case", "id": "tahap kasus"},
    "kpi.plot.median": {"en": "median", "id": "median"},
    "kpi.plot.p90": {"en": "90th percentile", "id": "persentil ke-90"},
    "kpi.plot.breaches.title": {
        "en": "Referrals that missed a deadline, by provider",
        "id": "Rujukan yang melewati tenggat menurut penyedia layanan",
    },
    "kpi.plot.breaches.x": {
        "en": "share of referrals sent (%)",
        "id": "persentase rujukan terkirim (%)",
    },
    "kpi.plot.breaches.y": {"en": "provider", "id": "penyedia layanan"},
    "kpi.plot.breaches.bar": {
        "en": "missed a deadline (n = referrals sent)",
        "id": "melewati tenggat (n = rujukan terkirim)",
    },
    "kpi.plot.intake.title": {
        "en": "Cases registered per {step} by channel",
        "id": "Kasus terdaftar per {step} menurut jalur pengaduan",
    },
    "kpi.plot.intake.x.day": {"en": "date (local)", "id": "tanggal (waktu setempat)"},
    "kpi.plot.intake.x.week": {
        "en": "week starting on Monday",
        "id": "minggu yang dimulai hari Senin",
    },
    "kpi.plot.intake.y": {"en": "cases registered", "id": "kasus terdaftar"},
    "kpi.plot.intake.day": {"en": "day", "id": "hari"},
    "kpi.plot.intake.week": {"en": "week", "id": "minggu"},
    "kpi.plot.empty": {
        "en": "nothing to show in this period",
        "id": "tidak ada data dalam periode ini",
    },
    # `slrt simulate`: metric and policy names (English keeps the codes of the tables)
    "sim.metric.cases": {"en": "cases", "id": "kasus"},
    "sim.metric.served_by_10wd": {"en": "served_by_10wd", "id": "terlayani dalam 10 hari kerja"},
    "sim.metric.served_by_30wd": {"en": "served_by_30wd", "id": "terlayani dalam 30 hari kerja"},
    "sim.metric.time_to_service_median": {
        "en": "time_to_service_median",
        "id": "median waktu ke layanan",
    },
    "sim.metric.time_to_service_served_mean": {
        "en": "time_to_service_served_mean",
        "id": "rerata waktu ke layanan",
    },
    "sim.metric.completion": {"en": "completion", "id": "kebutuhan terpenuhi"},
    "sim.metric.unmet_need": {"en": "unmet_need", "id": "kebutuhan tak terpenuhi"},
    "sim.metric.open_at_end": {"en": "open_at_end", "id": "terbuka di akhir"},
    "sim.metric.duplicated_aid_registry": {
        "en": "duplicated_aid_registry",
        "id": "bantuan ganda (DTSEN)",
    },
    "sim.metric.duplicated_aid_same_case": {
        "en": "duplicated_aid_same_case",
        "id": "bantuan ganda (kasus sama)",
    },
    "sim.metric.duplicated_aid_registered_twice": {
        "en": "duplicated_aid_registered_twice",
        "id": "bantuan ganda (terdaftar dua kali)",
    },
    "sim.metric.sla_breaches": {"en": "sla_breaches", "id": "pelanggaran tenggat"},
    "sim.metric.sla_breach_rate": {"en": "sla_breach_rate", "id": "proporsi pelanggaran tenggat"},
    "sim.metric.reroutes": {"en": "reroutes", "id": "rujukan diteruskan"},
    "sim.metric.queue_mean_arrivals": {
        "en": "queue_mean_arrivals",
        "id": "rerata antrean (kedatangan)",
    },
    "sim.metric.queue_mean_drain": {"en": "queue_mean_drain", "id": "rerata antrean (penuntasan)"},
    "sim.metric.queue_max": {"en": "queue_max", "id": "antrean terpanjang"},
    "sim.policy.nearest-tier": {"en": "nearest-tier", "id": "tingkat terdekat"},
    "sim.policy.least-loaded": {"en": "least-loaded", "id": "beban paling ringan"},
    # routing policies (RoutingPolicy.name is the English one)
    "policy.nearest tier first": {
        "en": "nearest tier first",
        "id": "tingkat terdekat lebih dahulu",
    },
    "policy.least loaded": {"en": "least loaded", "id": "beban paling ringan"},
    "policy.fastest past response": {
        "en": "fastest past response",
        "id": "tanggapan tercepat sebelumnya",
    },
}


def text(key: str, language: LanguageCode = "id", /, **fields: object) -> str:
    """The catalogue text *key* in *language*, with *fields* filled in.

    Raises:
        KeyError: the catalogue has no *key* (every text slrt_core shows is in it).
    """
    template = TEXTS[key][language]
    return template.format(**fields) if fields else template
