"""Errors of the allocation service, each with a stable problem code."""

from __future__ import annotations

from common.errors import ConflictError, NotFoundError, RuleViolationError


class AgreementNotFoundError(NotFoundError):
    code = "agreement-not-found"


class OfferNotFoundError(NotFoundError):
    code = "offer-not-found"


class SubsidyNotFoundError(NotFoundError):
    code = "subsidy-not-found"


class PropertyNotFoundError(NotFoundError):
    code = "property-not-found"


class DwellingNotFoundError(NotFoundError):
    code = "dwelling-not-found"


class AgreementRuleError(RuleViolationError):
    code = "agreement-rule"
    title = "The agreement breaks a rule of the allocation acts"


class SubsidyRefusedError(RuleViolationError):
    code = "subsidy-refused"
    title = "The rent subsidy cannot be granted"


class FrameMissingError(RuleViolationError):
    code = "frame-missing"
    title = "The municipality has no subsidy frame for the year"


class NoticeRuleError(RuleViolationError):
    code = "notice-rule"
    title = "The vacancy notice breaks a rule of chapter 7"


class OfferClosedError(ConflictError):
    code = "offer-closed"
    title = "The offer has already been answered or has lapsed"


class ApartmentOfferedError(ConflictError):
    code = "apartment-already-offered"
    title = "The apartment is already offered to the municipality on an open notice"


class VacancyNoticedError(ConflictError):
    code = "vacancy-already-noticed"
    title = "The apartment's vacancy has already been reported"


class VacancyReportedError(ConflictError):
    code = "vacancy-already-reported"
    title = "The dwelling's vacancy has already been reported"


class RestorationClaimExistsError(ConflictError):
    code = "restoration-claim-exists"
    title = "The allocated tenant's move-out already has a restoration claim"


class AgreementRegisteredError(ConflictError):
    code = "agreement-registered"
    title = "The agreement's registration is already recorded"


class AgreementExistsError(ConflictError):
    code = "agreement-exists"
    title = "The property already has an allocation agreement"


class FrameApplicationExistsError(ConflictError):
    code = "frame-application-exists"
    title = "The municipality has already applied for the year's frame"
