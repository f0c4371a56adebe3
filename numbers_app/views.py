"""The numbers pages: thin views over numbers_app.selectors (every signed-in person reads them)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from config.kept_pages import kept_page
from definitions.models import Definition
from feedback import csv_io
from feedback.rounding import percent_points
from numbers_app import rendering, selectors
from numbers_app.criteria import PREDICTOR_MIN
from numbers_app.exports import EXPORTS, export_table
from numbers_app.forms import NumbersForm
from numbers_app.reasons import PRIVATE_FILTER_MIN, PRIVATE_FILTER_SHARE

THRESHOLDS = {
    "private_share": percent_points(PRIVATE_FILTER_SHARE),
    "private_min": PRIVATE_FILTER_MIN,
    "predictor_min": PREDICTOR_MIN,
}


def _definition(request, pk: int) -> Definition:
    return get_object_or_404(Definition.objects.visible_to(request.user), pk=pk)


def _form(request, definition) -> NumbersForm:
    return NumbersForm(request.GET or None, choices=selectors.filter_choices(definition))


@require_GET
@login_required
def index(request):
    definitions = selectors.definitions_with_numbers()
    return render(request, "numbers/index.html", {"definitions": definitions})


@require_GET
@kept_page
@login_required
def definition_numbers(request, pk: int):
    definition = _definition(request, pk)
    rendered = rendering.results_cached(
        request, definition, lambda: _form(request, definition), THRESHOLDS
    )
    if rendering.results_only(request):
        return HttpResponse(rendered["results"])
    context = {"definition": definition, **rendered}
    return render(request, "numbers/definition.html", context)


@require_GET
@login_required
def backtest_partial(request, pk: int):
    """The backtest of the draft on the last cycle's leads, for the approval page to include."""
    definition = _definition(request, pk)
    backtest = selectors.draft_and_backtest_cached(definition)[1]
    return render(
        request, "numbers/_backtest.html", {"definition": definition, "backtest": backtest}
    )


@require_GET
@login_required
def export_csv(request, pk: int, table: str):
    if table not in EXPORTS:
        raise Http404
    definition = _definition(request, pk)
    form = _form(request, definition)
    if form.is_bound and not form.is_valid():
        # Never the unfiltered table under a filtered file name: say what is wrong.
        return HttpResponse(form.error_text(), status=400, content_type="text/plain; charset=utf-8")
    header, rows = export_table(
        definition, form.filters(), table, plan=form.valid_data(), viewer=request.user
    )
    response = HttpResponse(csv_io.csv_write(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="numbers-{definition.pk}-{table}.csv"'
    return response
