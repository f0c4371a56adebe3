"""The import pages: upload, map the columns, dry run, import, follow its progress."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import permission_required
from config.htmx import render_htmx
from feedback import csv_io, forms, selectors, services
from feedback.models import LeadImport, ReviewCycle
from feedback.progress import progress_of
from feedback.views.common import FACILITATE


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


def _import_context(lead_import: LeadImport, *, mapping_form=None, report=None):
    table = csv_io.csv_read(bytes(lead_import.content), **services.import_limits(lead_import.via))
    mapping_form = mapping_form or forms.mapping_form_for(lead_import, table)
    return (
        {"lead_import": lead_import, "mapping_form": mapping_form, "report": report}
        | selectors.import_preview(lead_import, table, mapping_form)
        | _import_status_context(lead_import)
    )


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
            mapping_form = forms.mapping_form_for(lead_import, table, request.POST)
            if mapping_form.is_valid():
                services.import_map(
                    lead_import=lead_import,
                    mapping=mapping_form.mapping(),
                    reading=mapping_form.reading(),
                    by=request.user,
                )
                report = services.import_dry_run(lead_import=lead_import, by=request.user)
                # The stage words of the column now mapped, with the choices just kept.
                mapping_form = forms.mapping_form_for(lead_import, table)
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
