"""Review cycles, leads, their qualification checks, the reps' feedback and outcomes.

One module per concern; everything is imported from here (``feedback.models``).
"""

from feedback.models.cycles import (
    ReviewCadence,
    ReviewCycle,
    ReviewCycleQuerySet,
    Rights,
    Suggestion,
)
from feedback.models.feedback import (
    FEEDBACK_HISTORY,
    NEEDS_REASON,
    LeadFeedback,
    LeadFeedbackQuerySet,
    Outcome,
    RejectionReason,
    RejectionReasonQuerySet,
)
from feedback.models.figures import (
    BOUGHT_WITHIN_MONTHS,
    HIGH_LEVELS,
    LeadFigures,
    RejectionDay,
    RejectionFigures,
)
from feedback.models.imports import LeadImport
from feedback.models.leads import (
    EVIDENCE_CHOICES,
    SENIORITY_CHOICES,
    CheckResult,
    CriterionResult,
    Lead,
    LeadCheck,
    LeadQuerySet,
    LeadSource,
)
from feedback.models.rechecks import CycleRecheck
from feedback.models.summaries import CriterionSummary, FiguresSummary, ReasonSummary

__all__ = [
    "BOUGHT_WITHIN_MONTHS",
    "EVIDENCE_CHOICES",
    "FEEDBACK_HISTORY",
    "HIGH_LEVELS",
    "NEEDS_REASON",
    "SENIORITY_CHOICES",
    "CheckResult",
    "CriterionResult",
    "CriterionSummary",
    "CycleRecheck",
    "FiguresSummary",
    "Lead",
    "LeadCheck",
    "LeadFeedback",
    "LeadFeedbackQuerySet",
    "LeadFigures",
    "LeadImport",
    "LeadQuerySet",
    "LeadSource",
    "Outcome",
    "ReasonSummary",
    "RejectionDay",
    "RejectionFigures",
    "RejectionReason",
    "RejectionReasonQuerySet",
    "ReviewCadence",
    "ReviewCycle",
    "ReviewCycleQuerySet",
    "Rights",
    "Suggestion",
]
