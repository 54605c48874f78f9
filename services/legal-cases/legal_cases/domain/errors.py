"""Errors of the legal-cases service, each with a stable problem code. They know no HTTP."""

from __future__ import annotations

from common.errors import ConflictError, NotFoundError, RuleViolationError


class CaseNotFoundError(NotFoundError):
    code = "case-not-found"


class DocumentNotFoundError(NotFoundError):
    code = "document-not-found"


class DeadlineNotFoundError(NotFoundError):
    code = "deadline-not-found"


class PartNotFoundError(NotFoundError):
    """A question, inspection, meeting or fee the case does not have."""

    code = "case-part-not-found"


class TransitionNotAllowedError(ConflictError):
    """The case is not in a status this action starts from (or a concurrent action won)."""

    code = "transition-not-allowed"
    title = "Not possible in the case's current status"


class FilingRejectedError(RuleViolationError):
    code = "filing-rejected"
    title = "The case cannot be filed as sent"


class DocumentRejectedError(RuleViolationError):
    code = "document-rejected"
    title = "The document is not accepted"


class DeadlineRuleError(RuleViolationError):
    code = "deadline-rule"
    title = "The date breaks a deadline rule of the Housing Conditions Act (boligforholdsloven)"


class QuorumError(RuleViolationError):
    code = "quorum-not-met"
    title = "The tribunal was not lawfully composed (§ 86(3))"


class DecisionIncompleteError(RuleViolationError):
    code = "decision-incomplete"
    title = "A decision needs reasons and appeal guidance (§ 86(5))"


class AppealRejectedError(RuleViolationError):
    code = "appeal-rejected"
    title = "The appeal cannot be recorded"


class NonComplianceRejectedError(RuleViolationError):
    code = "noncompliance-rejected"
    title = "Non-compliance can only be reported for a final decision"


class FeeIndexMissingError(RuleViolationError):
    code = "fee-index-missing"
    title = "No net price index for the fee year (§ 100)"


class ForcedAdministrationRejectedError(RuleViolationError):
    code = "forced-administration-rejected"
    title = "The conditions for forced administration (§§ 26-27) are not met"


class NotForThisCategoryError(RuleViolationError):
    """A step the Act provides for other case categories only (mediation, § 85(5) guidance)."""

    code = "not-for-this-category"
    title = "Not provided for in this category of case"


class AdministrationStepRejectedError(RuleViolationError):
    code = "administration-step-rejected"
    title = "The forced administration step breaks the order or a deadline of §§ 29-41"


class SubletNoticeRejectedError(RuleViolationError):
    code = "sublet-notice-rejected"
    title = "The sublet non-compliance step breaks § 86(7)-(8)"


class ServiceRejectedError(RuleViolationError):
    code = "service-rejected"
    title = "The service (forkyndelse) of the decision cannot be recorded (§ 86(5))"


class ServiceAlreadyRecordedError(ConflictError):
    code = "service-already-recorded"
    title = "The decision's service on this party is recorded already"
