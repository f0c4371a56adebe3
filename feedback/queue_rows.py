"""What the review queue's compact rows show beyond the lead: the check's summary for the
stage the lead was handed over at, and a change offered for undo."""

from definitions.models import StageLevel
from feedback.models import CheckResult, Lead, LeadFeedback, ReviewCycle

# The short names reps use for the stages a lead is handed over at.
STAGE_SHORT = {
    StageLevel.INQUIRY: "Inquiry",
    StageLevel.LEAD: "MQL",
    StageLevel.ACCEPTED: "SAL",
    StageLevel.OPPORTUNITY: "SQL",
    StageLevel.CUSTOMER: "Customer",
}


def check_summary(lead, ladder: list, states: list[str]) -> dict:
    """What the check says of the stage the lead was handed over at, for its compact row:
    of the criteria that stage needs (its own and every earlier stage's), how many are met.
    A ladder without that stage counts every criterion of the version."""
    needed = 0
    for stage, criteria in ladder:
        needed += len(criteria)
        if stage.level == lead.stage_handed_over:
            break
    else:
        needed = len(states)
    return {
        "short": STAGE_SHORT.get(lead.stage_handed_over, lead.get_stage_handed_over_display()),
        "stage": lead.get_stage_handed_over_display(),
        "met": states[:needed].count(CheckResult.MET),
        "of": needed,
    }


def undo_offer(cycle: ReviewCycle, rep, lead_id: int, history_id: int) -> dict | None:
    """A change the rep saved without JavaScript, offered for undo on the page that follows:
    the lead (the rep's, in this cycle) and the verdict it has now; None when the record is
    not one of that lead's feedback."""
    mine = Lead.objects.in_cycle(cycle).handed_to(rep).filter(pk=lead_id)
    feedback = LeadFeedback.objects.filter(cycle=cycle, lead__in=mine).select_related("lead")
    feedback = feedback.first()
    if feedback is None or not feedback.history.filter(history_id=history_id).exists():
        return None
    return {"lead": feedback.lead, "history_id": history_id, "decision": feedback.decision_short}
