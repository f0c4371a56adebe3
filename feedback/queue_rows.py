"""What the review queue's compact rows show beyond the lead: the check's summary for the
stage the lead was handed over at, a change offered for undo; and the rows themselves,
drawn once and kept."""

import hashlib
import sys
from collections.abc import Callable
from functools import cache
from operator import attrgetter
from pathlib import Path

from django.conf import settings
from django.core.cache import cache as shared_cache
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import mark_safe

from config.code_digest import code_digest
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


def leads_with_feedback(leads: list) -> list:
    """The leads (read with their check) with their feedback, as `feedback_list`, each with
    the reasons given as `reasons_saved`: two queries, without the related managers that a
    prefetch builds for every lead and every feedback (half of the queue's reads)."""
    by_lead = {lead.pk: lead for lead in leads}
    for lead in leads:
        lead.feedback_list = []
    feedback = {f.pk: f for f in LeadFeedback.objects.filter(lead_id__in=by_lead)}
    for one in feedback.values():
        one.reasons_saved = []
        by_lead[one.lead_id].feedback_list.append(one)
    given = LeadFeedback.reasons.through.objects.filter(leadfeedback_id__in=feedback)
    for link in given.select_related("rejectionreason").order_by("pk"):
        feedback[link.leadfeedback_id].reasons_saved.append(link.rejectionreason)
    return leads


def lead_reviewed(lead) -> None:
    """What a row shows before its check's summary: the stage reached, the cycle's feedback."""
    check = getattr(lead, "qualification", None)
    lead.stage_reached = check.stage_reached if check else None
    lead.cycle_feedback = next(
        (f for f in getattr(lead, "feedback_list", []) if f.cycle_id == lead.cycle_id), None
    )


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


# A row drawn once is kept in the shared cache under a digest of everything it is drawn
# from: the lead's columns, its check, its feedback with the reasons given, the catalogue
# of reasons the form offers, and the code that draws it. Any change to one of them is a
# new key, so a kept row is never stale; a row with something of this request in it (a
# form sent back with errors, a box ticked for a refused bulk action, a save or an undo
# just made) is drawn each time. The CSRF token is not kept: rows are drawn with a marker
# that each request replaces with its own token.
ROW_TEMPLATE = "feedback/review.html"
# A rep works through a page in minutes; an hour keeps the rows of a sitting, and bounds
# what the cache holds to the rows drawn in the last hour (about 5.6 KB each).
ROW_SECONDS = 3600
TOKEN_MARK = "csrf-5f0c9a4e2b7d1e83"
# What is replaced: the whole hidden field, which no text a person typed can hold (its
# quotes are escaped), so a comment holding the marker stays as written.
TOKEN_FIELD = 'name="csrfmiddlewaretoken" value="{}"'


@cache
def _drawn_by() -> str:
    """A digest of the code a row is drawn by, once per process: its template, every module
    of the feedback app (the queue's reads, forms, labels, URLs), the definitions' models
    (the stages' names), the project's URLs and Django's version. A deploy that changes
    any of them draws every row again."""
    app = Path(sys.modules[__name__].__file__).parent
    sources = [Path(get_template(ROW_TEMPLATE).origin.name)]
    sources += sorted(path for path in app.rglob("*.py") if "migrations" not in path.parts)
    sources += [app.parent / "definitions" / "models.py", app.parent / "config" / "urls.py"]
    return code_digest(sources)


# Per model, a reader of its columns' values (one C call per row, where a loop of getattr
# was a tenth of the queue page's time).
_COLUMN_READERS: dict[type, Callable] = {}


def _columns(instance) -> tuple:
    """The values of the row's columns, in the model's order."""
    if instance is None:
        return ()
    model = type(instance)
    read = _COLUMN_READERS.get(model)
    if read is None:
        getter = attrgetter(*(field.attname for field in model._meta.concrete_fields))
        if len(model._meta.concrete_fields) == 1:  # attrgetter of one name gives no tuple
            _COLUMN_READERS[model] = read = lambda row, get=getter: (get(row),)
        else:
            _COLUMN_READERS[model] = read = getter
    return read(instance)


def _row_key(lead, cycle: ReviewCycle, catalogue: str) -> str:
    check = getattr(lead, "qualification", None)
    feedback = lead.cycle_feedback  # read by leads_with_feedback, its reasons with it
    given = feedback.reasons_saved if feedback is not None else ()
    drawn_from = (
        _columns(lead),
        _columns(check),
        _columns(lead.stage_reached),
        _columns(feedback),
        tuple(sorted(reason.pk for reason in given)),
    )
    digest = hashlib.sha256(repr(drawn_from).encode()).hexdigest()[:32]
    language = translation.get_language()
    return f"queue-row:{_drawn_by()}:{catalogue}:{language}:{cycle.pk}:{digest}"


def rows_drawn(
    leads: list, *, cycle: ReviewCycle, reasons: list, token: str, form_for, summarise
) -> None:
    """Give each lead of a queue page its row: `lead.row_html` when it is drawn (or kept)
    here, otherwise `lead.form` for the template to draw it with what this request holds.
    `form_for(lead)` builds a lead's form and `summarise(leads)` works out what their
    checks show, only for the rows that are drawn."""
    keyed = {}
    if not settings.DEBUG:
        # The reasons the form offers, in their order, with the labels it shows.
        offered = repr([(r.pk, r.label, r.is_unwritten) for r in reasons]).encode()
        catalogue = hashlib.sha256(offered).hexdigest()[:16]
        for lead in leads:
            if getattr(lead, "form", None) is None and not lead.selected:
                keyed[_row_key(lead, cycle, catalogue)] = lead
    kept = shared_cache.get_many(list(keyed)) if keyed else {}
    keyed_ids = {id(lead) for lead in keyed.values()}
    drawn = [lead for key, lead in keyed.items() if key not in kept]
    drawn += [lead for lead in leads if id(lead) not in keyed_ids]
    unsummarised = [lead for lead in drawn if not hasattr(lead, "check_summary")]
    if unsummarised:
        summarise(unsummarised)
    fresh = {}
    template = get_template(f"{ROW_TEMPLATE}#lead-row") if keyed else None
    marked, field = TOKEN_FIELD.format(TOKEN_MARK), TOKEN_FIELD.format(token)
    for key, lead in keyed.items():
        html = kept.get(key)
        if html is None:
            lead.form = form_for(lead)
            html = template.render({"cycle": cycle, "lead": lead, "csrf_token": TOKEN_MARK})
            fresh[key] = html
        lead.row_html = mark_safe(html.replace(marked, field))
    if fresh:
        shared_cache.set_many(fresh, ROW_SECONDS)
    for lead in leads:
        if getattr(lead, "form", None) is None and lead.row_html is None:
            lead.form = form_for(lead)
