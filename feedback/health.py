"""Feedback's contribution to a definition's health: unwritten rejection reasons piling up."""

from datetime import timedelta

from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from definitions.health import Note, Warning
from feedback.loop import reason_states
from feedback.models import FiguresSummary, RejectionDay, RejectionReason
from feedback.rounding import percent

WINDOW = timedelta(days=90)
MIN_REJECTIONS = 5
SHARE = 25  # percent of recent rejections citing an unwritten reason


def rejected_then_bought(definition) -> tuple[int, int]:
    """(rejected leads, of which bought within 24 months) for the definition, all time: a sum
    over its per-cycle summaries (a few rows per cycle and rep), never a count of its leads."""
    counts = FiguresSummary.objects.filter(definition=definition).aggregate(
        rejected=Coalesce(Sum("rejected"), 0), bought=Coalesce(Sum("rejected_bought"), 0)
    )
    return counts["rejected"], counts["bought"]


def reason_notes(definition, in_force=None) -> tuple[Note, ...]:
    """The unwritten reasons the version in force has since written down, or that have a
    proposal open: the warning says so rather than asking for them again. `in_force` is
    (the version in force, its content) when the caller has read them."""
    reasons = list(RejectionReason.objects.filter(kind=RejectionReason.Kind.UNWRITTEN))
    states = reason_states(definition, reasons, in_force=in_force)
    notes = []
    for reason in reasons:
        state = states[reason.pk]
        if state.written:
            notes.append(
                Note(
                    f"“{reason.label}” is now written down: ",
                    state.written.url,
                    f"“{state.written.statement}”, version {state.written.version.number}",
                )
            )
        elif state.proposal:
            notes.append(
                Note(
                    f"“{reason.label}”: proposal open: ",
                    state.proposal.get_absolute_url(),
                    state.proposal.title,
                )
            )
    return tuple(notes)


def definition_warnings(definition, in_force=None) -> list[Warning]:
    """Warn when more than a quarter of the last 90 days' rejections cite unwritten reasons.

    The feedback services keep a tally per definition and day, so this adds up at most 90 rows
    however much feedback there is.
    """
    first_day = timezone.localdate() - WINDOW + timedelta(days=1)
    counts = RejectionDay.objects.filter(definition=definition, day__gte=first_day).aggregate(
        rejections=Coalesce(Sum("rejections"), 0), unwritten=Coalesce(Sum("unwritten"), 0)
    )
    rejections, private = counts["rejections"], counts["unwritten"]
    if rejections < MIN_REJECTIONS or private * 100 < SHARE * rejections:
        return []
    rejected, bought = rejected_then_bought(definition)
    here = (
        f"{percent(bought / rejected)} of the {rejected} leads sales rejected bought within "
        "two years"
        if rejected
        else ""
    )
    notes = reason_notes(definition, in_force)
    advice = "Write them down, or drop them."
    if notes:
        advice = "Write the others down, or drop them."
    return [
        Warning(
            "unwritten-reasons",
            f"Unwritten reasons are behind {private} of the last {rejections} rejections "
            f"({percent(private / rejections)}, last 90 days). {advice}",
            "80% of the leads sales rejected went on to buy within two years: private filters "
            "that nobody wrote down throw revenue away.",
            "SiriusDecisions",
            here,
            notes,
        )
    ]
