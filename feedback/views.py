"""Feedback pages: thin views over the services and selectors."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import permission_required
from config.fields import id_param
from config.forms import errors_onto_form
from config.htmx import render_htmx
from definitions.models import VersionCriterion
from feedback import csv_io, forms, selectors, services
from feedback.models import Lead, LeadImport, RejectionReason, ReviewCycle
from feedback.progress import progress_of

FACILITATE = "feedback.facilitate"
# A bulk action takes at most this many leads (a few pages of the queue).
BULK_MAX = 500


def feedback_reader_required(view):
    """Facilitators and executives read everyone's feedback; others get a 403 saying so."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.reads_all_feedback(request.user):
            raise PermissionDenied(
                "To read everyone's feedback, you need the Facilitator role or the Executive role."
            )
        return view(request, *args, **kwargs)

    return wrapped


def _errors_of(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [m for messages_ in error.message_dict.values() for m in messages_]
    return list(error.messages)


# --- cycles --------------------------------------------------------------------------------


@require_GET
@login_required
def index(request):
    cycles = selectors.cycles_for(request.user)
    now = timezone.now()
    return render(
        request,
        "feedback/index.html",
        {
            "cycles": cycles,
            "now": now,
            "reads_all": selectors.reads_all_feedback(request.user),
            "facilitates": request.user.has_perm(FACILITATE),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(FACILITATE, action="open a review cycle")
def cycle_new(request):
    form = forms.CycleForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_open(
                definition=form.cleaned_data["definition"],
                by=request.user,
                starts_at=form.cleaned_data["starts_at"],
                days=form.cleaned_data["days"],
                meeting_id=form.cleaned_data["meeting"],
            )
        except ValidationError as error:
            for field, messages_ in error.message_dict.items():
                form.add_error(field if field in form.fields else "starts_at", messages_)
        else:
            messages.success(request, f"The review cycle {cycle} is open.")
            return redirect(cycle)
    return render(request, "feedback/cycle_new.html", {"form": form})


@require_GET
@feedback_reader_required
def cycle_detail(request, pk: int):
    cycle = get_object_or_404(ReviewCycle.objects.select_related("definition", "version"), pk=pk)
    progress = list(selectors.cycle_progress_by_rep(cycle))
    return render(
        request,
        "feedback/cycle.html",
        {
            "cycle": cycle,
            "leads": selectors.cycle_leads(cycle),
            "lead_limit": selectors.CYCLE_PAGE_LEADS,
            "progress": progress,
            "reviewed": sum(row["reviewed"] for row in progress),
            "total": sum(row["total"] for row in progress),
            "suggestions": selectors.cycle_suggestions(cycle),
            "facilitates": request.user.has_perm(FACILITATE),
        },
    )


@require_POST
@permission_required(FACILITATE, action="re-run the qualification check")
def cycle_recheck(request, pk: int):
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    checked = services.cycle_recheck(cycle=cycle, by=request.user)
    messages.success(request, f"The check ran again for {checked} lead{'s' * (checked != 1)}.")
    return redirect(cycle)


def _csv_response(filename: str, header, rows) -> HttpResponse:
    response = HttpResponse(csv_io.csv_write(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@feedback_reader_required
def export_leads(request, pk: int):
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    return _csv_response(
        f"leads-cycle-{cycle.pk}.csv",
        selectors.LEAD_EXPORT_HEADER,
        selectors.lead_export_rows(cycle),
    )


@require_GET
@feedback_reader_required
def export_feedback(request, pk: int):
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    return _csv_response(
        f"feedback-cycle-{cycle.pk}.csv",
        selectors.FEEDBACK_EXPORT_HEADER,
        selectors.feedback_export_rows(cycle),
    )


# --- the rep's review queue ----------------------------------------------------------------


def _queue_context(request, cycle, *, bound: dict | None = None, bulk_form=None):
    show, after = forms.QueueForm(request.GET).query()
    page = selectors.review_queue(cycle, request.user, show=show, after=after)
    reasons = selectors.reasons_for_review()
    leads = list(page.leads)
    shown = {lead.pk for lead in leads}
    # A lead sent back with errors is shown with them even when it is not on this page.
    for lead_id in (bound or {}).keys() - shown:
        leads.insert(0, selectors.review_queue_lead(cycle, request.user, lead_id))
    for lead in leads:
        if bound and lead.pk in bound:
            lead.form = bound[lead.pk]
        else:
            lead.form = forms.FeedbackForm.for_feedback(
                lead.cycle_feedback, prefix=f"lead-{lead.pk}", reasons=reasons
            )
    reviewed, total = selectors.queue_progress(cycle, request.user)
    return {
        "cycle": cycle,
        "page": page,
        "leads": leads,
        "shows": selectors.QUEUE_SHOWS,
        "appended": after is not None,
        "reviewed": reviewed,
        "total": total,
        "bulk_form": bulk_form or forms.BulkForm(lead_ids=[]),
        "suggestion_form": forms.SuggestionForm(),
        "is_open": cycle.is_open(),
        "cycle_status": cycle.status(),
    }


@require_GET
@login_required
def review(request, pk: int):
    cycle = get_object_or_404(ReviewCycle.objects.select_related("definition", "version"), pk=pk)
    context = _queue_context(request, cycle)
    return render_htmx(
        request, "feedback/review.html", context, partials=["review-queue", "queue-more"]
    )


def _row_response(request, cycle, lead, form, *, status=200):
    reviewed, total = selectors.queue_progress(cycle, request.user)
    context = {"cycle": cycle, "lead": lead, "reviewed": reviewed, "total": total}
    lead.form = form
    html = render_to_string("feedback/review.html#lead-row", context, request=request)
    html += render_to_string(
        "feedback/review.html#review-progress", {**context, "oob": True}, request=request
    )
    return HttpResponse(html, status=status)


@require_POST
@login_required
def review_save(request, pk: int, lead_pk: int):
    cycle = get_object_or_404(ReviewCycle.objects.select_related("definition", "version"), pk=pk)
    # Only the rep's own leads are found: anyone else's is a 404.
    lead = get_object_or_404(Lead.objects.in_cycle(cycle).handed_to(request.user), pk=lead_pk)
    reasons = selectors.reasons_for_review()
    form = forms.FeedbackForm(request.POST, prefix=f"lead-{lead.pk}", reasons=reasons)
    saved = False
    if form.is_valid():
        try:
            services.feedback_record(lead=lead, rep=request.user, **form.cleaned_data)
            saved = True
        except ValidationError as error:
            for message in _errors_of(error):
                form.add_error(None, message)
    if not request.htmx:
        if saved:
            messages.success(request, f"Feedback on {lead.company} saved.")
            return redirect("feedback:review", pk=cycle.pk)
        context = _queue_context(request, cycle, bound={lead.pk: form})
        return render(request, "feedback/review.html", context, status=400)
    # A save re-renders this one lead and the progress, never the queue.
    lead = selectors.review_queue_lead(cycle, request.user, lead.pk)
    if saved:
        form = forms.FeedbackForm.for_feedback(
            lead.cycle_feedback, prefix=f"lead-{lead.pk}", reasons=reasons
        )
        lead.just_saved = True
    return _row_response(request, cycle, lead, form)


@require_POST
@login_required
def review_bulk(request, pk: int):
    cycle = get_object_or_404(ReviewCycle.objects.select_related("definition", "version"), pk=pk)
    # The choices are the selected leads that are the rep's: reading every lead of the cycle
    # to validate a handful would make a bulk action grow with the queue.
    selected = [int(v) for v in request.POST.getlist("leads")[:BULK_MAX] if v.isdigit()]
    lead_ids = list(
        Lead.objects.in_cycle(cycle)
        .handed_to(request.user)
        .filter(pk__in=selected)
        .values_list("pk", flat=True)
    )
    form = forms.BulkForm(request.POST, lead_ids=lead_ids)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            count = services.feedback_bulk(
                cycle=cycle,
                rep=request.user,
                lead_ids=form.cleaned_data["leads"],
                decision=form.cleaned_data["decision"],
                reasons=[reason] if reason else [],
            )
        except ValidationError as error:
            for message in _errors_of(error):
                form.add_error(None, message)
        else:
            if not request.htmx:
                messages.success(request, f"Feedback saved for {count} lead{'s' * (count != 1)}.")
                return redirect("feedback:review", pk=cycle.pk)
            form = None
    context = _queue_context(request, cycle, bulk_form=form)
    status = 200 if form is None or request.htmx else 400
    return render_htmx(
        request, "feedback/review.html", context, partials=["review-queue"], status=status
    )


@require_POST
@login_required
def suggestion_add(request, pk: int):
    cycle = get_object_or_404(ReviewCycle, pk=pk)
    form = forms.SuggestionForm(request.POST)
    if form.is_valid():
        services.suggestion_add(cycle=cycle, author=request.user, **form.cleaned_data)
        messages.success(request, "Thank you: your suggestion is recorded for the review.")
    else:
        messages.error(request, "Write the suggestion and say whether to stop, start or continue.")
    return redirect("feedback:review", pk=cycle.pk)


# --- leads ---------------------------------------------------------------------------------


def _visible_lead(request, pk: int) -> Lead:
    return get_object_or_404(
        Lead.objects.visible_to(request.user).select_related(
            "cycle__definition", "rep", "version", "qualification__stage_reached"
        ),
        pk=pk,
    )


@require_GET
@login_required
def lead_detail(request, pk: int):
    return _lead_page(request, _visible_lead(request, pk))


def _lead_page(request, lead: Lead, *, outcome_form=None, status=200):
    outcome = getattr(lead, "outcome", None)
    can_mark = services.criterion_markable_by(request.user, lead)
    feedback = (
        lead.feedback.filter(cycle=lead.cycle)
        .select_related("rep")
        .prefetch_related("reasons")
        .first()
    )
    return render(
        request,
        "feedback/lead.html",
        {
            "lead": lead,
            "checklist": selectors.lead_checklist(lead),
            "feedback": feedback,
            "outcome": outcome,
            "can_mark": can_mark,
            "reads_all": selectors.reads_all_feedback(request.user),
            "mark_form": forms.CriterionMarkForm(),
            "outcome_form": outcome_form or forms.OutcomeForm(instance=outcome),
        },
        status=status,
    )


@require_POST
@login_required
def criterion_mark(request, pk: int, criterion_pk: int):
    lead = _visible_lead(request, pk)
    criterion = get_object_or_404(VersionCriterion.objects.select_related("stage"), pk=criterion_pk)
    form = forms.CriterionMarkForm(request.POST)
    if form.is_valid():
        try:
            services.criterion_mark(
                lead=lead, criterion=criterion, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(_errors_of(error)))
        else:
            messages.success(request, f"“{criterion.statement}” checked.")
    else:
        messages.error(request, "Choose a result and the evidence seen.")
    return redirect(lead)


@require_POST
@login_required
def outcome_save(request, pk: int):
    lead = _visible_lead(request, pk)
    form = forms.OutcomeForm(request.POST)
    if form.is_valid():
        services.outcome_record(lead=lead, by=request.user, **form.cleaned_data)
        messages.success(request, "Outcome recorded.")
        return redirect(lead)
    return _lead_page(request, lead, outcome_form=form, status=400)


@require_http_methods(["GET", "POST"])
@permission_required(FACILITATE, action="enter leads")
def lead_new(request):
    form = forms.LeadForm(request.POST or None, initial={"cycle": request.GET.get("cycle")})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("cycle", "rep")}
        try:
            lead = services.lead_create(
                cycle=form.cleaned_data["cycle"],
                rep=form.cleaned_data["rep"],
                by=request.user,
                **data,
            )
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, f"{lead.company} was handed to {lead.rep} and checked.")
            return redirect(lead)
    return render(request, "feedback/lead_new.html", {"form": form})


# --- imports -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required(FACILITATE, action="import leads")
def import_new(request):
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > csv_io.MAX_BYTES:
            form.add_error("file", csv_io.too_big_message(upload.size))
        else:
            try:
                lead_import = services.import_upload(
                    data=upload.read(),
                    filename=upload.name,
                    by=request.user,
                    kind=form.cleaned_data["kind"],
                    cycle=form.cleaned_data["cycle"],
                    fallback_rep=form.cleaned_data["fallback_rep"],
                )
            except csv_io.CsvRejected as error:
                form.add_error("file", str(error))
            else:
                return redirect(lead_import)
    open_cycle = ReviewCycle.objects.open().first()
    if request.method == "GET" and open_cycle:
        form.initial["cycle"] = open_cycle.pk
    return render(
        request,
        "feedback/import_new.html",
        {"form": form, "imports": selectors.recent_imports()},
    )


PREVIEW_ROWS = 5


def _import_targets(lead_import: LeadImport) -> dict[str, str]:
    if lead_import.kind == LeadImport.Kind.LEADS:
        return csv_io.LEAD_TARGETS
    return csv_io.OUTCOME_TARGETS


def _mapping_form(lead_import: LeadImport, table: csv_io.Table, data=None):
    stage_column = next(
        (c for c, t in lead_import.mapping.items() if t == "stage_handed_over"), None
    )
    return forms.MappingForm(
        data,
        header=table.header,
        targets=_import_targets(lead_import),
        mapping=lead_import.mapping,
        reading=lead_import.reading,
        stage_words=csv_io.column_words(table, stage_column) if stage_column else [],
    )


def _import_context(lead_import: LeadImport, *, mapping_form=None, report=None):
    table = csv_io.csv_read(bytes(lead_import.content), **services.import_limits(lead_import.via))
    mapping_form = mapping_form or _mapping_form(lead_import, table)
    width = len(table.header)
    preview = [(line, (cells + [""] * width)[:width]) for line, cells in table.rows[:PREVIEW_ROWS]]
    readings, _ = csv_io.readings_decide(
        table,
        lead_import.mapping,
        crm=lead_import.reading.get("crm", ""),
        chosen=lead_import.reading,
    )
    handed_over = next((c for c, t in lead_import.mapping.items() if t == "handed_over_at"), None)
    return {
        "lead_import": lead_import,
        "header": table.header,
        "preview": preview,
        "mapping_form": mapping_form,
        "report": report,
        "encoding": table.encoding,
        "delimiter": {",": "comma", ";": "semicolon", "\t": "tab"}[table.delimiter],
        "readings": [str(reading) for reading in readings.values()],
        "handed_over_column": handed_over,
        "duplicates": [
            f"“{name}” (columns {', '.join(map(str, spots))})"
            for name, spots in table.duplicates.items()
        ],
        "stage_words": [
            (word, csv_io.STAGES.get(mapping_form[name].value() or "", ""), count)
            for name, word, _, count in mapping_form.stage_words
        ],
    } | _import_status_context(lead_import)


def _import_page(request, lead_import, *, mapping_form=None, report=None):
    context = _import_context(lead_import, mapping_form=mapping_form, report=report)
    return render_htmx(request, "feedback/import.html", context, partials=["import-result"])


@require_http_methods(["GET", "POST"])
@permission_required(FACILITATE, action="import leads")
def import_detail(request, pk: int):
    lead_import = get_object_or_404(
        LeadImport.objects.select_related("cycle__definition", "fallback_rep"), pk=pk
    )
    report, mapping_form = None, None
    busy = lead_import.status in (LeadImport.Status.QUEUED, LeadImport.Status.RUNNING)
    if request.method == "POST" and lead_import.status != LeadImport.Status.IMPORTED:
        action = request.POST.get("action")
        if action == "dry_run" and not busy:
            table = csv_io.csv_read(
                bytes(lead_import.content), **services.import_limits(lead_import.via)
            )
            mapping_form = _mapping_form(lead_import, table, request.POST)
            if mapping_form.is_valid():
                services.import_map(
                    lead_import=lead_import,
                    mapping=mapping_form.mapping(),
                    reading=mapping_form.reading(),
                    by=request.user,
                )
                report = services.import_dry_run(lead_import=lead_import, by=request.user)
                # The stage words of the column now mapped, with the choices just kept.
                mapping_form = _mapping_form(lead_import, table)
        elif action == "import":
            # The rows are imported by a background task; the page follows its progress.
            services.import_enqueue(lead_import=lead_import, by=request.user)
            lead_import.refresh_from_db()
            if not request.htmx:
                return redirect(lead_import)
    return _import_page(request, lead_import, mapping_form=mapping_form, report=report)


@require_GET
@permission_required(FACILITATE, action="import leads")
def import_progress(request, pk: int):
    """The import's result box as it is now: htmx polls it while the import runs."""
    lead_import = get_object_or_404(LeadImport, pk=pk)
    return render(
        request, "feedback/import.html#import-result", _import_status_context(lead_import)
    )


def _import_status_context(lead_import: LeadImport) -> dict:
    done, total = progress_of(lead_import)
    return {
        "lead_import": lead_import,
        "progress_done": done,
        "progress_total": total or lead_import.row_count,
        "stalled": services.import_is_stalled(lead_import),
    }


# --- the reason catalogue ------------------------------------------------------------------


def _criteria_choices() -> list[tuple[str, str]]:
    rows = VersionCriterion.objects.order_by("key", "-stage__version__published_at").values_list(
        "key", "statement"
    )
    seen = {}
    for key, statement in rows:
        seen.setdefault(key, statement)
    return [(key, f"{statement} ({key})") for key, statement in seen.items()]


@require_http_methods(["GET", "POST"])
@permission_required(FACILITATE, action="keep the reason catalogue")
def reasons(request):
    criteria = _criteria_choices()
    form = forms.ReasonForm(request.POST or None, criteria=criteria)
    if request.method == "POST":
        if "toggle" in request.POST:
            toggle = id_param(request.POST, "toggle")
            if toggle is None:
                raise Http404
            reason = get_object_or_404(RejectionReason, pk=toggle)
            services.reason_save(
                by=request.user,
                label=reason.label,
                criterion_key=reason.criterion_key,
                active=not reason.active,
                reason=reason,
            )
            return redirect("feedback:reasons")
        if form.is_valid():
            try:
                services.reason_save(by=request.user, **form.cleaned_data)
            except ValidationError as error:
                for message in _errors_of(error):
                    form.add_error("label", message)
            else:
                messages.success(request, "Reason added to the catalogue.")
                return redirect("feedback:reasons")
    catalogue = RejectionReason.objects.all()
    return render(request, "feedback/reasons.html", {"form": form, "catalogue": catalogue})
