"""Who may act on a feedback object: asked by services, views and templates alike."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import User
    from feedback.models import Lead, ReviewCycle


def reads_all_feedback(user) -> bool:
    """Facilitators and executives read everyone's feedback; a rep reads their own."""
    return user.is_authenticated and (
        user.has_perm("feedback.facilitate") or user.has_perm("definitions.approve_version")
    )


def lead_actable_by(user: "User", lead: "Lead") -> bool:
    """The lead's rep or a facilitator: who checks its criteria and records its outcome."""
    return user.has_perm("feedback.facilitate") or lead.rep_id == user.pk


def criterion_markable_by(user: "User", lead: "Lead") -> bool:
    """Who may check a lead's criteria that have no rule."""
    return lead_actable_by(user, lead)


def outcome_recordable_by(user: "User", lead: "Lead") -> bool:
    """Who may record what later became of a lead."""
    return lead_actable_by(user, lead)


def suggestion_addable_by(user: "User", cycle: "ReviewCycle") -> bool:
    """Stop / start / continue suggestions come from sales: anyone in it, or handed the
    cycle's leads."""
    from accounts.models import Department
    from feedback.models import Lead

    return (
        user.department == Department.SALES or Lead.objects.in_cycle(cycle).handed_to(user).exists()
    )


def feedback_givable_by(user: "User", lead: "Lead") -> bool:
    """Only the rep the lead was handed to gives feedback on it."""
    return lead.rep_id == user.pk
