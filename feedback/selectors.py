"""Reads for the feedback pages: the review queue, a cycle's feedback, exports, home."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from itertools import batched

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Sum
from django.utils import timezone

from accounts.models import Department, User
from definitions.models import Definition
from definitions.rules import rule_sentence
from feedback import csv_io
from feedback.checks import Mark, bits_results, ladder_check, ladders_for, lead_values
from feedback.facilitation import open_cycles
from feedback.models import (
    NEEDS_REASON,
    CheckResult,
    CriterionResult,
    FiguresSummary,
    Lead,
    LeadFeedback,
    LeadFigures,
    LeadImport,
    RejectionDay,
    RejectionReason,
    ReviewCadence,
    ReviewCycle,
    Suggestion,
)
from feedback.permissions import reads_all_feedback
from feedback.queue_rows import check_summary, lead_reviewed, leads_with_feedback
from feedback.queue_rows import undo_offer as undo_offer


def cycles_for(user):
    cycles = ReviewCycle.objects.select_related("definition", "version").annotate(
        lead_count=Count("leads", distinct=True)
    )
    if reads_all_feedback(user):
        return cycles
    return cycles.filter(Exists(Lead.objects.filter(cycle=OuterRef("pk"), rep=user)))


def leads_with_review(queryset):
    """Leads with their check (stage reached, its bits) and their feedback, in a fixed number
    of queries whatever the number of leads."""
    return queryset.select_related("qualification__stage_reached").prefetch_related(
        Prefetch(
            "feedback",
            queryset=LeadFeedback.objects.prefetch_related("reasons"),
            to_attr="feedback_list",
        ),
    )


def lead_summary(lead, ladders: dict) -> None:
    """Attach what the queue shows of a lead's check and its feedback in this cycle."""
    check = getattr(lead, "qualification", None)
    # The bits follow the ladder of the version the check read.
    version_id = check.version_id if check else lead.version_id
    criteria = [c for _, stage_criteria in ladders.get(version_id, []) for c in stage_criteria]
    met = check.met_bits if check else 0
    missed = check.missed_bits if check else 0
    states = bits_results(met, missed, len(criteria))
    lead.check_counts = {state: states.count(state) for state in CheckResult.values}
    missed_statements = (
        c.statement for c, s in zip(criteria, states, strict=True) if s != CheckResult.MET
    )
    lead.check_missed = list(missed_statements)[:4]
    lead.check_summary = check_summary(lead, ladders.get(version_id, []), states)
    lead_reviewed(lead)


def leads_summarised(leads: list[Lead], known=()) -> list[Lead]:
    ladders = ladders_for(  # `known`: versions read already (the cycle's), ladders kept
        {lead.version_id for lead in leads}
        | {lead.qualification.version_id for lead in leads if hasattr(lead, "qualification")},
        known,
    )
    for lead in leads:
        lead_summary(lead, ladders)
    return leads


QUEUE_PAGE_LEADS = 25
QUEUE_SHOWS = {"all": "All, waiting first", "waiting": "Waiting for me", "reviewed": "Reviewed"}


@dataclass(frozen=True)
class QueueCursor:
    """Where a page of the queue ended: the last lead shown and whether it was shown waiting.

    The group is the one it was shown in, not today's: a lead saved since then must not make
    the next page skip the leads still waiting after it.
    """

    lead_id: int
    reviewed: bool


@dataclass(frozen=True)
class QueuePage:
    leads: list[Lead]
    show: str
    after: QueueCursor | None  # where the next page starts, when there is one


def _reviewed_in(cycle: ReviewCycle):
    return Exists(LeadFeedback.objects.filter(lead=OuterRef("pk"), cycle=cycle))


def review_queue(
    cycle: ReviewCycle,
    rep,
    *,
    show: str = "all",
    after: QueueCursor | None = None,
    size: int = QUEUE_PAGE_LEADS,
) -> QueuePage:
    """One page of a rep's leads in a cycle: those waiting first, then those reviewed, each
    by company; a fixed number of queries and at most `size` leads whatever the cycle holds.
    The leads are not summarised (`leads_summarised`): a row kept drawn needs no summary."""
    mine = Lead.objects.in_cycle(cycle).handed_to(rep)
    leads = mine.annotate(queue_reviewed=_reviewed_in(cycle))
    if show == "waiting":
        leads = leads.filter(queue_reviewed=False)
    elif show == "reviewed":
        leads = leads.filter(queue_reviewed=True)
    if after is not None:
        last = mine.filter(pk=after.lead_id).values_list("company", flat=True).first()
        if last is not None:
            later = Q(company__gt=last) | Q(company=last, pk__gt=after.lead_id)
            later = Q(queue_reviewed=after.reviewed) & later
            if not after.reviewed:
                later |= Q(queue_reviewed=True)
            leads = leads.filter(later)
    # The page's leads are picked from the index alone, then read whole: only the page's
    # leads are joined to their checks and feedback, not every lead of a large cycle.
    picked = dict(
        leads.order_by("queue_reviewed", "company", "pk").values_list("pk", "queue_reviewed")[
            : size + 1
        ]
    )
    more = len(picked) > size
    picked = dict(list(picked.items())[:size])
    found = mine.filter(pk__in=picked).select_related("qualification__stage_reached")
    by_pk = {lead.pk: lead for lead in leads_with_feedback(list(found))}
    # Summarised by the view for the rows it draws: a kept row needs none of it.
    rows = [by_pk[pk] for pk in picked]
    for lead in rows:
        lead_reviewed(lead)
    cursor = QueueCursor(rows[-1].pk, picked[rows[-1].pk]) if more else None
    return QueuePage(leads=rows, show=show, after=cursor)


def review_queue_leads(cycle: ReviewCycle, rep, lead_ids: Iterable[int]) -> list[Lead]:
    """These leads of the rep's queue (those that are the rep's) as their rows show them, in
    one set of queries: what a save re-renders, and what a refused action was sent with."""
    mine = Lead.objects.in_cycle(cycle).handed_to(rep).filter(pk__in=list(lead_ids))
    found = mine.order_by("company", "pk").select_related("qualification__stage_reached")
    return leads_summarised(leads_with_feedback(list(found)), [cycle.version])


def queue_progress(cycle: ReviewCycle, rep) -> tuple[int, int]:
    """How many of the rep's leads in the cycle are reviewed, of how many: added up from the
    per-cycle sums the services keep with every write (a few rows), not counted over the
    rep's leads, which a large cycle holds thousands of."""
    counts = FiguresSummary.objects.filter(
        definition_id=cycle.definition_id, cycle=cycle, rep=rep
    ).aggregate(total=Sum("handed"), reviewed=Sum("reviewed"))
    return counts["reviewed"] or 0, counts["total"] or 0


def reasons_for_review() -> list[RejectionReason]:
    return list(RejectionReason.objects.active())


CYCLE_PAGE_LEADS = 500


def cycle_leads(cycle: ReviewCycle, limit: int = CYCLE_PAGE_LEADS) -> list[Lead]:
    """The cycle's leads for its page (the first `limit`; the CSV export has them all)."""
    leads = Lead.objects.in_cycle(cycle).select_related("rep").order_by("rep__full_name", "company")
    return leads_summarised(list(leads_with_review(leads)[:limit]), [cycle.version])


def cycle_progress_by_rep(cycle: ReviewCycle):
    return (
        Lead.objects.in_cycle(cycle)
        .values("rep__pk", "rep__full_name")
        .annotate(
            total=Count("pk", distinct=True),
            reviewed=Count("pk", distinct=True, filter=Q(feedback__cycle=cycle)),
            accepted=Count(
                "pk",
                filter=Q(feedback__cycle=cycle, feedback__decision=LeadFeedback.Decision.ACCEPTED),
            ),
        )
        .order_by("rep__full_name")
    )


def cycle_suggestions(cycle: ReviewCycle):
    return Suggestion.objects.filter(cycle=cycle).select_related("author")


def lead_feedback(lead: Lead) -> LeadFeedback | None:
    """The feedback on a lead in the cycle it was handed over in, with its rep and reasons."""
    return (
        lead.feedback.filter(cycle=lead.cycle)
        .select_related("rep")
        .prefetch_related("reasons")
        .first()
    )


def lead_checklist(lead: Lead) -> list[dict]:
    """The lead's check as stages of criteria, each with its result and evidence: the rules
    evaluated on the lead's values, the marks people made on the others."""
    if getattr(lead, "qualification", None) is None:
        return []
    ladder = ladders_for([lead.version_id], [lead.version]).get(lead.version_id, [])
    marked = {
        row.criterion_id: row
        for row in CriterionResult.objects.filter(lead=lead).select_related("marked_by")
    }
    marks = {
        pk: Mark(row.result, row.evidence_seen, row.marked_by_id, row.marked_at)
        for pk, row in marked.items()
    }
    _, outcomes = ladder_check(ladder, lead_values(lead), marks)
    stage_of = {c.pk: stage for stage, criteria in ladder for c in criteria}
    stages: list[dict] = []
    for outcome in outcomes:
        criterion = outcome.criterion
        stage = stage_of[criterion.pk]
        mark = marked.get(criterion.pk) if outcome.mark else None
        result = CriterionResult(
            lead=lead,
            criterion=criterion,
            result=outcome.result,
            evidence_seen=outcome.evidence_seen,
            value_seen=outcome.value_seen,
            marked_by=mark.marked_by if mark else None,
            marked_at=mark.marked_at if mark else None,
        )
        result.sentence = rule_sentence(criterion.rule)
        if not stages or stages[-1]["stage"].pk != stage.pk:
            stages.append({"stage": stage, "results": []})
        stages[-1]["results"].append(result)
    return stages


# --- exports -------------------------------------------------------------------------------

LEAD_EXPORT_HEADER = [
    "CRM reference",
    "Company",
    "Owner",
    "Contact name",
    "E-mail address",
    "Phone",
    "Job title",
    "Seniority",
    "Industry",
    "Company size",
    "Region",
    "Lead source",
    "Permission to follow up",
    "Asked for information",
    "Need: evidence",
    "Need: note",
    "Budget: evidence",
    "Budget: note",
    "Authority: evidence",
    "Authority: note",
    "Stage handed over at",
    "Handed over on",
    "Version",
    "Stage reached by the check",
]


def _yes_no(value) -> str:
    return "" if value is None else ("yes" if value else "no")


def lead_export_rows(cycle: ReviewCycle):
    leads = (
        Lead.objects.in_cycle(cycle)
        .select_related("rep", "version", "qualification")
        .order_by("pk")
    )
    for lead in leads.iterator(chunk_size=2000):
        check = getattr(lead, "qualification", None)
        yield [
            lead.crm_reference,
            lead.company,
            lead.rep.email,
            lead.contact_name,
            lead.email,
            lead.phone,
            lead.title,
            lead.seniority,
            lead.industry,
            "" if lead.company_size is None else lead.company_size,
            lead.region,
            lead.source,
            _yes_no(lead.permission_to_follow_up),
            _yes_no(lead.asked_for_information),
            lead.need_evidence,
            lead.need_note,
            lead.budget_evidence,
            lead.budget_note,
            lead.authority_evidence,
            lead.authority_note,
            lead.stage_handed_over,
            timezone.localtime(lead.handed_over_at).isoformat(),
            lead.version.number,
            check.level_reached if check else "",
        ]


FEEDBACK_EXPORT_HEADER = [
    "CRM reference",
    "Company",
    "Rep",
    "Version",
    "Stage handed over at",
    "Stage reached by the check",
    "Is a lead",
    "Decision",
    "Reasons",
    "Unwritten reasons",
    "Wanted to know",
    "Comment",
    "Updated",
]


def feedback_export_rows(cycle: ReviewCycle):
    feedback = (
        LeadFeedback.objects.in_cycle(cycle)
        .select_related("lead__qualification", "rep", "version")
        .prefetch_related("reasons")
        .order_by("lead__company", "pk")
    )
    for item in feedback:
        reasons = list(item.reasons.all())
        check = getattr(item.lead, "qualification", None)
        yield [
            item.lead.crm_reference,
            item.lead.company,
            item.rep.email,
            item.version.number,
            item.lead.stage_handed_over,
            check.level_reached if check else "",
            "yes" if item.agrees_with_stage else "no",
            item.decision,
            "; ".join(r.label for r in reasons if not r.is_unwritten),
            "; ".join(r.label for r in reasons if r.is_unwritten),
            item.wanted_to_know,
            item.comment,
            timezone.localtime(item.updated_at).isoformat(),
        ]


# --- the shared pages ----------------------------------------------------------------------


def home_sections(user) -> list[dict]:
    """Leads waiting for my feedback, per open cycle, and for facilitators each open cycle's
    progress: the data of the home page's sections, which the templates named draw."""
    now = timezone.now()
    # Closed cycles stay listed for a week: late feedback is better than none.
    waiting = list(
        Lead.objects.awaiting_feedback_from(user)
        .filter(cycle__ends_at__gt=now - timedelta(days=7), cycle__starts_at__lte=now)
        .values(
            cycle_ref=F("cycle"),
            ends_at=F("cycle__ends_at"),
            definition_name=F("cycle__definition__name"),
        )
        .annotate(waiting=Count("pk"))
        .order_by("ends_at")
    )
    sections = []
    if waiting or user.department == Department.SALES:
        sections.append({"template": "feedback/_home_waiting.html", "rows": waiting, "now": now})
    if user.has_perm("feedback.facilitate"):
        sections.append({"template": "feedback/_home_cycles.html", "cycles": open_cycles(now)})
    return sections


# --- imports -------------------------------------------------------------------------------


PREVIEW_ROWS = 5
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def import_preview(lead_import: LeadImport, table: csv_io.Table, mapping_form) -> dict:
    """What the import page shows of an upload: its first rows, how it was read, its
    duplicate column names, and the stage each word of the stage column means."""
    width = len(table.header)
    readings, _ = csv_io.readings_decide(
        table,
        lead_import.mapping,
        crm=lead_import.reading.get("crm", ""),
        chosen=lead_import.reading,
    )
    return {
        "header": table.header,
        "preview": [
            (line, (cells + [""] * width)[:width]) for line, cells in table.rows[:PREVIEW_ROWS]
        ],
        "encoding": table.encoding,
        "delimiter": DELIMITER_NAMES[table.delimiter],
        "readings": [str(reading) for reading in readings.values()],
        "handed_over_column": next(
            (c for c, t in lead_import.mapping.items() if t == "handed_over_at"), None
        ),
        "duplicates": [
            f"“{name}” (columns {', '.join(map(str, spots))})"
            for name, spots in table.duplicates.items()
        ],
        "stage_words": [
            (word, csv_io.STAGES.get(mapping_form[name].value() or "", ""), count)
            for name, word, _, count in mapping_form.stage_words
        ],
    }


def recent_imports(limit: int = 20):
    """The latest uploads and command imports, newest first, for the imports list."""
    return (
        LeadImport.objects.select_related("cycle__definition", "uploaded_by")
        .defer("content", "errors", "mapping", "reading")
        .order_by("-uploaded_at", "-pk")[:limit]
    )


def cycle_days_for(definition: Definition) -> int:
    """How many days a definition's review cycles last (two weeks unless set)."""
    cadence = ReviewCadence.objects.filter(definition=definition).first()
    return cadence.cycle_days if cadence else 14


def review_meetings(user: User, definition: Definition | None = None):
    """The review meetings a cycle can be tied to (read through the meetings app)."""
    from meetings.models import Meeting
    from meetings.selectors import meetings_for_list

    meetings = meetings_for_list(user).filter(kind=Meeting.Kind.REVIEW)
    return meetings.filter(definition=definition) if definition is not None else meetings


def marks_of(lead_ids: list[int]) -> dict[tuple[int, int], Mark]:
    """{(lead id, criterion id): the person's mark} for criteria without a rule."""
    marks = {}
    for ids in batched(lead_ids, 5000):
        for row in CriterionResult.objects.filter(lead_id__in=ids).values(
            "lead_id", "criterion_id", "result", "evidence_seen", "marked_by_id", "marked_at"
        ):
            marks[(row["lead_id"], row["criterion_id"])] = Mark(
                row["result"], row["evidence_seen"], row["marked_by_id"], row["marked_at"]
            )
    return marks


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


def summaries_missing() -> bool:
    """Leads have figures but no summary adds them up (the database predates the summaries)."""
    return not FiguresSummary.objects.exists() and LeadFigures.objects.exists()


def rejection_days_missing() -> bool:
    """Rejections were given but no tally counts them (the database predates the tallies)."""
    return (
        not RejectionDay.objects.exists()
        and LeadFeedback.objects.filter(decision__in=NEEDS_REASON).exists()
    )
