"""The numbers pages: thin views over feedback.numbers (every signed-in person reads them)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from config.fields import DateField
from config.htmx import render_htmx
from definitions.models import Definition
from definitions.selectors import voter_is_eligible
from feedback import charts, csv_io, numbers
from feedback.rounding import percent_points


class NumbersForm(forms.Form):
    """The filters and the leads-needed plan; every field may stay empty."""

    date_from = DateField(
        label="Handed over from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = DateField(
        label="Handed over to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.TypedChoiceField(label="Version", required=False, coerce=int, empty_value=None)
    source = forms.ChoiceField(label="Source", required=False)
    rep = forms.TypedChoiceField(label="Rep", required=False, coerce=int, empty_value=None)
    revenue_target = forms.DecimalField(
        label="Revenue target", required=False, min_value=0, max_digits=16, decimal_places=2
    )
    average_deal = forms.DecimalField(
        label="Average deal size",
        required=False,
        min_value=0.01,
        max_digits=14,
        decimal_places=2,
        help_text="Empty: the measured average of the deals bought.",
    )

    def __init__(self, data, *, choices: dict):
        super().__init__(data)
        self.fields["version"].choices = [("", "Any version")] + [
            (v.pk, f"Version {v.number}") for v in choices["versions"]
        ]
        self.fields["source"].choices = [("", "Any source"), *choices["sources"]]
        self.fields["rep"].choices = [("", "Any rep")] + [
            (r.pk, r.full_name or r.email) for r in choices["reps"]
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end of the period comes before its start.")
        return cleaned

    def valid_data(self) -> dict:
        """What validated: an invalid field is left out (and shows its error), the others
        still apply."""
        self.is_valid()
        return getattr(self, "cleaned_data", {})

    def error_text(self) -> str:
        """Every error, each naming its field, for a CSV export that cannot answer."""
        return " ".join(
            f"{self.fields[name].label if name in self.fields else 'Filters'}: {error}"
            for name, errors in self.errors.items()
            for error in errors
        )

    def filters(self) -> numbers.Filters:
        data = self.valid_data()
        return numbers.Filters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            version_id=data.get("version"),
            source=data.get("source") or "",
            rep_id=data.get("rep"),
        )


def _definition(request, pk: int) -> Definition:
    return get_object_or_404(Definition.objects.visible_to(request.user), pk=pk)


def _form(request, definition) -> NumbersForm:
    return NumbersForm(request.GET or None, choices=numbers.filter_choices(definition))


def may_propose(user) -> bool:
    return user.has_perm("definitions.facilitate") or voter_is_eligible(user)


@require_GET
@login_required
def index(request):
    return render(
        request,
        "feedback/numbers_index.html",
        {"definitions": numbers.definitions_with_numbers()},
    )


def _charts(figures: dict) -> dict:
    trend = figures["trend"]
    reasons = figures["reasons"][:10]
    return {
        "trend": charts.line_chart(
            "chart-trend",
            "Acceptance rate per cycle",
            [(row["label"], row["acceptance"]) for row in trend],
        ),
        "reasons": charts.bar_chart(
            "chart-reasons",
            "Rejection reasons, ranked",
            [
                (
                    r["label"] + (" (unwritten)" if r["unwritten"] else ""),
                    r["share"],
                    f"{r['count']} · {numbers.percent(r['share'])}",
                )
                for r in reasons
            ],
        ),
        "versions": charts.bar_chart(
            "chart-versions",
            "Acceptance rate per version",
            [
                (row["label"], row["acceptance"], numbers.percent(row["acceptance"]))
                for row in figures["versions"]
            ],
            scale=1,
        ),
        "funnel": charts.funnel_chart(
            "chart-funnel", "The funnel: leads reaching each step", figures["funnel"]["steps"]
        ),
    }


@require_GET
@login_required
def definition_numbers(request, pk: int):
    definition = _definition(request, pk)
    form = _form(request, definition)
    filters = form.filters()
    stamp = numbers.data_stamp()
    figures = numbers.numbers_page_cached(definition, filters, stamp)
    figures = numbers.lead_lists_for(definition, filters, figures, request.user)
    content, backtest = numbers.draft_and_backtest_cached(definition, stamp)
    numbers.findings_links(definition, filters, figures, content)
    plan = form.valid_data()
    average = plan.get("average_deal") or figures["funnel"]["average_deal"]
    needed = numbers.leads_needed(figures["funnel"]["steps"], plan.get("revenue_target"), average)
    context = {
        "definition": definition,
        "form": form,
        "filters": filters,
        "query": filters.query(),
        "figures": figures,
        "totals": figures["totals"],
        "charts": _charts(figures),
        "needed": needed,
        "average_deal": average,
        "measured_average": figures["funnel"]["average_deal"],
        "dimensions": [
            (dim, numbers.DIMENSION_LABELS[dim], caption, figures["by"][dim])
            for dim, caption in (
                ("stage", "Acceptance per stage the lead was handed over at"),
                ("source", "Acceptance per lead source"),
                ("rep", "Acceptance per rep"),
            )
        ],
        "may_propose": may_propose(request.user),
        "is_htmx": bool(request.htmx),
        "waiting": figures["totals"]["handed"] - figures["totals"]["reviewed"],
        "qs": f"?{request.GET.urlencode()}" if request.GET else "",
        "backtest": backtest,
        "thresholds": {
            "private_share": round(numbers.PRIVATE_FILTER_SHARE * 100),
            "private_min": numbers.PRIVATE_FILTER_MIN,
            "predictor_min": numbers.PREDICTOR_MIN,
        },
    }
    return render_htmx(request, "feedback/numbers.html", context, partials=["numbers-results"])


@require_GET
@login_required
def backtest_partial(request, pk: int):
    """The backtest of the draft on the last cycle's leads, for the approval page to include."""
    definition = _definition(request, pk)
    return render(
        request,
        "feedback/_backtest.html",
        {"definition": definition, "backtest": numbers.draft_and_backtest_cached(definition)[1]},
    )


EXPORTS = {
    "cycle",
    "version",
    "stage",
    "source",
    "rep",
    "reasons",
    "criteria",
    "disagreements",
    "bought",
    "funnel",
    "backtest",
}
RATE_HEADER = [
    "Handed over",
    "Reviewed",
    "Accepted",
    "Rejected",
    "Recycled",
    "Acceptance rate",
    "Bought",
    "Rejected, then bought within 24 months",
    "Share of rejected that bought",
]


def _pct(value) -> str:
    """One decimal place, rounded half up like the page's whole percentages."""
    points = percent_points(value, 1)
    return "" if points is None else str(points)


def _table(definition, filters: numbers.Filters, table: str, plan: dict, viewer):
    if table in numbers.DIMENSIONS:
        header = [numbers.DIMENSION_LABELS[table], *RATE_HEADER]
        rows = [
            [
                r["label"],
                r["handed"],
                r["reviewed"],
                r["accepted"],
                r["rejected"],
                r["recycled"],
                _pct(r["acceptance"]),
                r["bought"],
                r["rejected_bought"],
                _pct(r["rejected_bought_share"]),
            ]
            for r in numbers.acceptance_by(definition, filters, table)
        ]
        return header, rows
    if table == "reasons":
        total = numbers.totals(definition, filters)
        reasons = numbers.rejection_reasons(definition, filters, total["rejected"])
        header = [
            "Reason",
            "Kind",
            "Criterion",
            "Rejections",
            "Share of rejections (%)",
            "Recycled leads giving it",
            "Private filter",
        ]
        rows = [
            [
                r["label"],
                "unwritten" if r["unwritten"] else "criterion",
                r["criterion_key"],
                r["count"],
                _pct(r["share"]),
                r["recycled"],
                "yes" if r["private_filter"] else "",
            ]
            for r in reasons
        ]
        return header, rows
    if table == "criteria":
        header = [
            "Criterion",
            "Key",
            "Met",
            "Met and accepted (%)",
            "Missed",
            "Missed, accepted or bought (%)",
            "Unknown",
            "Predicts badly",
        ]
        rows = [
            [
                r["statement"],
                r["key"],
                r["met"],
                _pct(r["met_accepted_share"]),
                r["missed"],
                _pct(r["missed_accepted_or_bought_share"]),
                r["unknown"],
                "yes" if r["predicts_badly"] else "",
            ]
            for r in numbers.criteria_prediction(definition, filters)
        ]
        return header, rows
    if table == "disagreements":
        found = numbers.disagreements(definition, filters, viewer=viewer)
        header = ["Disagreement", "CRM reference", "Company", "Rep", "Check reached", "Handed over"]
        rows = [
            [
                kind,
                lead.crm_reference,
                lead.company,
                str(lead.rep),
                getattr(getattr(lead, "qualification", None), "level_reached", "") or "no stage",
                timezone.localdate(lead.handed_over_at).isoformat(),
            ]
            for kind, key in (
                ("Check at Opportunity, sales rejected", "high_rejected"),
                ("Sales accepted, check below Lead", "accepted_low"),
            )
            for lead in found[key]
        ]
        return header, rows
    if table == "bought":
        leads = numbers.rejected_then_bought(definition, filters, viewer)
        reasons = numbers.reasons_of([lead.feedback_id for lead in leads])
        header = [
            "CRM reference",
            "Company",
            "Rep",
            "Handed over",
            "Reasons",
            "Bought on",
            "Amount",
        ]
        rows = [
            [
                lead.crm_reference,
                lead.company,
                str(lead.rep),
                timezone.localdate(lead.handed_over_at).isoformat(),
                "; ".join(reasons.get(lead.feedback_id, [])),
                lead.outcome.occurred_on.isoformat(),
                lead.outcome.amount if lead.outcome.amount is not None else "",
            ]
            for lead in leads
        ]
        return header, rows
    if table == "funnel":
        found = numbers.funnel(definition, filters)
        average = plan.get("average_deal") or found["average_deal"]
        needed = numbers.leads_needed(found["steps"], plan.get("revenue_target"), average)
        header = ["Step", "Leads", "Conversion to the next step (%)", "Needed for the target"]
        rows = [
            [
                s["label"],
                s["count"],
                _pct(s["conversion"]),
                "" if s["needed"] is None else s["needed"],
            ]
            for s in needed["steps"]
        ]
        return header, rows
    result = numbers.backtest(definition)
    header = [
        "Level",
        "Stage in the draft",
        "Reach it under their version",
        "Reach it under the draft",
    ]
    rows = [[r["level"], r["name"], r["now"], r["draft"]] for r in result.rows]
    return header, rows


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
    plan = form.valid_data()
    header, rows = _table(definition, form.filters(), table, plan, request.user)
    response = HttpResponse(csv_io.csv_write(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="numbers-{definition.pk}-{table}.csv"'
    return response
