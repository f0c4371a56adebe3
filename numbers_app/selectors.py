"""The numbers page as a whole (every figure, the lists cut to the viewer), the cache in
front of it keyed by a stamp of the data, and the executives' home section."""

import functools
import hashlib
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from definitions.models import Definition, Proposal, Version
from definitions.selectors import draft_build
from feedback.models import (
    FiguresSummary,
    Lead,
    LeadCheck,
    LeadSource,
    RejectionReason,
    ReviewCycle,
)
from feedback.permissions import reads_all_feedback
from feedback.rounding import percent, percent_points
from numbers_app.backtest import backtest, last_cycle
from numbers_app.criteria import criteria_counts, criteria_prediction
from numbers_app.figures import (
    acceptance_by,
    funnel,
    leads_needed,
    totals,
    totals_and_dimensions,
)
from numbers_app.filters import ACCEPTED_LOW_WHERE, HIGH_REJECTED_WHERE, Filters, share
from numbers_app.findings import findings_links
from numbers_app.lead_lists import disagreements, lead_list, rejected_then_bought
from numbers_app.reasons import reasons_of, rejection_reasons


def numbers_page(definition: Definition, filters: Filters) -> dict:
    """Every figure of the numbers page, in a number of queries that does not grow with data."""
    figures = {}
    figures["totals"], figures["by"] = totals_and_dimensions(definition, filters)
    figures["trend"] = figures["by"]["cycle"]
    # Versions compared: acceptance and later-bought rates per version, and the change.
    figures["versions"] = figures["by"]["version"]
    figures["reasons"] = rejection_reasons(definition, filters, figures["totals"]["rejected"])
    figures["criterion_reasons"] = [r for r in figures["reasons"] if not r["unwritten"]]
    figures["unwritten_reasons"] = [r for r in figures["reasons"] if r["unwritten"]]
    figures["private_filters"] = [r for r in figures["reasons"] if r["private_filter"]]
    counts = criteria_counts(definition, filters)
    figures["criteria"] = criteria_prediction(definition, filters, counts)
    figures["disagreements"] = disagreements(definition, filters, figures["reasons"], counts)
    figures["bought"] = rejected_then_bought(definition, filters)
    figures["funnel"] = funnel(definition, filters, figures["totals"])
    _label_reasons(figures)
    return figures


def _label_reasons(figures: dict) -> None:
    lists = figures["disagreements"]
    reasons = reasons_of(
        [lead.feedback_id for lead in figures["bought"]]
        + [lead.feedback_id for lead in lists["high_rejected"]]
    )
    for lead in figures["bought"] + lists["high_rejected"]:
        lead.reason_labels = reasons.get(lead.feedback_id, [])


def lead_lists_for(
    definition: Definition, filters: Filters, figures: dict, viewer, stamp=None
) -> dict:
    """The page's figures with its lists of leads cut to those `viewer` may read: a rep
    sees their own leads there, as on the lead pages; the aggregates stay as they are.

    Given the data stamp, a rep's lists are cached under it like the figures, so a rep's
    second visit reads no lead either."""
    if reads_all_feedback(viewer):
        return figures
    if stamp is None:
        return _lead_lists_cut(definition, filters, figures, viewer)
    key = (
        f"numbers-lists:{definition.pk}:{viewer.pk}:"
        f"{urlencode(sorted(filters.query().items()))}:{_stamp_text(stamp)}"
    )
    lists = cache.get(key)
    if lists is None:
        cut = _lead_lists_cut(definition, filters, figures, viewer)
        lists = {"disagreements": cut["disagreements"], "bought": cut["bought"]}
        cache.set(key, lists, CACHE_SECONDS)
    return {**figures, **lists}


def _lead_lists_cut(definition: Definition, filters: Filters, figures: dict, viewer) -> dict:
    figures = {**figures, "disagreements": {**figures["disagreements"]}}
    found = figures["disagreements"]
    for key, where in (
        ("high_rejected", HIGH_REJECTED_WHERE),
        ("accepted_low", ACCEPTED_LOW_WHERE),
    ):
        found[key] = lead_list(
            definition, filters, where, ["-figures__handed_over_at", "pk"], viewer
        )
    figures["bought"] = rejected_then_bought(definition, filters, viewer)
    _label_reasons(figures)
    return figures


# --- the cache in front of the page ---------------------------------------------------------

CACHE_SECONDS = 24 * 3600


def _newest(model, column: str = "id") -> str:
    """The newest row's `column` (an index's last entry: one cheap read), as SQL."""
    quote = connection.ops.quote_name
    return f"(SELECT MAX({quote(column)}) FROM {quote(model._meta.db_table)})"


def _people_names() -> str:
    """The people's names and addresses, as SQL: the figures and the filter name the reps,
    and a rename writes nothing the other columns see (a sign-in writes a history row of
    its own, so the people's newest history row would change with every sign-in). A digest
    on PostgreSQL; the text itself on SQLite (no digest function), digested in `stamps`."""
    quote = connection.ops.quote_name
    name = f"{quote('full_name')} || ' ' || {quote('email')}"
    people = quote(User._meta.db_table)
    if connection.vendor == "postgresql":
        return f"(SELECT md5(string_agg({name}, ',' ORDER BY {quote('id')})) FROM {people})"
    ordered = f"SELECT {name} AS n FROM {people} ORDER BY {quote('id')}"
    return f"(SELECT group_concat(n, ',') FROM ({ordered}))"


@functools.cache
def _stamps_sql() -> tuple[list[str], list[str]]:
    """The columns (SQL) of the data stamp (the definition a parameter of the first two)
    and of the backtest's stamp (the definition, then the moment, parameters of its last):
    written once per process, as building them through the ORM cost several times what the
    database takes to answer them."""
    quote = connection.ops.quote_name
    summaries = f"FROM {quote(FiguresSummary._meta.db_table)} WHERE {quote('definition_id')} = %s"
    catalogue = [
        _newest(Version),
        _newest(Proposal.history.model, "history_id"),
        _newest(ReviewCycle.history.model, "history_id"),
    ]
    data = [
        f"(SELECT MAX({quote('id')}) {summaries})",
        f"(SELECT COUNT(*) {summaries})",
        _newest(RejectionReason.history.model, "history_id"),
        *catalogue,
        _people_names(),
    ]
    # The cycle the backtest reads (`last_cycle`): it changes when a cycle starts, which
    # writes nothing.
    started = (
        f"(SELECT {quote('id')} FROM {quote(ReviewCycle._meta.db_table)} "
        f"WHERE {quote('definition_id')} = %s AND {quote('starts_at')} <= %s "
        f"ORDER BY {quote('starts_at')} DESC, {quote('id')} DESC LIMIT 1)"
    )
    backtest = [_newest(Lead.history.model, "history_id"), _newest(LeadCheck), *catalogue, started]
    return data, backtest


def stamps(definition: Definition, *, backtest: bool = False) -> tuple[tuple, tuple | None]:
    """The data stamp and, when asked, the backtest's stamp, in one query."""
    data, backtest_columns = _stamps_sql()
    columns, params = data, [definition.pk, definition.pk]
    if backtest:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        columns, params = data + backtest_columns, [*params, definition.pk, now]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}", params)
        row = list(cursor.fetchone())
    names = len(data) - 1  # the people's names, last of the data stamp: short in any key
    row[names] = hashlib.sha256(str(row[names]).encode()).hexdigest()[:16]
    return tuple(row[: len(data)]), tuple(row[len(data) :]) if backtest else None


def data_stamp(definition: Definition) -> tuple:
    """What the definition's figures were computed from, in one cheap query.

    The leads, their checks, feedback and outcomes reach the page only through the per-cycle
    summaries, and whoever writes one of them writes the lead's figures summary rows again
    (new rows, new ids; a rebuild writes its whole cell): the newest id and the number of
    the definition's summary rows change with any such write to this definition, and with
    none to another. The catalogue the page labels them with (reasons, versions,
    proposals, cycles) is stamped by its newest history row, as before, and the reps'
    names by a digest of the people's names and addresses."""
    return stamps(definition)[0]


def _stamp_text(stamp: tuple) -> str:
    return ":".join(str(part) for part in stamp)


def numbers_page_cached(definition: Definition, filters: Filters, stamp=None) -> dict:
    """`numbers_page`, kept in the cache until the data it was computed from changes."""
    stamp = data_stamp(definition) if stamp is None else stamp
    key = (
        f"numbers:{definition.pk}:{urlencode(sorted(filters.query().items()))}:{_stamp_text(stamp)}"
    )
    figures = cache.get(key)
    if figures is None:
        figures = numbers_page(definition, filters)
        cache.set(key, figures, CACHE_SECONDS)
    return figures


def backtest_stamp(definition: Definition) -> tuple:
    """What the draft and its backtest are computed from, in one cheap query: the leads (any
    change writes a history row), their checks (re-run, under new ids, whenever a lead's
    values or marks change), the proposals, the versions, the cycles and the last cycle
    started by now. Feedback and outcomes are not among them, so a review saved leaves the
    backtest cached."""
    return stamps(definition, backtest=True)[1]


def draft_and_backtest_cached(definition: Definition, now=None):
    """The draft's content and its backtest, cached until the leads, their checks, the
    proposals or the last cycle change (`backtest_stamp`)."""
    cycle = last_cycle(definition, now)
    stamp = _stamp_text(backtest_stamp(definition))
    key = f"numbers-draft:{definition.pk}:{cycle.pk if cycle else ''}:{stamp}"
    found = cache.get(key)
    if found is None:
        found = (draft_build(definition)[0], backtest(definition, now))
        cache.set(key, found, CACHE_SECONDS)
    return found


def numbers_page_for(
    definition: Definition, filters: Filters, *, plan: dict, viewer, stamp=None
) -> dict:
    """What the numbers page shows `viewer`: the cached figures with the lists cut to what
    they may read, "Propose a change" links on the findings, the leads needed for the plan
    (a revenue target and, when given, an average deal size) and the draft's backtest."""
    stamp = data_stamp(definition) if stamp is None else stamp
    figures = numbers_page_cached(definition, filters, stamp)
    figures = lead_lists_for(definition, filters, figures, viewer, stamp)
    content, draft_backtest = draft_and_backtest_cached(definition)
    findings_links(definition, filters, figures, content)
    measured = figures["funnel"]["average_deal"]
    average = plan.get("average_deal") or measured
    return {
        "figures": figures,
        "totals": figures["totals"],
        "waiting": figures["totals"]["handed"] - figures["totals"]["reviewed"],
        "needed": leads_needed(figures["funnel"]["steps"], plan.get("revenue_target"), average),
        "average_deal": average,
        "measured_average": measured,
        "backtest": draft_backtest,
    }


# --- the executives' home page and the navigation ------------------------------------------


def _home_figures(definition: Definition, stamp: tuple):
    """The home page's three figures of a definition, cached like the page's."""
    key = f"numbers-home:{definition.pk}:{_stamp_text(stamp)}"
    found = cache.get(key)
    if found is None:
        everything = Filters()
        total = totals(definition, everything)
        found = (
            acceptance_by(definition, everything, "cycle"),
            total,
            [
                r
                for r in rejection_reasons(definition, everything, total["rejected"])
                if r["private_filter"]
            ],
        )
        cache.set(key, found, CACHE_SECONDS)
    return found


def acceptance_sentence(trend: list[dict]) -> str:
    """The last cycle's acceptance for the home card, among the leads reviewed so far: a cycle
    half reviewed is not a collapse. Compared with the cycle before on the same footing."""
    last = trend[-1]
    rate = share(last["accepted"], last["reviewed"])
    if not last["reviewed"]:
        return f"0 of {last['handed']} reviewed so far in the cycle of {last['label']}"
    sentence = (
        f"{percent(rate)} accepted among the {last['reviewed']} leads reviewed "
        f"in the cycle of {last['label']}"
    )
    if last["reviewed"] < last["handed"]:
        sentence += f" ({last['reviewed']} of {last['handed']} reviewed so far)"
    before = trend[-2] if len(trend) > 1 else None
    if before and before["reviewed"]:
        points = percent_points(rate) - percent_points(
            share(before["accepted"], before["reviewed"])
        )
        sentence += f"; {'+' if points >= 0 else ''}{points} points on the cycle before"
    return sentence


def home_sections(user) -> list[dict]:
    """For executives: per definition with leads, the acceptance trend, the top private
    filter and the rejected leads that later bought."""
    if not user.is_authenticated or not user.has_perm("definitions.approve_version"):
        return []
    definitions = list(
        Definition.objects.filter(Exists(Lead.objects.filter(definition=OuterRef("pk")))).order_by(
            "name"
        )[:5]
    )
    items = []
    for definition in definitions:
        url = reverse("numbers:definition", args=[definition.pk])
        trend, total, private = _home_figures(definition, data_stamp(definition))
        if trend:
            detail = acceptance_sentence(trend)
            items.append(
                {"url": url + "#trend", "label": f"{definition}: acceptance", "detail": detail}
            )
        if private:
            top = private[0]
            items.append(
                {
                    "url": url + f"#reason-{top['id']}",
                    "label": f"{definition}: top private filter “{top['label']}”",
                    "detail": f"behind {percent(top['share'])} of rejections",
                }
            )
        items.append(
            {
                "url": url + "#bought",
                "label": f"{definition}: rejected, then bought",
                "detail": f"{total['rejected_bought']} of {total['rejected']} rejected leads "
                f"({percent(total['rejected_bought_share'])}) bought within 24 months",
            }
        )
    return [
        {
            "id": "numbers",
            "title": "The numbers",
            "items": items,
            "empty": "No leads have been handed over yet.",
        }
    ]


def definitions_with_numbers():
    return Definition.objects.annotate(lead_count=Count("leads")).order_by("name")


def filter_choices(definition: Definition) -> dict:
    """What the filter form offers: the definition's versions, the sources, the reps."""
    return {
        "versions": list(Version.objects.for_definition(definition).order_by("number")),
        "sources": LeadSource.choices,
        "reps": list(
            User.objects.filter(
                Exists(Lead.objects.filter(definition=definition, rep=OuterRef("pk")))
            ).order_by("full_name")
        ),
    }
