"""Every write of the feedback app: cycles, leads, checks, feedback, outcomes, imports."""

import bisect
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from operator import attrgetter, call, itemgetter

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
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
from django.db.models.expressions import RawSQL
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
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.decorators import permission_require
from accounts.models import Department, User
from definitions.models import Definition, Version, VersionCriterion
from definitions.rules import EVIDENCE_LEVELS, value_missing
from definitions.selectors import version_in_force
from feedback import csv_io
from feedback.checks import Mark, check_bits, ladder_check, ladders_for, lead_values
from feedback.models import (
    BOUGHT_WITHIN_MONTHS,
    HIGH_LEVELS,
    CheckResult,
    CriterionResult,
    Lead,
    LeadCheck,
    LeadFeedback,
    LeadFigures,
    LeadImport,
    Outcome,
    RejectionDay,
    RejectionFigures,
    RejectionReason,
    ReviewCadence,
    ReviewCycle,
    Suggestion,
)

BATCH = 2000
Progress = Callable[[int, int], None]


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- cycles --------------------------------------------------------------------------------


@transaction.atomic
def cadence_set(*, definition: Definition, cycle_days: int, by: User) -> ReviewCadence:
    """Set how many days a definition's review cycles last."""
    permission_require(by, "feedback.facilitate", action="set the review cadence")
    cadence = ReviewCadence.objects.filter(definition=definition).first() or ReviewCadence(
        definition=definition
    )
    cadence.cycle_days = cycle_days
    cadence.full_clean()
    cadence._change_reason = f"Cycles last {cycle_days} days"
    cadence.save()
    return cadence


def cycle_days_for(definition: Definition) -> int:
    cadence = ReviewCadence.objects.filter(definition=definition).first()
    return cadence.cycle_days if cadence else 14


@transaction.atomic
def cycle_open(
    *,
    definition: Definition,
    by: User,
    starts_at: datetime | None = None,
    days: int | None = None,
    meeting_id: int | None = None,
) -> ReviewCycle:
    """Open a review cycle tied to the version in force when it starts."""
    permission_require(by, "feedback.facilitate", action="open a review cycle")
    # Lock the definition so two facilitators cannot open overlapping cycles at once.
    definition = Definition.objects.select_for_update().get(pk=definition.pk)
    starts_at = starts_at or timezone.now()
    ends_at = starts_at + timedelta(days=days or cycle_days_for(definition))
    if (
        meeting_id is not None
        and not review_meetings(by, definition).filter(pk=meeting_id).exists()
    ):
        raise ValidationError({"meeting": "Choose a review meeting of this definition."})
    version = version_in_force(definition, starts_at)
    if version is None:
        raise ValidationError(
            {"starts_at": f"No version of “{definition}” was in force then; publish one first."}
        )
    overlapping = ReviewCycle.objects.for_definition(definition).filter(
        starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if overlapping.exists():
        raise ValidationError(
            {
                "starts_at": f"This would overlap the cycle {overlapping.first()}; "
                "cycles do not overlap."
            }
        )
    cycle = ReviewCycle(
        definition=definition,
        version=version,
        starts_at=starts_at,
        ends_at=ends_at,
        opened_by=by,
        meeting_id=meeting_id,
    )
    cycle.full_clean()
    cycle._change_reason = "Opened"
    cycle.save()
    return cycle


def review_meetings(user: User, definition: Definition | None = None):
    """The review meetings a cycle can be tied to (read through the meetings app)."""
    from meetings.selectors import meetings_for_list

    meetings = meetings_for_list(user).filter(kind="review")
    return meetings.filter(definition=definition) if definition is not None else meetings


# --- versions at hand-over -----------------------------------------------------------------


class VersionClock:
    """The version in force at any moment, for many moments, from one query."""

    def __init__(self, definition: Definition, fallback: Version):
        versions = list(Version.objects.for_definition(definition).order_by("published_at"))
        self._times = [v.published_at for v in versions]
        self._versions = versions
        self._fallback = fallback

    def at(self, moment: datetime) -> Version:
        # A lead handed over before any version existed is judged by its cycle's version.
        index = bisect.bisect_right(self._times, moment) - 1
        return self._versions[index] if index >= 0 else self._fallback


# --- leads by form -------------------------------------------------------------------------

LEAD_FORM_FIELDS = [
    "crm_reference",
    "company",
    "contact_name",
    "email",
    "phone",
    "title",
    "seniority",
    "industry",
    "company_size",
    "region",
    "source",
    "permission_to_follow_up",
    "asked_for_information",
    "need_evidence",
    "need_note",
    "budget_evidence",
    "budget_note",
    "authority_evidence",
    "authority_note",
    "stage_handed_over",
    "handed_over_at",
]


def _rep_check(rep: User) -> None:
    if rep.department != Department.SALES or not rep.is_active:
        raise ValidationError({"rep": f"{rep} is not an active sales rep."})


@transaction.atomic
def lead_create(*, cycle: ReviewCycle, rep: User, by: User, **fields) -> Lead:
    """Enter one lead by hand; it is checked at once."""
    permission_require(by, "feedback.facilitate", action="enter leads")
    _rep_check(rep)
    unknown = set(fields) - set(LEAD_FORM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown lead fields: {', '.join(sorted(unknown))}")
    fields.setdefault("handed_over_at", timezone.now())
    if not fields.get("seniority") and fields.get("title"):
        fields["seniority"] = csv_io.seniority_from_title(fields["title"])
    lead = Lead(definition=cycle.definition, cycle=cycle, rep=rep, **fields)
    lead.version = VersionClock(cycle.definition, cycle.version).at(lead.handed_over_at)
    taken = {"crm_reference": f"A lead with CRM reference “{lead.crm_reference}” already exists."}
    if Lead.objects.filter(definition=cycle.definition, crm_reference=lead.crm_reference).exists():
        raise ValidationError(taken)
    lead.full_clean()
    lead._change_reason = "Entered by hand"
    try:
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        raise ValidationError(taken) from None
    leads_check([lead], fresh=True)
    return lead


@transaction.atomic
def lead_update(*, lead: Lead, by: User, **fields) -> Lead:
    permission_require(by, "feedback.facilitate", action="change leads")
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    for name, value in fields.items():
        if name not in LEAD_FORM_FIELDS and name != "rep":
            raise TypeError(f"Unknown lead field: {name}")
        setattr(lead, name, value)
    if "rep" in fields:
        _rep_check(lead.rep)
    lead.version = VersionClock(lead.definition, lead.cycle.version).at(lead.handed_over_at)
    lead.full_clean()
    lead._change_reason = "Changed by hand"
    lead.save()
    leads_check([lead])
    return lead


# --- the qualification check ---------------------------------------------------------------


def _rows_write(model, fields: list[str], rows: Iterable[tuple]) -> None:
    """Insert plain rows of derived data (no history, no signals): COPY on PostgreSQL,
    batched bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        columns = [model._meta.get_field(name).column for name in fields]
        with (
            connection.cursor() as cursor,
            _copy_binary(cursor, model._meta.db_table, columns) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    batch = []
    for row in rows:
        batch.append(model(**dict(zip(fields, row, strict=True))))
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            batch = []
    model.objects.bulk_create(batch)


# How far the check's level alone takes a lead in the funnel (0: handed over).
LEVEL_RANK = {"lead": 1, "accepted": 2, "opportunity": 3, "customer": 4}


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

REJECTED_BOUGHT = Q(fb__decision="rejected", outcome__result="bought") & within_months_after(
    REJECTED_ON, BOUGHT_ON
)
BOUGHT_LATER = Q(outcome__result="bought") & within_months_after(HANDED_ON, BOUGHT_ON)


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
        When(fb__decision="accepted", then=Value(2)), default=Value(0), output_field=IntegerField()
    )
    outcome = Case(
        When(outcome__result="bought", then=Value(4)),
        When(outcome__result__in=["opportunity", "lost", "no_decision"], then=Value(3)),
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


def marks_of(lead_ids: list[int]) -> dict[tuple[int, int], Mark]:
    """{(lead id, criterion id): the person's mark} for criteria without a rule."""
    marks = {}
    for ids in _chunks(lead_ids, 5000):
        for row in CriterionResult.objects.filter(lead_id__in=ids).values(
            "lead_id", "criterion_id", "result", "evidence_seen", "marked_by_id", "marked_at"
        ):
            marks[(row["lead_id"], row["criterion_id"])] = Mark(
                row["result"], row["evidence_seen"], row["marked_by_id"], row["marked_at"]
            )
    return marks


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
        for chunk in _chunks(ids, 5000)
        for lead in Lead.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
    ]


@transaction.atomic
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
        for chunk in _chunks(ids, 5000):
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
    _rows_write(LeadCheck, CHECK_FIELDS, checks)
    if fresh:
        _rows_write(LeadFigures, FIGURE_FIELDS, figures)
    else:
        figures_refresh(ids)
    return len(checks)


@transaction.atomic
def figures_refresh(lead_ids: Iterable[int]) -> None:
    """Rewrite the figures of these leads from what they are derived from (the lead, its
    check, its feedback in its hand-over cycle, its outcome), computed in SQL."""
    lead_ids = list(lead_ids)
    # Two writers on one lead (its feedback, its outcome) take turns here, and the second
    # reads what the first committed.
    _leads_lock(lead_ids)
    for ids in _chunks(lead_ids, 5000):
        rows = list(
            Lead.objects.filter(pk__in=ids)
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
        LeadFigures.objects.filter(lead_id__in=ids).delete()
        _rows_write(LeadFigures, FIGURE_FIELDS, rows)
        _rejection_figures_write(ids, rows)


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


def _rejection_figures_write(lead_ids: list[int], figure_rows: list[tuple]) -> None:
    """Rewrite the reasons of these leads' rejections and recycles from their figures
    (FIGURE_FIELDS rows) and the reasons their feedback gave."""
    RejectionFigures.objects.filter(lead_id__in=lead_ids).delete()
    position = {name: i for i, name in enumerate(FIGURE_FIELDS)}
    with_reasons = {
        row[position["feedback_id"]]: row
        for row in figure_rows
        if row[position["decision"]] in NEEDS_REASON
    }
    if not with_reasons:
        return
    links = LeadFeedback.reasons.through.objects.filter(
        leadfeedback_id__in=with_reasons
    ).values_list("leadfeedback_id", "rejectionreason_id")
    _rows_write(
        RejectionFigures,
        REJECTION_FIGURE_FIELDS,
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
            )
            for feedback_id, reason_id in links
            for row in [with_reasons[feedback_id]]
        ),
    )


@transaction.atomic
def figures_rebuild(*, every_lead: bool = False) -> int:
    """Re-run the check and rewrite the figures of the leads that have none (after an
    upgrade), or of every lead; returns how many were checked."""
    leads = Lead.objects.order_by("pk")
    if not every_lead:
        leads = leads.filter(figures__isnull=True)
    checked = 0
    for ids in _chunks(list(leads.values_list("pk", flat=True)), 5000):
        checked += leads_check(list(Lead.objects.filter(pk__in=ids).only("pk")))
    return checked


@transaction.atomic
def cycle_recheck(*, cycle: ReviewCycle, by: User) -> int:
    """Re-run the check for every lead of a cycle; returns how many were checked."""
    permission_require(by, "feedback.facilitate", action="re-run the check")
    return leads_check(list(Lead.objects.in_cycle(cycle).order_by("pk").only("pk")))


def criterion_markable_by(user: User, lead: Lead) -> bool:
    return user.has_perm("feedback.facilitate") or lead.rep_id == user.pk


@transaction.atomic
def criterion_mark(
    *, lead: Lead, criterion: VersionCriterion, result: str, evidence: str, by: User
) -> CriterionResult:
    """A person checks a criterion that has no rule. Met needs the criterion's evidence."""
    if not criterion_markable_by(by, lead):
        raise PermissionDenied("Only the lead's rep or a facilitator can check its criteria.")
    if criterion.rule:
        raise ValidationError("This criterion has a rule; the check decides it.")
    if criterion.stage.version_id != lead.version_id:
        raise ValidationError("This criterion is not in the version the lead is checked against.")
    if result not in CheckResult.values:
        raise ValidationError({"result": "Choose met, missed or unknown."})
    if evidence not in EVIDENCE_LEVELS:
        raise ValidationError({"evidence": "Choose the evidence seen."})
    if result == CheckResult.MET and EVIDENCE_LEVELS.index(evidence) < EVIDENCE_LEVELS.index(
        criterion.evidence
    ):
        raise ValidationError(
            {
                "evidence": f"This criterion needs evidence that is at least "
                f"{criterion.get_evidence_display().lower()}; with less it is not met."
            }
        )
    row, _ = CriterionResult.objects.update_or_create(
        lead=lead,
        criterion=criterion,
        defaults={
            "result": result,
            "evidence_seen": evidence if result != CheckResult.UNKNOWN else "",
            "marked_by": by,
            "marked_at": timezone.now(),
        },
    )
    leads_check([lead])
    return row


# --- feedback ------------------------------------------------------------------------------

NEEDS_REASON = {LeadFeedback.Decision.REJECTED, LeadFeedback.Decision.RECYCLED}


def cycle_require_started(cycle: ReviewCycle, now: datetime) -> None:
    """Feedback on a cycle's leads opens when the cycle starts."""
    if cycle.is_upcoming(now):
        start = timezone.localtime(cycle.starts_at)
        raise ValidationError(
            f"This review cycle has not started yet: feedback opens on {start:%a %-d %b, %H:%M}."
        )


def _rejection_mark(decision: str, reasons: Iterable[RejectionReason]) -> tuple[int, int]:
    """What one feedback counts in its day's tally: (a rejection?, citing an unwritten reason?)."""
    if decision not in NEEDS_REASON:
        return 0, 0
    return 1, int(any(r.kind == RejectionReason.Kind.UNWRITTEN for r in reasons))


def _rejection_day_add(*, definition_id: int, day: date, rejections: int, unwritten: int) -> None:
    """Add to a definition's tally of one day (an atomic increment; the first writer of a day
    inserts its row, and one that loses that race adds to the winner's)."""
    if not (rejections or unwritten):
        return
    tally = RejectionDay.objects.filter(definition_id=definition_id, day=day)
    change = {"rejections": F("rejections") + rejections, "unwritten": F("unwritten") + unwritten}
    if tally.update(**change):
        return
    try:
        with transaction.atomic():
            RejectionDay.objects.create(
                definition_id=definition_id, day=day, rejections=rejections, unwritten=unwritten
            )
    except IntegrityError:
        tally.update(**change)


def rejection_days_missing() -> bool:
    """Rejections were given but no tally counts them (the database predates the tallies)."""
    return (
        not RejectionDay.objects.exists()
        and LeadFeedback.objects.filter(decision__in=NEEDS_REASON).exists()
    )


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


@transaction.atomic
def feedback_record(
    *,
    lead: Lead,
    rep: User,
    agrees_with_stage: bool,
    decision: str,
    reasons: Iterable[RejectionReason] = (),
    wanted_to_know: str = "",
    comment: str = "",
    keep_text: bool = False,
    now: datetime | None = None,
) -> LeadFeedback:
    """The rep's verdict on a lead, for the cycle it was handed over in (one per cycle).

    `now` dates it (the day of a rejection is when "rejected, then bought" starts counting).
    """
    if lead.rep_id != rep.pk:
        raise PermissionDenied("Only the rep the lead was handed to can give feedback on it.")
    now = now or timezone.now()
    cycle_require_started(lead.cycle, now)
    reasons = list(reasons)
    if decision in NEEDS_REASON and not reasons:
        raise ValidationError(
            {"reasons": "Give at least one reason when a lead is rejected or recycled."}
        )
    inactive = [r.label for r in reasons if not r.active]
    if inactive:
        raise ValidationError({"reasons": f"“{inactive[0]}” is no longer in the catalogue."})
    feedback = (
        LeadFeedback.objects.select_for_update().filter(lead=lead, cycle_id=lead.cycle_id).first()
    )
    created = feedback is None
    if created:
        feedback = LeadFeedback(lead=lead, cycle_id=lead.cycle_id, created_at=now)
        counted = (0, 0)
    else:
        counted = _rejection_mark(feedback.decision, feedback.reasons.all())
    # Always the version in force at the lead's hand-over, even if a re-import moved it.
    feedback.version_id = lead.version_id
    feedback.rep = rep
    feedback.agrees_with_stage = agrees_with_stage
    feedback.decision = decision
    if not keep_text:
        feedback.wanted_to_know = wanted_to_know.strip()
        feedback.comment = comment.strip()
    feedback.updated_at = now
    # The keys come from the lead and the rep this service was handed, so checking that they
    # exist would cost a query each on every save; the database still enforces them.
    feedback.full_clean(
        exclude=["lead", "cycle", "version", "rep"], validate_constraints=not created
    )
    feedback._change_reason = "Given" if created else "Changed"
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError:
        # Someone (the same rep in another tab) saved first: this save becomes a change.
        existing = LeadFeedback.objects.select_for_update().get(lead=lead, cycle_id=lead.cycle_id)
        counted = _rejection_mark(existing.decision, existing.reasons.all())
        feedback.pk, feedback.created_at = existing.pk, existing.created_at
        feedback._state.adding = False
        feedback.save()
    feedback.reasons.set(reasons if decision in NEEDS_REASON else [])
    # The health warning's tally: this feedback's day gains what it counts now, less what it
    # counted before the change.
    counts = _rejection_mark(decision, reasons)
    _rejection_day_add(
        definition_id=lead.definition_id,
        day=timezone.localdate(feedback.created_at),
        rejections=counts[0] - counted[0],
        unwritten=counts[1] - counted[1],
    )
    figures_refresh([lead.pk])
    return feedback


@transaction.atomic
def feedback_bulk(
    *,
    cycle: ReviewCycle,
    rep: User,
    lead_ids: Iterable[int],
    decision: str,
    reasons: Iterable[RejectionReason] = (),
) -> int:
    """Accept (or reject with a reason) several of the rep's leads at once."""
    cycle_require_started(cycle, timezone.now())
    lead_ids = {int(pk) for pk in lead_ids}
    if not lead_ids:
        raise ValidationError({"leads": "Select at least one lead."})
    reasons = list(reasons)
    if decision in NEEDS_REASON and not reasons:
        raise ValidationError(
            {"reasons": "A bulk reject or recycle still needs at least one reason."}
        )
    leads = list(Lead.objects.in_cycle(cycle).handed_to(rep).filter(pk__in=lead_ids))
    if len(leads) != len(lead_ids):
        raise PermissionDenied("Some of the selected leads were not handed to you in this cycle.")
    for lead in leads:
        feedback_record(
            lead=lead,
            rep=rep,
            agrees_with_stage=decision == LeadFeedback.Decision.ACCEPTED,
            decision=decision,
            reasons=reasons,
            keep_text=True,
        )
    return len(leads)


@transaction.atomic
def suggestion_add(*, cycle: ReviewCycle, author: User, kind: str, text: str) -> Suggestion:
    """A rep's stop / start / continue for a cycle (anyone in sales, or handed its leads)."""
    if author.department != Department.SALES and not (
        Lead.objects.in_cycle(cycle).handed_to(author).exists()
    ):
        raise PermissionDenied("Stop, start, continue suggestions come from the sales reps.")
    suggestion = Suggestion(cycle=cycle, author=author, kind=kind, text=text.strip())
    suggestion.full_clean()
    suggestion._change_reason = "Suggested"
    suggestion.save()
    return suggestion


# --- the reason catalogue ------------------------------------------------------------------


@transaction.atomic
def reason_save(
    *,
    by: User,
    label: str,
    criterion_key: str = "",
    active: bool = True,
    reason: RejectionReason | None = None,
) -> RejectionReason:
    """Add a reason to the catalogue, or change one. Blank criterion = unwritten."""
    permission_require(by, "feedback.facilitate", action="keep the reason catalogue")
    reason = reason or RejectionReason(
        position=(RejectionReason.objects.count() + 1),
    )
    reason.label = label.strip()
    reason.criterion_key = criterion_key.strip()
    reason.kind = (
        RejectionReason.Kind.CRITERION if reason.criterion_key else RejectionReason.Kind.UNWRITTEN
    )
    reason.active = active
    reason.full_clean()
    kind_changed = not reason._state.adding and (
        RejectionReason.objects.filter(pk=reason.pk).exclude(kind=reason.kind).exists()
    )
    reason._change_reason = "Added" if reason._state.adding else "Changed"
    reason.save()
    if kind_changed:
        # Every rejection that cites it now counts differently in the health warning.
        rejection_days_rebuild(
            definition_ids=Lead.objects.filter(feedback__reasons=reason)
            .values_list("definition_id", flat=True)
            .distinct()
        )
    return reason


# --- outcomes ------------------------------------------------------------------------------


@transaction.atomic
def outcome_record(
    *, lead: Lead, result: str, occurred_on: date, amount: Decimal | None, by: User
) -> Outcome:
    """What later became of a lead (one current outcome per lead; history keeps the rest)."""
    if not (by.has_perm("feedback.facilitate") or lead.rep_id == by.pk):
        raise PermissionDenied("Only the lead's rep or a facilitator can record its outcome.")
    outcome = Outcome.objects.select_for_update().filter(lead=lead).first() or Outcome(lead=lead)
    outcome.result, outcome.occurred_on, outcome.amount = result, occurred_on, amount
    outcome.recorded_by = by
    outcome.full_clean()
    outcome._change_reason = "Recorded" if outcome._state.adding else "Changed"
    outcome.save()
    figures_refresh([lead.pk])
    return outcome


# --- imports -------------------------------------------------------------------------------


@dataclass
class ImportReport:
    row_count: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    # How the date and number columns were read (csv_io.Reading), for the dry run.
    readings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, line: int | None, column: str | None, message: str, *, group: str = "") -> None:
        """A problem; those with the same `group` (an unknown owner, say) are listed once."""
        message = message.replace("\x00", "\\0")  # never stored: PostgreSQL refuses it
        error = {"line": line, "field": column or "", "message": message}
        if group:
            error["group"] = group
        self.errors.append(error)

    def problems(self, limit: int = 1000) -> list[dict]:
        """The problems with those of a kind grouped: one entry per unknown owner (with its
        row count) and per repeated message, in the order of their first line, so that a
        rare problem stays visible beside a frequent one."""
        groups: dict[tuple, dict] = {}
        for error in self.errors:
            key = (
                ("group", error["group"])
                if "group" in error
                else (
                    error["field"],
                    error["message"],
                )
            )
            entry = groups.get(key)
            if entry is None:
                entry = groups[key] = {**error, "count": 0, "lines": []}
                entry.pop("group", None)
            entry["count"] += 1
            if error["line"] is not None and len(entry["lines"]) < 5:
                entry["lines"].append(error["line"])
        for (kind, name), entry in groups.items():
            if kind == "group" and name.startswith("owner:"):
                owner, count = name.removeprefix("owner:"), entry["count"]
                entry["message"] = (
                    f"“{owner}”: {count:,} row{'s' * (count != 1)}, no active sales rep of "
                    "that name; choose a fallback rep (or add the rep) and run it again."
                )
        return list(groups.values())[:limit]


class ImportFailed(Exception):
    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.errors)} row errors")
        self.report = report


CHAR_LIMITS = {
    f.name: f.max_length
    for f in Lead._meta.get_fields()
    if getattr(f, "max_length", None) and f.get_internal_type() == "CharField"
}

CELL_PARSERS = {
    "email": csv_io.parse_email,
    "seniority": csv_io.parse_seniority,
    "source": csv_io.parse_source,
    "permission_to_follow_up": csv_io.parse_bool,
    "opted_out": csv_io.parse_bool,
    "asked_for_information": csv_io.parse_bool,
    "need_evidence": csv_io.parse_evidence,
    "budget_evidence": csv_io.parse_evidence,
    "authority_evidence": csv_io.parse_evidence,
}


def _cell_parser(target: str, column: str, readings: dict, choices: dict):
    """The parser of one mapped column, reading dates, numbers and stages as decided."""
    reading = readings.get(column)
    if target == "handed_over_at":
        return csv_io.datetime_reader(reading.dates if reading else "ymd")
    if target == "occurred_on":
        return csv_io.date_reader(reading.dates if reading else "ymd")
    if target == "company_size":
        return csv_io.size_reader(reading.decimal if reading else ".")
    if target == "amount":
        return csv_io.amount_reader(reading.decimal if reading else ".")
    if target == "stage_handed_over":
        return csv_io.stage_reader(choices.get("stages"))
    if target == "crm_reference" and choices.get("salesforce_ids"):
        return lambda text: csv_io.salesforce_id18(text.strip())
    if target in CELL_PARSERS:
        return CELL_PARSERS[target]
    return str.strip if target in csv_io.MULTILINE else csv_io.parse_line


def import_choices(crm: str = "", chosen: dict | None = None) -> dict:
    """The reading choices of an import: the page's (dates, decimal sign, stages) and what
    the recognised CRM format implies."""
    choices = dict(chosen or {})
    crm_format = csv_io.CRM_BY_KEY.get(crm)
    choices["crm"] = crm
    choices["salesforce_ids"] = bool(crm_format and crm_format.salesforce_ids)
    return choices


def sales_reps_by_key() -> dict[str, User]:
    """Active sales reps by lower-case e-mail and by folded full name (unambiguous only)."""
    reps: dict[str, User] = {}
    ambiguous = set()
    for rep in User.objects.active().in_department(Department.SALES):
        reps[rep.email.lower()] = rep
        name = rep.full_name.casefold().strip()
        if name in reps:
            ambiguous.add(name)
        reps[name] = rep
    for name in ambiguous:
        reps.pop(name, None)
    return reps


def _row_cells(table: csv_io.Table, line: int, cells: list[str], report: ImportReport):
    width = len(table.header)
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        report.error(line, None, f"The row has {len(cells)} cells; the header has {width}.")
        return None
    return cells[:width] + [""] * (width - len(cells))


# Columns whose cells repeat across a file, so their parsed values are remembered.
REPEATING = {
    "owner",
    "title",
    "seniority",
    "industry",
    "company_size",
    "region",
    "source",
    "permission_to_follow_up",
    "opted_out",
    "asked_for_information",
    "need_evidence",
    "budget_evidence",
    "authority_evidence",
    "stage_handed_over",
    "handed_over_at",
}


REQUIRED_CELLS = {
    "crm_reference": "The CRM reference is missing.",
    "company": "The company is missing.",
}


def _readings_decide(table, mapping: dict, choices: dict, report: ImportReport):
    """How each mapped column is read (date order, decimal sign), onto the report; returns
    the readings and the mapping without the columns that cannot be read at all."""
    readings, problems = csv_io.readings_decide(
        table, mapping, crm=choices.get("crm", ""), chosen=choices
    )
    report.readings = list(readings.values())
    for line, column, message in problems:
        report.error(line, column, message)
    unread = {column for line, column, _ in problems if line is None}
    return readings, {column: target for column, target in mapping.items() if column not in unread}


def lead_rows_parse(
    table: csv_io.Table,
    mapping: dict[str, str],
    *,
    fallback_rep: User | None,
    report: ImportReport,
    readings: dict | None = None,
    choices: dict | None = None,
) -> list[tuple[int, dict]]:
    """Each row as lead field values, or errors naming its line and column."""
    readings, choices = readings or {}, choices or {}
    columns = [
        (
            table.header.index(column),
            column,
            target,
            csv_io.cell_reader(
                _cell_parser(target, column, readings, choices),
                limit=CHAR_LIMITS.get(target),
                memoise=target in REPEATING,
            ),
        )
        for column, target in mapping.items()
        if target and column in table.header
    ]
    column_of = {target: column for _, column, target, _ in columns}
    targets = [target for _, _, target, _ in columns]
    readers = [read for _, _, _, read in columns]
    indexes = [index for index, _, _, _ in columns]
    pick = itemgetter(*indexes) if len(indexes) > 1 else lambda cells: [cells[indexes[0]]]
    reps = sales_reps_by_key()
    owners: dict[str, int | None] = {}
    width = len(table.header)
    seen: dict[str, int] = {}
    parsed = []
    for line, raw_cells in table.rows:
        cells = raw_cells if len(raw_cells) == width else _row_cells(table, line, raw_cells, report)
        if cells is None:
            continue
        before = len(report.errors)
        try:
            if table.sparse:
                raise csv_io.CellError  # cell by cell: a row may leave some out
            values = dict(zip(targets, map(call, readers, pick(cells)), strict=True))
        except csv_io.CellError:
            # Again cell by cell, to name every bad one.
            values = {}
            for index, column, target, read in columns:
                if cells[index] is None:
                    continue  # not given: the lead keeps what it has
                try:
                    values[target] = read(cells[index])
                except csv_io.CellError as error:
                    report.error(line, column, str(error))
        if table.sparse and len(report.errors) == before:
            for target, message in REQUIRED_CELLS.items():
                if target in column_of and target not in values:
                    report.error(line, column_of[target], message)
        reference = values.get("crm_reference", "")
        if "crm_reference" in values and not reference:
            report.error(line, column_of["crm_reference"], "The CRM reference is missing.")
        elif reference in seen:
            report.error(
                line,
                column_of["crm_reference"],
                f"“{reference}” is already on {table.place(seen[reference])}; each lead once "
                f"per {'file' if table.unit == 'line' else 'request'}.",
            )
        elif reference:
            seen[reference] = line
        if "company" in values and not values["company"]:
            report.error(line, column_of["company"], "The company is missing.")
        if "owner" in values:
            owner = values.pop("owner")
            if owner in owners:
                rep_id = owners[owner]
            else:
                rep = (reps.get(owner.lower()) or reps.get(owner.casefold())) if owner else None
                # Leads whose owner is not a known rep (e.g. a Salesforce OwnerId) go to
                # the fallback rep when the facilitator named one.
                rep = rep or fallback_rep
                rep_id = owners[owner] = rep.pk if rep else None
            if rep_id is None and owner:
                report.error(
                    line,
                    column_of["owner"],
                    f"No active sales rep is “{owner}”.",
                    group=f"owner:{owner}",
                )
            elif rep_id is None:
                report.error(line, column_of["owner"], "The owner is missing.")
            values["rep_id"] = rep_id
        elif fallback_rep is not None and not table.sparse:
            values["rep_id"] = fallback_rep.pk
        if "first_name" in values or "last_name" in values:
            name = f"{values.pop('first_name', '')} {values.pop('last_name', '')}".strip()
            values.setdefault("contact_name", name[: CHAR_LIMITS["contact_name"]])
        if "opted_out" in values:
            opted_out = values.pop("opted_out")
            values.setdefault(
                "permission_to_follow_up", None if opted_out is None else not opted_out
            )
        if "title" in values and not values.get("seniority"):
            values["seniority"] = csv_io.seniority_from_title(values["title"])
        if "handed_over_at" in values and values["handed_over_at"] is None:
            del values["handed_over_at"]
        if len(report.errors) == before:
            parsed.append((line, values))
    return parsed


def _existing_leads(definition: Definition, references: list[str]) -> dict[str, Lead]:
    existing = {}
    for refs in _chunks(references, 5000):
        for lead in Lead.objects.filter(definition=definition, crm_reference__in=refs):
            existing[lead.crm_reference] = lead
    return existing


def _existing_lead_values(
    definition: Definition, references: list[str], fields: Iterable[str]
) -> dict[str, dict]:
    """The stored values of the named fields (and the pk) of the leads with these
    references: enough to tell which rows change something, without model instances."""
    names = ["pk", "crm_reference", *sorted(set(fields) - {"crm_reference"})]
    leads = Lead.objects.filter(definition=definition).order_by()
    existing = {}
    for refs in _chunks(references, 100_000 if connection.vendor == "postgresql" else 5000):
        if connection.vendor == "postgresql":
            # One array parameter rather than a placeholder per reference.
            found = leads.filter(
                RawSQL("crm_reference = ANY(%s)", [refs], output_field=BooleanField())
            )
        else:
            found = leads.filter(crm_reference__in=refs)
        for row in found.values(*names):
            existing[row["crm_reference"]] = row
    return existing


class ImportedLead:
    """A lead just written with COPY: its row's columns as attributes (with `pk`), which is
    all the qualification check reads; cheaper than a model instance per lead."""

    def __init__(self, row: dict):
        self.__dict__ = row


@contextmanager
def _copy_binary(cursor, table: str, columns: list[str]):
    """A binary COPY into these columns, typed as the table's columns are (binary rows are
    formatted and parsed faster than text ones)."""
    quote = connection.ops.quote_name
    names, table = ", ".join(quote(column) for column in columns), quote(table)
    cursor.execute(f"SELECT {names} FROM {table} LIMIT 0")
    types = [column.type_code for column in cursor.description]
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        yield copy


def _leads_copy(rows: list[dict], *, progress: Progress | None, total: int) -> list[ImportedLead]:
    """Write new leads and their history rows with COPY (PostgreSQL).

    Each row holds every column of the lead and of its history row but the ids; the
    leads' ids are taken from their sequence first, in one query.
    """
    if not rows:
        return []
    history_model = Lead.history.model
    lead_fields = Lead._meta.concrete_fields
    history_fields = [f for f in history_model._meta.concrete_fields if not f.primary_key]
    lead_values = itemgetter(*(f.attname for f in lead_fields))
    history_values = itemgetter(*(f.attname for f in history_fields))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) ORDER BY 1",
            [Lead._meta.db_table, Lead._meta.pk.column, len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row["id"] = row["pk"] = pk
        # One COPY per table, so the database works while Python formats the next rows.
        columns = [f.column for f in lead_fields]
        with _copy_binary(cursor, Lead._meta.db_table, columns) as copy:
            for row in rows:
                copy.write_row(lead_values(row))
        columns = [f.column for f in history_fields]
        with _copy_binary(cursor, history_model._meta.db_table, columns) as copy:
            for done, row in enumerate(rows, start=1):
                copy.write_row(history_values(row))
                # A lead counts as written once its history row is.
                if progress and (done % BATCH == 0 or done == len(rows)):
                    progress(done, total)
    return [ImportedLead(row) for row in rows]


@transaction.atomic
def leads_import(
    *,
    table: csv_io.Table,
    mapping: dict[str, str],
    cycle: ReviewCycle,
    by: User,
    fallback_rep: User | None = None,
    dry_run: bool = False,
    source_name: str = "a CSV file",
    progress: Progress | None = None,
    choices: dict | None = None,
) -> ImportReport:
    """Create or update leads by CRM reference, all or nothing.

    `choices` (import_choices) say how to read what the file leaves ambiguous: the order of
    its dates, its decimal sign, the stage each of its status words means.

    A dry run validates every row and counts what would change, writing nothing. The real
    run raises ImportFailed (and so rolls back) when any row is bad. History is written for
    created and changed leads only.
    """
    permission_require(by, "feedback.facilitate", action="import leads")
    if fallback_rep is not None:
        _rep_check(fallback_rep)
    report = ImportReport(row_count=len(table.rows))
    for problem in csv_io.mapping_problems(
        mapping,
        csv_io.LEAD_TARGETS,
        ["crm_reference", "company"] + ([] if fallback_rep else ["owner"]),
        header=table.header,
    ):
        report.error(None, None, problem)
    if report.errors:
        if dry_run:
            return report
        raise ImportFailed(report)
    choices = choices or {}
    readings, readable = _readings_decide(table, mapping, choices, report)
    rows = lead_rows_parse(
        table,
        readable,
        fallback_rep=fallback_rep,
        report=report,
        readings=readings,
        choices=choices,
    )
    definition = cycle.definition
    given: set[str] = set()
    for _, values in rows:
        given.update(values)
    existing = _existing_lead_values(
        definition, [values["crm_reference"] for _, values in rows], given
    )
    clock = VersionClock(definition, cycle.version)
    now = timezone.now()
    reason = f"Imported from {source_name}"
    # A new lead's row: the model's defaults for what the file does not give, and the
    # columns of its history row as bulk_create_with_history would write them.
    defaults = {f.attname: f.get_default() for f in Lead._meta.concrete_fields} | {
        "definition_id": definition.pk,
        "cycle_id": cycle.pk,
        "history_date": now,
        "history_change_reason": reason,
        "history_type": "+",
        "history_user_id": by.pk,
    }
    new, changes = [], {}
    owner_column = next((c for c, t in mapping.items() if t == "owner"), None)
    for line, values in rows:
        stored = existing.get(values["crm_reference"])
        if stored is None and values.get("rep_id") is None:
            # A new lead needs a rep; an existing one keeps its own when the row names none.
            if fallback_rep is None:
                report.error(line, owner_column, "The owner is missing.")
                continue
            values["rep_id"] = fallback_rep.pk
        if stored is None:
            row = defaults | values
            row["handed_over_at"] = values.get("handed_over_at", now)
            row["version_id"] = clock.at(row["handed_over_at"]).pk
            new.append(row)
            continue
        differs = [name for name, value in values.items() if stored[name] != value]
        if differs:
            changes[stored["pk"]] = (values, differs)
    if report.errors:
        if dry_run:
            return report
        raise ImportFailed(report)
    report.created, report.changed = len(new), len(changes)
    report.unchanged = len(rows) - len(new) - len(changes)
    if dry_run:
        return report
    total = len(new) + len(changes)
    if connection.vendor == "postgresql":
        # The same lead and history rows as bulk_create_with_history, written with COPY:
        # the ORM's inserts alone took several times the import's time budget (10x COPY).
        created = _leads_copy(new, progress=progress, total=total)
    else:
        lead_names = {f.attname for f in Lead._meta.concrete_fields} - {"id"}
        created = []
        for batch in _chunks(new):
            leads = [Lead(**{name: row[name] for name in lead_names}) for row in batch]
            created += bulk_create_with_history(
                leads,
                Lead,
                batch_size=BATCH,
                default_user=by,
                default_change_reason=reason,
                default_date=now,
            )
            if progress:
                progress(len(created), total)
    changed, changed_fields = [], set()
    for ids in _chunks(list(changes), 5000):
        for lead in Lead.objects.filter(pk__in=ids).order_by("pk"):
            values, differs = changes[lead.pk]
            for name in differs:
                setattr(lead, name, values[name])
            if "handed_over_at" in differs:
                lead.version = clock.at(lead.handed_over_at)
                differs.append("version")
            changed.append(lead)
            changed_fields.update("rep" if name == "rep_id" else name for name in differs)
    done = len(created)
    for batch in _chunks(changed):
        bulk_update_with_history(
            batch,
            Lead,
            fields=sorted(changed_fields),
            batch_size=BATCH,
            default_user=by,
            default_change_reason=reason,
        )
        done += len(batch)
        if progress:
            progress(done, total)
    leads_check(created, fresh=True, now=now)
    leads_check(changed, now=now)
    return report


def outcome_rows_parse(
    table: csv_io.Table,
    mapping: dict[str, str],
    report: ImportReport,
    readings: dict | None = None,
    choices: dict | None = None,
) -> list[tuple[int, dict]]:
    columns = [(table.header.index(c), c, t) for c, t in mapping.items() if t and c in table.header]
    readings, choices = readings or {}, choices or {}
    parsers = {
        target: csv_io.cell_reader(
            csv_io.parse_outcome
            if target == "result"
            else _cell_parser(target, column, readings, choices)
        )
        for _, column, target in columns
    }
    column_of = {target: column for _, column, target in columns}
    parsed, seen = [], {}
    for line, raw_cells in table.rows:
        cells = _row_cells(table, line, raw_cells, report)
        if cells is None:
            continue
        before, values = len(report.errors), {}
        for index, column, target in columns:
            try:
                values[target] = parsers[target](cells[index])
            except csv_io.CellError as error:
                report.error(line, column, str(error))
        reference = values.get("crm_reference")
        if not reference and "crm_reference" in column_of:
            report.error(line, column_of["crm_reference"], "The CRM reference is missing.")
        elif reference in seen:
            report.error(
                line,
                column_of["crm_reference"],
                f"“{reference}” is already on line {seen[reference]}.",
            )
        elif reference:
            seen[reference] = line
        if "occurred_on" in values and values["occurred_on"] is None:
            report.error(line, column_of["occurred_on"], "The date is missing.")
        if len(report.errors) == before:
            parsed.append((line, values))
    return parsed


@transaction.atomic
def outcomes_import(
    *,
    table: csv_io.Table,
    mapping: dict[str, str],
    definition: Definition,
    by: User,
    dry_run: bool = False,
    source_name: str = "a CSV file",
    choices: dict | None = None,
) -> ImportReport:
    """Create or update outcomes by the lead's CRM reference, all or nothing."""
    permission_require(by, "feedback.facilitate", action="import outcomes")
    report = ImportReport(row_count=len(table.rows))
    for problem in csv_io.mapping_problems(
        mapping,
        csv_io.OUTCOME_TARGETS,
        ["crm_reference", "result", "occurred_on"],
        header=table.header,
    ):
        report.error(None, None, problem)
    rows = []
    if not report.errors:
        choices = choices or {}
        readings, readable = _readings_decide(table, mapping, choices, report)
        rows = outcome_rows_parse(
            table,
            readable,
            report,
            readings,
            choices,
        )
    column_of = {t: c for c, t in mapping.items() if t}
    leads = _existing_leads(definition, [values["crm_reference"] for _, values in rows])
    for line, values in rows:
        if values["crm_reference"] not in leads:
            report.error(
                line,
                column_of["crm_reference"],
                f"No lead has the CRM reference “{values['crm_reference']}”.",
            )
    if report.errors:
        if dry_run:
            return report
        raise ImportFailed(report)
    current = {
        o.lead_id: o
        for ids in _chunks([lead.pk for lead in leads.values()])
        for o in Outcome.objects.filter(lead_id__in=ids)
    }
    new, changed = [], []
    for _, values in rows:
        lead = leads[values["crm_reference"]]
        fields = {
            "result": values["result"],
            "occurred_on": values["occurred_on"],
            "amount": values.get("amount"),
        }
        outcome = current.get(lead.pk)
        if outcome is None:
            new.append(Outcome(lead=lead, recorded_by=by, **fields))
        elif any(getattr(outcome, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(outcome, k, v)
            outcome.recorded_by = by
            changed.append(outcome)
    report.created, report.changed = len(new), len(changed)
    report.unchanged = len(rows) - len(new) - len(changed)
    if dry_run:
        return report
    reason = f"Imported from {source_name}"
    bulk_create_with_history(
        new, Outcome, batch_size=BATCH, default_user=by, default_change_reason=reason
    )
    bulk_update_with_history(
        changed,
        Outcome,
        fields=["result", "occurred_on", "amount", "recorded_by"],
        batch_size=BATCH,
        default_user=by,
        default_change_reason=reason,
    )
    figures_refresh([outcome.lead_id for outcome in new + changed])
    return report


# --- the import pages' steps ---------------------------------------------------------------


@transaction.atomic
def import_upload(
    *,
    data: bytes,
    filename: str,
    by: User,
    kind: str = LeadImport.Kind.LEADS,
    cycle: ReviewCycle | None = None,
    fallback_rep: User | None = None,
    via: str = LeadImport.Via.PAGE,
) -> LeadImport:
    """Keep an upload for its next steps; raises CsvRejected when the file cannot be read.
    The command's files (`via`) have no size or row limit."""
    permission_require(by, "feedback.facilitate", action="import leads")
    if fallback_rep is not None:
        _rep_check(fallback_rep)
    table = csv_io.csv_read(data, **import_limits(via))
    if kind == LeadImport.Kind.LEADS:
        crm, mapping = csv_io.format_recognise(table.header)
        if crm is None:
            mapping = csv_io.mapping_guess(table.header, csv_io.LEAD_TARGETS)
    else:
        crm, mapping = None, csv_io.mapping_guess(table.header, csv_io.OUTCOME_TARGETS)
    lead_import = LeadImport(
        kind=kind,
        cycle=cycle,
        fallback_rep=fallback_rep,
        filename=filename.replace("\x00", "")[:255],
        content=data,
        format_name=crm.name if crm else "",
        mapping=mapping,
        reading={"crm": crm.key} if crm else {},
        via=via,
        row_count=len(table.rows),
        uploaded_by=by,
    )
    lead_import.full_clean(exclude=["content"])
    lead_import.save()
    return lead_import


def import_limits(via: str) -> dict:
    """The size and row limits of a file brought in this way (the command has none)."""
    if via == LeadImport.Via.COMMAND:
        return {"max_bytes": 10**12, "max_rows": 10**9}
    return {}


def _import_run(lead_import: LeadImport, *, by: User, dry_run: bool, progress=None):
    table = csv_io.csv_read(bytes(lead_import.content), **import_limits(lead_import.via))
    choices = import_choices(lead_import.reading.get("crm", ""), lead_import.reading)
    if lead_import.kind == LeadImport.Kind.LEADS:
        return leads_import(
            table=table,
            mapping=lead_import.mapping,
            cycle=lead_import.cycle,
            by=by,
            fallback_rep=lead_import.fallback_rep,
            dry_run=dry_run,
            source_name=lead_import.filename,
            progress=progress,
            choices=choices,
        )
    return outcomes_import(
        table=table,
        mapping=lead_import.mapping,
        definition=lead_import.cycle.definition,
        by=by,
        dry_run=dry_run,
        source_name=lead_import.filename,
        choices=choices,
    )


def _import_note(lead_import: LeadImport, report: ImportReport, status: str) -> None:
    lead_import.errors = report.problems()
    lead_import.problem_count = len(report.errors)
    lead_import.created, lead_import.changed = report.created, report.changed
    lead_import.unchanged = report.unchanged
    lead_import.status = status
    if status == LeadImport.Status.IMPORTED:
        lead_import.imported_at = timezone.now()
    lead_import.save()


def import_map(
    *, lead_import: LeadImport, mapping: dict[str, str], by: User, reading: dict | None = None
) -> LeadImport:
    """Keep the columns' mapping and how to read dates, numbers and stages (`reading`:
    "dates", "decimal", "stages"; blank values mean as detected)."""
    permission_require(by, "feedback.facilitate", action="import leads")
    if lead_import.status == LeadImport.Status.IMPORTED:
        raise ValidationError("This file has already been imported.")
    lead_import.mapping = {column: target for column, target in mapping.items() if target}
    if reading is not None:
        kept = {"crm": lead_import.reading.get("crm", "")}
        if reading.get("dates") in csv_io.DATE_ORDERS:
            kept["dates"] = reading["dates"]
        if reading.get("decimal") in csv_io.DECIMAL_SIGNS:
            kept["decimal"] = reading["decimal"]
        stages = {
            word: stage
            for word, stage in (reading.get("stages") or {}).items()
            if stage in csv_io.STAGES and "\x00" not in word
        }
        if stages:
            kept["stages"] = stages
        lead_import.reading = {key: value for key, value in kept.items() if value}
    lead_import.status = LeadImport.Status.UPLOADED
    lead_import.errors = []
    lead_import.problem_count = 0
    lead_import.save()
    return lead_import


def import_dry_run(*, lead_import: LeadImport, by: User) -> ImportReport:
    """Validate every row and count what the import would do; writes nothing but the note."""
    if lead_import.status == LeadImport.Status.IMPORTED:
        raise ValidationError("This file has already been imported.")
    report = _import_run(lead_import, by=by, dry_run=True)
    _import_note(
        lead_import,
        report,
        LeadImport.Status.CHECKED if report.ok else LeadImport.Status.FAILED,
    )
    return report


def import_apply(*, lead_import: LeadImport, by: User, progress=None) -> ImportReport:
    """Import all rows or none; the upload records how it went either way."""
    if lead_import.status == LeadImport.Status.IMPORTED:
        raise ValidationError("This file has already been imported.")
    try:
        report = _import_run(lead_import, by=by, dry_run=False, progress=progress)
    except ImportFailed as failure:
        _import_note(lead_import, failure.report, LeadImport.Status.FAILED)
        return failure.report
    _import_note(lead_import, report, LeadImport.Status.IMPORTED)
    return report


# An import whose task shows no sign of life for this long was lost with its worker (long
# enough for the qualification check of the largest upload on SQLite, which reports nothing).
IMPORT_STALLED_AFTER = timedelta(minutes=30)


def import_is_stalled(lead_import: LeadImport, now=None) -> bool:
    if lead_import.status not in (LeadImport.Status.QUEUED, LeadImport.Status.RUNNING):
        return False
    last = lead_import.progress_at or lead_import.uploaded_at
    return last < (now or timezone.now()) - IMPORT_STALLED_AFTER


@transaction.atomic
def import_enqueue(*, lead_import: LeadImport, by: User) -> LeadImport:
    """Queue the import of every row as a background task; a second click queues nothing."""
    from feedback import tasks

    permission_require(by, "feedback.facilitate", action="import leads")
    lead_import = LeadImport.objects.select_for_update().get(pk=lead_import.pk)
    if lead_import.status == LeadImport.Status.IMPORTED:
        raise ValidationError("This file has already been imported.")
    running = (LeadImport.Status.QUEUED, LeadImport.Status.RUNNING)
    if lead_import.status in running and not import_is_stalled(lead_import):
        return lead_import
    lead_import.status = LeadImport.Status.QUEUED
    lead_import.errors = []
    lead_import.progress_done, lead_import.progress_total = 0, lead_import.row_count
    lead_import.progress_at = timezone.now()
    lead_import.save()
    transaction.on_commit(lambda: tasks.import_run.enqueue(lead_import.pk, by.pk))
    return lead_import


def import_task_run(*, import_id: int, by_id: int) -> ImportReport | None:
    """The import task's work: claim the queued upload, import it, record how it went."""
    from feedback.progress import ProgressWriter

    claimed = LeadImport.objects.filter(pk=import_id, status=LeadImport.Status.QUEUED).update(
        status=LeadImport.Status.RUNNING, progress_at=timezone.now()
    )
    if not claimed:
        return None  # imported, or taken by another worker, meanwhile
    lead_import = LeadImport.objects.select_related("cycle__definition", "fallback_rep").get(
        pk=import_id
    )
    writer = ProgressWriter(import_id)
    try:
        return import_apply(lead_import=lead_import, by=User.objects.get(pk=by_id), progress=writer)
    except Exception:
        LeadImport.objects.filter(pk=import_id).update(
            status=LeadImport.Status.FAILED,
            errors=[
                {
                    "line": None,
                    "field": "",
                    "message": "The import stopped before it finished; nothing was imported. "
                    "Try again; if it stops again, tell your administrator.",
                }
            ],
        )
        raise
    finally:
        writer.close()
