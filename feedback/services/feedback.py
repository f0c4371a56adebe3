"""A rep's feedback on leads, suggestions, the reason catalogue and outcomes."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import (
    F,
)
from django.utils import timezone

from accounts.decorators import permission_require
from accounts.models import User
from config.db import insert_or_retry
from feedback.models import (
    FEEDBACK_HISTORY,
    NEEDS_REASON,
    Lead,
    LeadFeedback,
    Outcome,
    RejectionDay,
    RejectionReason,
    ReviewCycle,
    Suggestion,
)
from feedback.permissions import (
    feedback_givable_by,
    outcome_recordable_by,
    suggestion_addable_by,
)
from feedback.services.cycles import cycle_require_started
from feedback.services.figures import figures_refresh, rejection_days_rebuild


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
    insert_or_retry(
        lambda: RejectionDay.objects.create(
            definition_id=definition_id, day=day, rejections=rejections, unwritten=unwritten
        ),
        lambda: tally.update(**change),
    )


def _verdict(feedback, reasons: Iterable[RejectionReason]) -> tuple:
    """What a rep decided on a lead, comparable between a feedback and a record of it."""
    return (
        feedback.agrees_with_stage,
        feedback.decision,
        frozenset(r.pk for r in reasons),
        feedback.wanted_to_know,
        feedback.comment,
    )


def _links_of(feedback_ids) -> dict[int, dict[int, RejectionReason]]:
    """The reasons each feedback has, by the id of its row in the link table (which the
    history records), with the reason itself."""
    found: dict[int, dict[int, RejectionReason]] = {pk: {} for pk in feedback_ids}
    rows = LeadFeedback.reasons.through.objects.filter(leadfeedback_id__in=found)
    for link in rows.select_related("rejectionreason"):
        found[link.leadfeedback_id][link.pk] = link.rejectionreason
    return found


def _reasons_write(
    feedback: LeadFeedback, had: dict[int, RejectionReason] | None, reasons: list
) -> dict[int, int] | None:
    """Give the feedback these reasons. With the links it had known (`had`, by link id),
    only the difference is written, straight to the link table, and the links it has now are
    returned ({link id: reason id}) for its history record, which the caller writes once;
    None when they are not known (after a conflict)."""
    if had is None:
        feedback.reasons.set(reasons)
        return None
    wanted = {reason.pk for reason in reasons}
    links = LeadFeedback.reasons.through.objects
    gone = [pk for pk, reason in had.items() if reason.pk not in wanted]
    if gone:
        links.filter(pk__in=gone).delete()
    now = {pk: reason.pk for pk, reason in had.items() if reason.pk in wanted}
    added = links.bulk_create(
        links.model(leadfeedback_id=feedback.pk, rejectionreason_id=pk)
        for pk in sorted(wanted - set(now.values()))
    )
    return now | {link.pk: link.rejectionreason_id for link in added}


def _history_write(feedbacks: list[LeadFeedback], links: dict[int, dict[int, int]], *, update):
    """One history record per feedback, holding the reasons it has now (`links`: {feedback
    id: {link id: reason id}}), in two statements whatever their number: what simple-history's
    `create_historical_record` writes, without reading the links back."""
    records = LeadFeedback.history.bulk_history_create(feedbacks, update=update)
    m2m_history = FEEDBACK_HISTORY.m2m_models[LeadFeedback._meta.get_field("reasons")]
    m2m_history.objects.bulk_create(
        m2m_history(
            history=record,
            id=link_id,
            leadfeedback_id=record.id,
            rejectionreason_id=reason_id,
        )
        for record in records
        for link_id, reason_id in sorted(links[record.id].items())
    )


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
    change_reason: str = "Changed",
) -> LeadFeedback:
    """The rep's verdict on a lead, for the cycle it was handed over in (one per cycle).

    `now` dates it (the day of a rejection is when "rejected, then bought" starts counting).
    When it changes an earlier verdict, the feedback returned carries `undo_to`, the history
    record of that verdict (what `feedback_undo` puts back), and `changed_from`, its
    decision; both are None otherwise. It also carries `reasons_saved`, its reasons.
    """
    if not feedback_givable_by(rep, lead):
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
    undo_to = changed_from = None
    if created:
        feedback = LeadFeedback(lead=lead, cycle_id=lead.cycle_id, created_at=now)
        counted = (0, 0)
    else:
        had_links = _links_of([feedback.pk])[feedback.pk]
        before = list(had_links.values())
        counted = _rejection_mark(feedback.decision, before)
        kept = (feedback.wanted_to_know, feedback.comment)
        text = kept if keep_text else (wanted_to_know.strip(), comment.strip())
        after = (
            agrees_with_stage,
            decision,
            frozenset(r.pk for r in reasons if decision in NEEDS_REASON),
            *text,
        )
        if _verdict(feedback, before) != after:
            # The newest record is the verdict as it stands before this change.
            undo_to = feedback.history.values_list("history_id", flat=True).first()
            changed_from = feedback.decision
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
    # exist would cost a query each on every save; the database still enforces them. So it
    # does the table's constraints: the decision is checked against its choices with its
    # field, and the one feedback per lead and cycle was read under a lock above.
    feedback.full_clean(exclude=["lead", "cycle", "version", "rep"], validate_constraints=False)
    feedback._change_reason = "Given" if created else change_reason
    kept_reasons = reasons if decision in NEEDS_REASON else []
    # Which links the row has now, when known: None after a conflict (read them again).
    had = had_links if not created else {}

    def insert():
        feedback.save()
        return counted

    def after_conflict():
        # Someone (the same rep in another tab) saved first: this save becomes a change.
        nonlocal had
        existing = LeadFeedback.objects.select_for_update().get(lead=lead, cycle_id=lead.cycle_id)
        feedback.pk, feedback.created_at = existing.pk, existing.created_at
        feedback._state.adding = False
        feedback.save()
        had = None
        return _rejection_mark(existing.decision, existing.reasons.all())

    # One history record for the save, written when the row and its reasons are both saved.
    feedback.skip_history_when_saving = True
    try:
        counted = insert_or_retry(insert, after_conflict, adding=created)
        links = _reasons_write(feedback, had, kept_reasons)
    finally:
        del feedback.skip_history_when_saving
    # Created, unless another save inserted the row first (then `had` is None).
    if links is None:
        links = {pk: reason.pk for pk, reason in _links_of([feedback.pk])[feedback.pk].items()}
    _history_write([feedback], {feedback.pk: links}, update=not (created and had is not None))
    # The health warning's tally: this feedback's day gains what it counts now, less what it
    # counted before the change.
    counts = _rejection_mark(decision, reasons)
    _rejection_day_add(
        definition_id=lead.definition_id,
        day=timezone.localdate(feedback.created_at),
        rejections=counts[0] - counted[0],
        unwritten=counts[1] - counted[1],
    )
    figures_refresh([lead.pk], reasons_given={feedback.pk: sorted({r.pk for r in kept_reasons})})
    feedback.undo_to, feedback.changed_from = undo_to, changed_from
    feedback.reasons_saved = kept_reasons
    return feedback


@transaction.atomic
def feedback_undo(*, lead: Lead, rep: User, history_id: int) -> LeadFeedback:
    """Put back the verdict that a change of the rep's replaced (the history record the
    change named in `undo_to`): reasons and text as they were. It is a change like any
    other, so the tallies and figures follow, and the history records it as "Undone"."""
    if not feedback_givable_by(rep, lead):
        raise PermissionDenied("Only the rep the lead was handed to can undo a change to it.")
    feedback = (
        LeadFeedback.objects.select_for_update().filter(lead=lead, cycle_id=lead.cycle_id).first()
    )
    record = feedback.history.filter(history_id=history_id).first() if feedback else None
    if record is None:
        raise ValidationError(f"There is no change to undo on {lead.company}.")
    reason_ids = record.reasons.values_list("rejectionreason_id", flat=True)
    reasons = list(RejectionReason.objects.filter(pk__in=list(reason_ids)))
    if _verdict(feedback, feedback.reasons.all()) == _verdict(record, reasons):
        raise ValidationError(
            f"Nothing to undo: {lead.company} is already {record.get_decision_display()}."
        )
    return feedback_record(
        lead=lead,
        rep=rep,
        agrees_with_stage=record.agrees_with_stage,
        decision=record.decision,
        reasons=reasons,
        wanted_to_know=record.wanted_to_know,
        comment=record.comment,
        change_reason="Undone",
    )


# How many times a bulk action is written again after meeting a first verdict saved meanwhile.
BULK_ATTEMPTS = 3


@transaction.atomic
def feedback_bulk(
    *,
    cycle: ReviewCycle,
    rep: User,
    lead_ids: Iterable[int],
    decision: str,
    reasons: Iterable[RejectionReason] = (),
) -> int:
    """Accept (or reject with a reason) several of the rep's leads at once: the same verdict
    as a save of each (their text kept), written for all of them together, so a bulk action
    costs the same few statements for 3 leads as for 300."""
    now = timezone.now()
    cycle_require_started(cycle, now)
    lead_ids = {int(pk) for pk in lead_ids}
    if not lead_ids:
        raise ValidationError({"leads": "Select at least one lead."})
    reasons = list(reasons)
    if decision in NEEDS_REASON and not reasons:
        raise ValidationError(
            {"reasons": "A bulk reject or recycle still needs at least one reason."}
        )
    inactive = [r.label for r in reasons if not r.active]
    if inactive:
        raise ValidationError({"reasons": f"“{inactive[0]}” is no longer in the catalogue."})
    # In id order, as every writer takes its rows, so two bulk actions cannot deadlock.
    leads = list(Lead.objects.in_cycle(cycle).handed_to(rep).filter(pk__in=lead_ids).order_by("pk"))
    if len(leads) != len(lead_ids) or not all(feedback_givable_by(rep, lead) for lead in leads):
        raise PermissionDenied("Some of the selected leads were not handed to you in this cycle.")
    kept_reasons = list({r.pk: r for r in reasons}.values()) if decision in NEEDS_REASON else []
    for _ in range(BULK_ATTEMPTS):
        try:
            with transaction.atomic():
                _bulk_write(cycle, rep, leads, decision, kept_reasons, now)
            break
        except IntegrityError:
            # Another save (the same rep in another tab) gave one of these leads its first
            # verdict after this one read their rows, and committed: read them again, that
            # verdict included (a change now), in the same order and at the same cost.
            continue
    else:
        raise ValidationError(
            "Some of these leads were being reviewed elsewhere at the same moment: "
            "nothing was saved. Try again."
        )
    return len(leads)


def _bulk_write(cycle, rep, leads, decision: str, reasons: list, now: datetime) -> None:
    """Write one verdict on these leads as `feedback_record` would for each: the row, its
    reasons, one history record with them, the day's tally and the figures."""
    existing = {
        feedback.lead_id: feedback
        for feedback in LeadFeedback.objects.select_for_update()
        .filter(lead__in=leads, cycle_id=cycle.pk)
        .order_by("lead_id")
    }
    had = _links_of([feedback.pk for feedback in existing.values()])
    counted = {
        lead_id: _rejection_mark(f.decision, had[f.pk].values()) for lead_id, f in existing.items()
    }
    fresh, changed = [], []
    for lead in leads:
        feedback = existing.get(lead.pk)
        if feedback is None:
            feedback = LeadFeedback(lead=lead, cycle_id=cycle.pk, created_at=now)
            feedback._change_reason = "Given"
            fresh.append(feedback)
        else:
            feedback._change_reason = "Changed"
            changed.append(feedback)
        feedback.version_id = lead.version_id
        feedback.rep = rep
        feedback.agrees_with_stage = decision == LeadFeedback.Decision.ACCEPTED
        feedback.decision = decision
        feedback.updated_at = now
        feedback._history_user = rep
        feedback.full_clean(exclude=["lead", "cycle", "version", "rep"], validate_constraints=False)
    # Bulk writes skip simple-history's signals: the history is written below, one record
    # per feedback with its reasons (`_history_write`). The new rows get their keys back
    # (RETURNING: PostgreSQL, and SQLite from 3.35) for their reasons and history.
    LeadFeedback.objects.bulk_create(fresh)
    LeadFeedback.objects.bulk_update(
        changed, ["version", "rep", "agrees_with_stage", "decision", "updated_at"]
    )
    # Only the difference goes to the link table; what each feedback holds after is known.
    wanted = {reason.pk for reason in reasons}
    now_links = {f.pk: {} for f in (*fresh, *changed)}
    gone = []
    for feedback_id, links in had.items():
        for link_id, reason in links.items():
            if reason.pk in wanted:
                now_links[feedback_id][link_id] = reason.pk
            else:
                gone.append(link_id)
    through = LeadFeedback.reasons.through
    if gone:
        through.objects.filter(pk__in=gone).delete()
    added = through.objects.bulk_create(
        through(leadfeedback_id=feedback_id, rejectionreason_id=pk)
        for feedback_id, links in now_links.items()
        for pk in sorted(wanted - set(links.values()))
    )
    for link in added:
        now_links[link.leadfeedback_id][link.pk] = link.rejectionreason_id
    _history_write(fresh, now_links, update=False)
    _history_write(changed, now_links, update=True)
    # The health warning's tallies, by the lead's definition and the day its feedback counts in.
    days = defaultdict(lambda: [0, 0])
    counts = _rejection_mark(decision, reasons)
    definition_of = {lead.pk: lead.definition_id for lead in leads}
    for feedback in (*fresh, *changed):
        before = counted.get(feedback.lead_id, (0, 0))
        day = days[definition_of[feedback.lead_id], timezone.localdate(feedback.created_at)]
        day[0] += counts[0] - before[0]
        day[1] += counts[1] - before[1]
    for (definition_id, day), (rejections, unwritten) in sorted(days.items()):
        _rejection_day_add(
            definition_id=definition_id, day=day, rejections=rejections, unwritten=unwritten
        )
    figures_refresh(
        [lead.pk for lead in leads],
        reasons_given={feedback.pk: sorted(wanted) for feedback in (*fresh, *changed)},
    )


@transaction.atomic
def suggestion_add(*, cycle: ReviewCycle, author: User, kind: str, text: str) -> Suggestion:
    """A rep's stop / start / continue for a cycle (anyone in sales, or handed its leads)."""
    if not suggestion_addable_by(author, cycle):
        raise PermissionDenied("Stop, start, continue suggestions come from the sales reps.")
    suggestion = Suggestion(cycle=cycle, author=author, kind=kind, text=text.strip())
    suggestion.full_clean()
    suggestion._change_reason = "Suggested"
    suggestion.save()
    return suggestion


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


@transaction.atomic
def outcome_record(
    *, lead: Lead, result: str, occurred_on: date, amount: Decimal | None, by: User
) -> Outcome:
    """What later became of a lead (one current outcome per lead; history keeps the rest)."""
    if not outcome_recordable_by(by, lead):
        raise PermissionDenied("Only the lead's rep or a facilitator can record its outcome.")
    outcome = Outcome.objects.select_for_update().filter(lead=lead).first() or Outcome(lead=lead)
    outcome.result, outcome.occurred_on, outcome.amount = result, occurred_on, amount
    outcome.recorded_by = by
    outcome.full_clean()
    outcome._change_reason = "Recorded" if outcome._state.adding else "Changed"
    outcome.save()
    figures_refresh([lead.pk])
    return outcome
