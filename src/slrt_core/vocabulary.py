"""Controlled vocabularies shared by cases, rules and referrals.

Each member's value is a stable snake_case code stored in events and files; labels for
staff, in Bahasa Indonesia and English, come from :func:`slrt_core.label`.
"""

from __future__ import annotations

import enum

__all__ = [
    "Channel",
    "ClosingReason",
    "Command",
    "ComplaintKind",
    "Role",
    "Sector",
    "Tier",
]


class Sector(enum.StrEnum):
    """The sector of a need (Pedum SLRT 2020 maps complaints to sectors)."""

    HEALTH = "health"
    EDUCATION = "education"
    SOCIAL_ASSISTANCE = "social_assistance"
    FOOD = "food"
    ENERGY = "energy"
    HOUSING = "housing"
    CIVIL_DOCUMENTS = "civil_documents"
    ECONOMIC = "economic"
    OTHER = "other"


class Channel(enum.StrEnum):
    """Where a need was brought in."""

    HOME_VISIT = "home_visit"
    PUSKESOS_DESK = "puskesos_desk"
    SECRETARIAT_DESK = "secretariat_desk"


class ComplaintKind(enum.StrEnum):
    """The kind of complaint (keluhan): pertanyaan, saran or pengaduan."""

    QUESTION = "question"
    SUGGESTION = "suggestion"
    GRIEVANCE = "grievance"


class ClosingReason(enum.StrEnum):
    """Why a case closed."""

    INDEPENDENT = "independent"
    NEEDS_MET = "needs_met"
    MOVED = "moved"
    DECEASED = "deceased"
    DECLINED = "declined"
    UNREACHABLE = "unreachable"
    DUPLICATE = "duplicate"


class Tier(enum.StrEnum):
    """The level of the provider that serves a referral, nearest first."""

    VILLAGE = "village"
    DISTRICT = "district"
    PROVINCE = "province"
    NATIONAL = "national"
    NGO = "ngo"


class Role(enum.StrEnum):
    """An actor's role in SLRT."""

    FACILITATOR = "facilitator"
    PUSKESOS_OPERATOR = "puskesos_operator"
    SUPERVISOR = "supervisor"
    FRONT_OFFICE = "front_office"
    BACK_OFFICE = "back_office"
    MANAGER = "manager"
    PROVIDER_STAFF = "provider_staff"
    AUDITOR = "auditor"
    SYSTEM = "system"


class Command(enum.StrEnum):
    """Everything an actor can ask of the service, reads included."""

    REGISTER = "register"
    RECORD_NEED = "record_need"
    ASSESS = "assess"
    SUBMIT = "submit"
    RETURN_FOR_CORRECTION = "return_for_correction"
    APPROVE = "approve"
    REVIEW = "review"
    RESOLVE_LOCALLY = "resolve_locally"
    REFER = "refer"
    DELIVER_DIRECT_SERVICE = "deliver_direct_service"
    UPDATE_REFERRAL = "update_referral"
    WITHDRAW_REFERRAL = "withdraw_referral"
    CONFIRM_RECEIPT = "confirm_receipt"
    REASSESS = "reassess"
    CLOSE = "close"
    RECORD_CONSENT = "record_consent"
    WITHDRAW_CONSENT = "withdraw_consent"
    RECORD_LAWFUL_BASIS = "record_lawful_basis"
    ASSIGN = "assign"
    TRANSFER = "transfer"
    ESCALATE = "escalate"
    READ_CASE = "read_case"
    LIST_CASES = "list_cases"
    READ_REFERRAL = "read_referral"
    VERIFY_AUDIT = "verify_audit"
    SUBJECT_ACCESS = "subject_access"
    ERASE = "erase"
    EXPORT = "export"
    MARK_DISTINCT = "mark_distinct"
    MERGE_CASES = "merge_cases"
