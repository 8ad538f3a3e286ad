"""Labels for staff, in Bahasa Indonesia and English.

Examples:
    >>> from slrt_core.case import CaseState
    >>> label(CaseState.IN_SERVICE, "id"), label(CaseState.IN_SERVICE, "en")
    ('Dalam layanan', 'In service')
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from slrt_core.case._model import CaseState, NeedStatus, Priority
from slrt_core.errors import LanguageCode
from slrt_core.referral._model import ReferralReason, ReferralStatus
from slrt_core.vocabulary import Channel, ClosingReason, ComplaintKind, Role, Sector, Tier

__all__ = ["LABELS", "label"]

#: (enum member) -> {"en": ..., "id": ...}
LABELS: Mapping[enum.Enum, Mapping[str, str]] = {
    # case states
    CaseState.REGISTERED: {"en": "Registered", "id": "Terdaftar"},
    CaseState.EMERGENCY_SERVED: {"en": "Emergency served", "id": "Layanan darurat diberikan"},
    CaseState.ASSESSED: {"en": "Assessed", "id": "Sudah diasesmen"},
    CaseState.SUBMITTED: {"en": "Submitted to supervisor", "id": "Diajukan ke supervisor"},
    CaseState.RETURNED: {"en": "Returned for correction", "id": "Dikembalikan untuk perbaikan"},
    CaseState.APPROVED: {"en": "Approved", "id": "Disetujui"},
    CaseState.REVIEWED: {"en": "Reviewed by front office", "id": "Diperiksa front office"},
    CaseState.IN_SERVICE: {"en": "In service", "id": "Dalam layanan"},
    CaseState.REASSESSED: {"en": "Re-assessed", "id": "Sudah diasesmen ulang"},
    CaseState.CLOSED: {"en": "Closed", "id": "Ditutup"},
    # need statuses
    NeedStatus.OPEN: {"en": "Open", "id": "Terbuka"},
    NeedStatus.REFERRED: {"en": "Referred", "id": "Dirujuk"},
    NeedStatus.SERVED_DIRECTLY: {"en": "Served directly", "id": "Dilayani langsung"},
    NeedStatus.RESOLVED_LOCALLY: {"en": "Resolved at village level", "id": "Diselesaikan di desa"},
    NeedStatus.MET: {"en": "Met", "id": "Terpenuhi"},
    Priority.NORMAL: {"en": "Normal", "id": "Biasa"},
    Priority.HIGH: {"en": "Fast track", "id": "Jalur cepat"},
    # roles
    Role.FACILITATOR: {"en": "Facilitator", "id": "Fasilitator"},
    Role.PUSKESOS_OPERATOR: {"en": "Puskesos operator", "id": "Operator Puskesos"},
    Role.SUPERVISOR: {"en": "Supervisor", "id": "Supervisor"},
    Role.FRONT_OFFICE: {"en": "Front office", "id": "Front office"},
    Role.BACK_OFFICE: {"en": "Back office", "id": "Back office"},
    Role.MANAGER: {"en": "Manager", "id": "Manajer"},
    Role.PROVIDER_STAFF: {"en": "Provider staff", "id": "Petugas penyedia layanan"},
    Role.AUDITOR: {"en": "Auditor", "id": "Auditor"},
    Role.SYSTEM: {"en": "System", "id": "Sistem"},
    # channels and kinds
    Channel.HOME_VISIT: {"en": "Facilitator home visit", "id": "Kunjungan rumah fasilitator"},
    Channel.PUSKESOS_DESK: {"en": "Puskesos desk", "id": "Loket Puskesos"},
    Channel.SECRETARIAT_DESK: {"en": "SLRT secretariat desk", "id": "Loket sekretariat SLRT"},
    ComplaintKind.QUESTION: {"en": "Question", "id": "Pertanyaan"},
    ComplaintKind.SUGGESTION: {"en": "Suggestion", "id": "Saran"},
    ComplaintKind.GRIEVANCE: {"en": "Grievance", "id": "Pengaduan"},
    # sectors
    Sector.HEALTH: {"en": "Health", "id": "Kesehatan"},
    Sector.EDUCATION: {"en": "Education", "id": "Pendidikan"},
    Sector.SOCIAL_ASSISTANCE: {"en": "Social assistance", "id": "Bantuan sosial"},
    Sector.FOOD: {"en": "Food", "id": "Pangan"},
    Sector.ENERGY: {"en": "Energy", "id": "Energi"},
    Sector.HOUSING: {"en": "Housing", "id": "Perumahan"},
    Sector.CIVIL_DOCUMENTS: {"en": "Civil documents", "id": "Administrasi kependudukan"},
    Sector.ECONOMIC: {"en": "Economic empowerment", "id": "Pemberdayaan ekonomi"},
    Sector.OTHER: {"en": "Other", "id": "Lainnya"},
    # closing reasons
    ClosingReason.INDEPENDENT: {"en": "Independent", "id": "Mandiri"},
    ClosingReason.NEEDS_MET: {"en": "Needs met", "id": "Kebutuhan terpenuhi"},
    ClosingReason.MOVED: {"en": "Moved away", "id": "Pindah"},
    ClosingReason.DECEASED: {"en": "Deceased", "id": "Meninggal dunia"},
    ClosingReason.DECLINED: {"en": "Declined services", "id": "Menolak layanan"},
    ClosingReason.UNREACHABLE: {"en": "Unreachable", "id": "Tidak dapat dihubungi"},
    ClosingReason.DUPLICATE: {"en": "Duplicate case", "id": "Kasus ganda"},
    # referral statuses and reasons
    ReferralStatus.REQUESTED: {"en": "Requested", "id": "Dikirim"},
    ReferralStatus.RECEIVED: {"en": "Received", "id": "Diterima penyedia"},
    ReferralStatus.ACCEPTED: {"en": "Accepted", "id": "Disetujui penyedia"},
    ReferralStatus.REJECTED: {"en": "Rejected", "id": "Ditolak"},
    ReferralStatus.IN_PROGRESS: {"en": "In progress", "id": "Sedang dilayani"},
    ReferralStatus.ON_HOLD: {"en": "On hold", "id": "Ditunda"},
    ReferralStatus.COMPLETED: {"en": "Completed", "id": "Selesai"},
    ReferralStatus.FAILED: {"en": "Failed", "id": "Gagal"},
    ReferralStatus.CANCELLED: {"en": "Cancelled", "id": "Dibatalkan"},
    ReferralStatus.ENTERED_IN_ERROR: {"en": "Entered in error", "id": "Salah input"},
    ReferralReason.CAPACITY: {"en": "No capacity", "id": "Kuota penuh"},
    ReferralReason.NOT_ELIGIBLE: {"en": "Not eligible", "id": "Tidak memenuhi syarat"},
    ReferralReason.OUT_OF_AREA: {"en": "Out of area", "id": "Di luar wilayah layanan"},
    ReferralReason.MISSING_DOCUMENTS: {"en": "Missing documents", "id": "Dokumen belum lengkap"},
    ReferralReason.CLIENT_DECLINED: {"en": "Client declined", "id": "Klien menolak"},
    ReferralReason.CLIENT_UNREACHABLE: {
        "en": "Client unreachable",
        "id": "Klien tidak dapat dihubungi",
    },
    ReferralReason.DUPLICATE: {"en": "Duplicate", "id": "Ganda"},
    ReferralReason.EXPIRED: {"en": "Expired", "id": "Kedaluwarsa"},
    ReferralReason.OTHER: {"en": "Other", "id": "Lainnya"},
    # tiers
    Tier.VILLAGE: {"en": "Village", "id": "Desa/kelurahan"},
    Tier.DISTRICT: {"en": "District", "id": "Kabupaten/kota"},
    Tier.PROVINCE: {"en": "Province", "id": "Provinsi"},
    Tier.NATIONAL: {"en": "National", "id": "Nasional"},
    Tier.NGO: {"en": "NGO or private", "id": "LSM atau swasta"},
}


def label(member: enum.Enum, language: LanguageCode = "id") -> str:
    """The staff label of a vocabulary member in *language* (``"id"`` or ``"en"``).

    Raises:
        KeyError: *member* has no label (every shipped vocabulary member has one).
    """
    return LABELS[member][language]
