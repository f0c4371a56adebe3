"""The numbers page's results, rendered once per state of the data and kept as HTML.

Its figures are cached under the data stamp (`selectors.numbers_page_cached`); drawing them
(the tables, four charts, the lists) cost more than reading them, so the rendered results,
the filter form and the draft's backtest are cached too, under the same stamp, the whole
query string and what of the viewer the results show: everyone's leads or only the rep's
own, and whether "Propose a change" links are offered. Nothing in them belongs to a session
(no CSRF token, no name): the layout around them is rendered for each request.
"""

import hashlib
from urllib.parse import urlencode

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from definitions.models import Definition
from definitions.permissions import may_propose
from feedback.permissions import reads_all_feedback
from numbers_app import charts, selectors
from numbers_app.figures import DIMENSION_LABELS

TEMPLATE = "numbers/definition.html"
RESULTS = "numbers-results"  # the partial, and the id of the element an htmx filter swaps
# The splits shown as tables only (cycle and version have their charts), with their captions.
SPLITS = (
    ("stage", "Acceptance per stage the lead was handed over at"),
    ("source", "Acceptance per lead source"),
    ("rep", "Acceptance per rep"),
)


def results_cached(request, definition: Definition, form_make, thresholds: dict) -> dict:
    """The page's results as HTML (`results`) and, for the whole page, the filter form
    (`filters_form`) and the draft's backtest (`backtest`); rendered only when the data, the
    query or the viewer's reading changed. `form_make()` gives the filter form, which is
    built (its choices read) only then: the form shows the query, and its choices (the
    versions, and the reps with leads) change only with the data the stamp covers."""
    whole_page = not results_only(request)
    # The whole page carries the draft's backtest, which has a stamp of its own.
    stamp, backtest_stamp = selectors.stamps(definition, backtest=whole_page)
    viewer = request.user
    reads = "all" if reads_all_feedback(viewer) else f"rep{viewer.pk}"
    parts = [
        definition.pk,
        urlencode(sorted(request.GET.lists()), doseq=True),
        ":".join(str(part) for part in stamp),
        reads,
        may_propose(viewer),
        backtest_stamp,
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    # "v2": entries hold the filter form too (an entry of the code before would not).
    key = f"numbers-html:v2:{definition.pk}:{digest}"
    found = cache.get(key)
    if found is None:
        found = _render(request, definition, form_make(), thresholds, stamp, whole_page)
        cache.set(key, found, selectors.CACHE_SECONDS)
    return {name: mark_safe(html) for name, html in found.items()}


def results_only(request) -> bool:
    """An htmx filter asks for the results alone; any other request gets the whole page."""
    return bool(request.htmx) and request.htmx.target == RESULTS


def _render(request, definition, form, thresholds, stamp, whole_page) -> dict:
    filters = form.filters()
    page = selectors.numbers_page_for(
        definition, filters, plan=form.valid_data(), viewer=request.user, stamp=stamp
    )
    figures = page["figures"]
    context = {
        **page,
        "definition": definition,
        "form": form,
        "filters": filters,
        "query": filters.query(),
        "charts": charts.page_charts(figures),
        "dimensions": [
            (dim, DIMENSION_LABELS[dim], caption, figures["by"][dim]) for dim, caption in SPLITS
        ],
        "may_propose": may_propose(request.user),
        "is_htmx": not whole_page,
        "qs": f"?{request.GET.urlencode()}" if request.GET else "",
        "thresholds": thresholds,
    }
    found = {"results": render_to_string(f"{TEMPLATE}#{RESULTS}", context, request)}
    if whole_page:
        found["filters_form"] = render_to_string(f"{TEMPLATE}#numbers-filters", context, request)
        found["backtest"] = render_to_string("numbers/_backtest.html", context, request)
    return found
