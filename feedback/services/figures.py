"""The qualification check and the rows derived from it: checks, figures, rejection tallies."""

from collections.abc import Iterable
from functools import cache
from operator import attrgetter

from django.db import transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import (
    Coalesce,
    ExtractDay,
    ExtractMonth,
    ExtractYear,
    Greatest,
    TruncDate,
)
from django.db.models.lookups import Exact, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils import timezone

from definitions.models import StageLevel
from definitions.rules import value_missing
from feedback.checks import check_bits, ladder_check, ladders_for, lead_values
from feedback.models import (
    BOUGHT_WITHIN_MONTHS,
    HIGH_LEVELS,
    NEEDS_REASON,
    Lead,
    LeadCheck,
    LeadFeedback,
    LeadFigures,
    Outcome,
    RejectionDay,
    RejectionFigures,
    RejectionReason,
)
from feedback.selectors import marks_of
from feedback.services.copying import chunks, rows_write
from feedback.services.summaries import (
    SHIFT_MOST,
    cells_of,
    contributions,
    contributions_fold,
    leads_counted,
    summaries_refresh,
    summaries_shift,
)

# How far the check's level alone takes a lead in the funnel (0: handed over).
LEVEL_RANK = {
    StageLevel.LEAD: 1,
    StageLevel.ACCEPTED: 2,
    StageLevel.OPPORTUNITY: 3,
    StageLevel.CUSTOMER: 4,
}


def _month_number(day):
    return ExtractYear(day) * 12 + ExtractMonth(day)


def within_months_after(start, day, months: int = BOUGHT_WITHIN_MONTHS) -> Q:
    """`day` falls on `start` or within `months` calendar months after it, in SQL: 29 February
    plus 24 months is 28 February, 15 March is followed by 15 March two years on (730 or 731
    days, whatever lies between)."""
    start_month, day_month = _month_number(start), _month_number(day)
    return Q(GreaterThanOrEqual(day, start)) & (
        Q(LessThan(day_month, start_month + months))
        | (
            Q(Exact(day_month, start_month + months))
            & Q(LessThanOrEqual(ExtractDay(day), ExtractDay(start)))
        )
    )


# Dates of a lead's hand-over and of its rejection, in the company's time zone.
HANDED_ON = TruncDate("handed_over_at", output_field=DateField())


REJECTED_ON = TruncDate("fb__created_at", output_field=DateField())


BOUGHT_ON = F("outcome__occurred_on")


REJECTED_BOUGHT = Q(
    fb__decision=LeadFeedback.Decision.REJECTED, outcome__result=Outcome.Result.BOUGHT
) & within_months_after(REJECTED_ON, BOUGHT_ON)


BOUGHT_LATER = Q(outcome__result=Outcome.Result.BOUGHT) & within_months_after(HANDED_ON, BOUGHT_ON)


def figures_rank():
    """How far a lead got: the check's level, sales accepting it, and its outcome, whichever
    went furthest (0 handed over … 4 customer)."""
    check = Case(
        *(
            When(qualification__level_reached=level, then=Value(rank))
            for level, rank in LEVEL_RANK.items()
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    sales = Case(
        When(fb__decision=LeadFeedback.Decision.ACCEPTED, then=Value(2)),
        default=Value(0),
        output_field=IntegerField(),
    )
    outcome = Case(
        When(outcome__result=Outcome.Result.BOUGHT, then=Value(4)),
        When(
            outcome__result__in=[
                Outcome.Result.OPPORTUNITY,
                Outcome.Result.LOST,
                Outcome.Result.NO_DECISION,
            ],
            then=Value(3),
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    return Greatest(check, sales, outcome, output_field=IntegerField())


CHECK_FIELDS = [
    "lead_id",
    "version_id",
    "stage_reached_id",
    "level_reached",
    "met_bits",
    "missed_bits",
    "checked_at",
]


# The lead's own columns its figures copy.
FIGURE_LEAD_COLUMNS = [
    "definition_id",
    "cycle_id",
    "version_id",
    "rep_id",
    "source",
    "stage_handed_over",
    "handed_over_at",
]


# What a lead without feedback or outcome has in their place.
NO_FEEDBACK_OR_OUTCOME = {
    "feedback_id": None,
    "decision": "",
    "outcome_result": "",
    "outcome_on": None,
    "amount": None,
}


FIGURE_FIELDS = [
    "lead_id",
    *FIGURE_LEAD_COLUMNS,
    "level_reached",
    "met_bits",
    "missed_bits",
    *NO_FEEDBACK_OR_OUTCOME,
    "rank",
    "rejected_then_bought",
    "bought_later",
]


def _fields_read(ladder: list) -> tuple[tuple[str, bool], ...]:
    """The fields a ladder's rules read, each with whether they only ask if it is given (then
    "given or not" decides, not the value: e-mail addresses all differ)."""
    operators: dict[str, set] = {}
    for _, criteria in ladder:
        for criterion in criteria:
            if criterion.rule:
                operators.setdefault(criterion.rule["field"], set()).add(criterion.rule["operator"])
    return tuple((name, ops == {"is_present"}) for name, ops in sorted(operators.items()))


def _leads_lock(ids: list[int]) -> list[Lead]:
    """The leads, read again under a row lock (in id order, so two writers cannot deadlock):
    whoever rewrites a lead's derived rows next sees what this transaction commits."""
    return [
        lead
        for chunk in chunks(ids, 5000)
        for lead in Lead.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
    ]


@transaction.atomic(savepoint=False)
def leads_check(leads: list, *, fresh: bool = False, now=None) -> int:
    """Check leads against the version in force at their hand-over and store the results:
    the stage reached and one bit per criterion (`LeadCheck`), and the lead's figures.

    `fresh` says the leads are new (a hand entry, an import: nothing to replace, no marks,
    no feedback) and may be any objects with a lead's attributes; otherwise only their ids
    are read, and the leads are read again under a lock.
    """
    if not leads:
        return 0
    now = now or timezone.now()
    ids = [lead.pk for lead in leads]
    if not fresh:
        leads = _leads_lock(ids)
    ladders = ladders_for({lead.version_id for lead in leads})
    marks = {} if fresh else marks_of(ids)
    if not fresh:
        for chunk in chunks(ids, 5000):
            LeadCheck.objects.filter(lead_id__in=chunk).delete()
    # A ladder's verdict depends only on the values its rules read (and on marks), so leads
    # with the same values share one evaluation.
    read = {version_id: _fields_read(ladder) for version_id, ladder in ladders.items()}
    verdicts: dict = {}
    cache: dict = {}
    checks, figures = [], []
    # In FIGURE_FIELDS' order, which is built from these same pieces.
    lead_columns = attrgetter(*FIGURE_LEAD_COLUMNS)
    no_feedback = tuple(NO_FEEDBACK_OR_OUTCOME.values())
    for lead in leads:
        ladder = ladders.get(lead.version_id, [])
        lead_marks = (
            {
                criterion.pk: marks[(lead.pk, criterion.pk)]
                for _, criteria in ladder
                for criterion in criteria
                if (lead.pk, criterion.pk) in marks
            }
            if marks
            else None
        )
        key = None
        if not lead_marks:
            fields = read.get(lead.version_id, ())
            key = (
                lead.version_id,
                *(
                    value_missing(getattr(lead, n)) if only_given else getattr(lead, n)
                    for n, only_given in fields
                ),
            )
        verdict = verdicts.get(key) if key else None
        if verdict is None:
            reached, outcomes = ladder_check(ladder, lead_values(lead), lead_marks, cache)
            verdict = (reached, *check_bits(outcomes))
            if key:
                verdicts[key] = verdict
        reached, met, missed = verdict
        level = reached.level if reached else ""
        checks.append(
            (lead.pk, lead.version_id, reached.pk if reached else None, level, met, missed, now)
        )
        if fresh:
            # A new lead has no feedback and no outcome yet: what figures_refresh would
            # compute for it, without reading it back.
            figures.append(
                (
                    lead.pk,
                    *lead_columns(lead),
                    level,
                    met,
                    missed,
                    *no_feedback,
                    LEVEL_RANK.get(level, 0),
                    False,  # rejected, then bought
                    False,  # bought after the hand-over
                )
            )
    rows_write(LeadCheck, CHECK_FIELDS, checks)
    if fresh:
        rows_write(LeadFigures, FIGURE_FIELDS, figures)
        # (definition, cycle, rep) of each new lead: FIGURE_FIELDS positions 1, 2 and 4.
        summaries_refresh({(row[1], row[2], row[4]) for row in figures})
    else:
        figures_refresh(ids)
    return len(checks)


@cache
def _figures_query():
    """Every lead's figures as FIGURE_FIELDS rows, computed in SQL: built once per process
    (resolving its annotations costs more than running it for a lead), filtered per call."""
    return (
        Lead.objects.all()
        .annotate(fb=FilteredRelation("feedback", condition=Q(feedback__cycle=F("cycle"))))
        .annotate(
            level_reached=Coalesce("qualification__level_reached", Value("")),
            met_bits=Coalesce("qualification__met_bits", Value(0)),
            missed_bits=Coalesce("qualification__missed_bits", Value(0)),
            feedback_id=F("fb__pk"),
            decision=Coalesce("fb__decision", Value("")),
            outcome_result=Coalesce("outcome__result", Value("")),
            outcome_on=F("outcome__occurred_on"),
            amount=F("outcome__amount"),
            rank=figures_rank(),
            rejected_then_bought=Case(
                When(REJECTED_BOUGHT, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            bought_later=Case(
                When(BOUGHT_LATER, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        # The lead's own columns keep their names; the rest are the annotations above.
        .values_list("pk", *FIGURE_FIELDS[1:])
        .order_by()
    )


@transaction.atomic(savepoint=False)
def figures_refresh(
    lead_ids: Iterable[int], *, reasons_given: dict[int, list[int]] | None = None
) -> None:
    """Rewrite the figures of these leads from what they are derived from (the lead, its
    check, its feedback in its hand-over cycle, its outcome), computed in SQL.

    `reasons_given` ({feedback id: reason ids}) is what a caller that has just written these
    leads' feedback knows of its reasons, for every feedback of these leads: they are not
    read back."""
    lead_ids = list(lead_ids)
    # Two writers on one lead (its feedback, its outcome) take turns here, and the second
    # reads what the first committed.
    _leads_lock(lead_ids)
    # A few leads shift the sums by what they change; more rebuild the sums of the cells
    # they were in and of those they are in now.
    shift = len(set(lead_ids)) <= SHIFT_MOST
    before = contributions(lead_ids) if shift else None
    if shift and leads_counted(before) != len(set(lead_ids)):
        shift = False  # a lead without figures (an older database): its cell is rebuilt
    cells = set() if shift else cells_of(lead_ids)
    figures_written, rejections_written = [], []
    for ids in chunks(lead_ids, 5000):
        rows = list(_figures_query().filter(pk__in=ids))
        LeadFigures.objects.filter(lead_id__in=ids).delete()
        rows_write(LeadFigures, FIGURE_FIELDS, rows)
        written = _rejection_figures_write(ids, rows, reasons_given)
        cells.update((row[1], row[2], row[4]) for row in rows)
        if shift:
            figures_written += rows
            rejections_written += written
    if shift:
        # What the leads add now, folded from the rows just written.
        after = contributions_fold(
            (dict(zip(FIGURE_FIELDS, row, strict=True)) for row in figures_written),
            rejections_written,
        )
        summaries_shift(before, after)
    else:
        summaries_refresh(cells)


REJECTION_FIGURE_FIELDS = [
    "lead_id",
    "reason_id",
    "definition_id",
    "version_id",
    "rep_id",
    "source",
    "handed_over_at",
    "high",
    "recycled",
]


def _rejection_figures_write(
    lead_ids: list[int], figure_rows: list[tuple], reasons_given: dict[int, list[int]] | None
) -> list[dict]:
    """Rewrite the reasons of these leads' rejections and recycles from their figures
    (FIGURE_FIELDS rows) and the reasons their feedback gave (read, unless `reasons_given`
    holds them); returns the rows written, as dicts with each one's cycle (what
    `contributions_fold` reads)."""
    RejectionFigures.objects.filter(lead_id__in=lead_ids).delete()
    position = {name: i for i, name in enumerate(FIGURE_FIELDS)}
    with_reasons = {
        row[position["feedback_id"]]: row
        for row in figure_rows
        if row[position["decision"]] in NEEDS_REASON
    }
    if not with_reasons:
        return []
    if reasons_given is not None and with_reasons.keys() <= reasons_given.keys():
        links = [
            (feedback_id, reason_id)
            for feedback_id in with_reasons
            for reason_id in reasons_given[feedback_id]
        ]
    else:
        links = LeadFeedback.reasons.through.objects.filter(
            leadfeedback_id__in=with_reasons
        ).values_list("leadfeedback_id", "rejectionreason_id")
    rows = [
        (
            (
                row[position["lead_id"]],
                reason_id,
                row[position["definition_id"]],
                row[position["version_id"]],
                row[position["rep_id"]],
                row[position["source"]],
                row[position["handed_over_at"]],
                row[position["level_reached"]] in HIGH_LEVELS,
                row[position["decision"]] == LeadFeedback.Decision.RECYCLED,
            ),
            row[position["cycle_id"]],
        )
        for feedback_id, reason_id in links
        for row in [with_reasons[feedback_id]]
    ]
    rows_write(RejectionFigures, REJECTION_FIGURE_FIELDS, (written for written, _ in rows))
    return [
        {**dict(zip(REJECTION_FIGURE_FIELDS, written, strict=True)), "cycle_id": cycle}
        for written, cycle in rows
    ]


@transaction.atomic
def figures_rebuild(*, every_lead: bool = False) -> int:
    """Re-run the check and rewrite the figures of the leads that have none (after an
    upgrade), or of every lead; returns how many were checked."""
    leads = Lead.objects.order_by("pk")
    if not every_lead:
        leads = leads.filter(figures__isnull=True)
    checked = 0
    for ids in chunks(list(leads.values_list("pk", flat=True)), 5000):
        checked += leads_check(list(Lead.objects.filter(pk__in=ids).only("pk")))
    return checked


def rejection_days_rebuild(*, definition_ids: Iterable[int] | None = None) -> int:
    """Recount the rejection tallies from the feedback (after an upgrade, or when a reason
    changes kind, which changes what every feedback citing it counts); returns the days."""
    feedback = LeadFeedback.objects.filter(decision__in=NEEDS_REASON)
    tallies = RejectionDay.objects.all()
    if definition_ids is not None:
        definition_ids = list(definition_ids)
        feedback = feedback.filter(lead__definition_id__in=definition_ids)
        tallies = tallies.filter(definition_id__in=definition_ids)
    unwritten = LeadFeedback.reasons.through.objects.filter(
        leadfeedback_id=OuterRef("pk"), rejectionreason__kind=RejectionReason.Kind.UNWRITTEN
    )
    days = (
        feedback.annotate(day=TruncDate("created_at"), definition_id=F("lead__definition_id"))
        .values("definition_id", "day")
        .annotate(rejections=Count("pk"), unwritten=Count("pk", filter=Q(Exists(unwritten))))
        .order_by()
    )
    tallies.delete()
    rows = [RejectionDay(**row) for row in days]
    RejectionDay.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
