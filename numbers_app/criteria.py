"""How well each criterion predicts: met and accepted against missed and still accepted or
later bought, per criterion key across versions."""

from django.db.models import Case, Count, F, Sum, Value, When

from definitions.models import Definition, Version
from feedback.checks import ladders_for
from feedback.models import CriterionSummary, FiguresSummary
from feedback.models.summaries import CRITERION_COUNTS
from numbers_app.filters import ACCEPTED, LOW_LEVELS, Filters, leads, share, summarised

PREDICTOR_MIN = 10  # leads needed on each side before a criterion is called a poor predictor

COUNT_NAMES = ["met", "met_accepted", "missed", "missed_accepted_or_bought", "unknown"]


def _bit(column: str, index: int):
    return F(column).bitrightshift(index).bitand(1)


def criteria_counts(definition: Definition, filters: Filters) -> dict[str, dict]:
    """Per criterion key (across versions): the counts of `COUNT_NAMES`, and how often the
    leads sales accepted that the check placed below Lead missed it (`missed_low`).

    The check keeps one bit per criterion in ladder order; one query sums the bits per
    version and kind of lead (accepted, later bought, placed below Lead), and the few rows
    are labelled with the ladders and added up by key.
    """
    read = list(Version.objects.for_definition(definition))
    versions = {version.pk: version.number for version in read}
    ladders = ladders_for(versions, read)
    size = max((sum(len(c) for _, c in ladder) for ladder in ladders.values()), default=0)
    if summarised(filters):
        by_version = _summed_by_version(definition, filters)
    else:
        by_version = _by_version(definition, filters, size)
    return _keyed(versions, ladders, by_version)


def _summed_by_version(definition: Definition, filters: Filters) -> dict[int, dict]:
    """Per version: its leads (`n`) and, per criterion bit i, the counts named `<count>_i`,
    from the per-cycle summaries."""
    by_version: dict[int, dict] = {}
    for row in (
        FiguresSummary.objects.filter(definition=definition)
        .filter(filters.q())
        .values("version_id")
        .annotate(leads=Sum("handed"))
        .order_by()
    ):
        by_version[row["version_id"]] = {"n": row["leads"]}
    for row in (
        CriterionSummary.objects.filter(definition=definition)
        .filter(filters.q())
        .values("version_id", "bit")
        .annotate(**{f"{name}_n": Sum(name) for name in CRITERION_COUNTS})
        .order_by()
    ):
        counts = by_version.setdefault(row["version_id"], {"n": 0})
        for name in CRITERION_COUNTS:
            counts[f"{name}_{row['bit']}"] = row[f"{name}_n"]
    return by_version


def _by_version(definition: Definition, filters: Filters, size: int) -> dict[int, dict]:
    """`_summed_by_version` from the leads' own figures."""
    # Grouped by version and by what the shares need to tell apart (accepted, later bought,
    # placed below Lead), so each group sums just two bits per criterion.
    sums = {}
    for i in range(size):
        sums[f"met_{i}"] = Sum(_bit("met_bits", i))
        sums[f"missed_{i}"] = Sum(_bit("missed_bits", i))
    groups = (
        leads(definition, filters)
        .annotate(
            accepted=Case(When(ACCEPTED, then=Value(True)), default=Value(False)),
            low=Case(When(level_reached__in=LOW_LEVELS, then=Value(True)), default=Value(False)),
        )
        # Later bought: within 24 months after the hand-over, never before it.
        .values("version_id", "accepted", "bought_later", "low")
        .annotate(n=Count("pk"), **sums)
        .order_by()
        if size
        else []
    )
    by_version: dict[int, dict] = {}
    for group in groups:
        row = by_version.setdefault(group["version_id"], {"n": 0})
        row["n"] += group["n"]
        for i in range(size):
            met, missed = group[f"met_{i}"] or 0, group[f"missed_{i}"] or 0
            pairs = {"met": met, "missed": missed}
            if group["accepted"]:
                pairs["met_accepted"] = met
                pairs["missed_low"] = missed if group["low"] else 0
            if group["accepted"] or group["bought_later"]:
                pairs["missed_accepted_or_bought"] = missed
            for name, value in pairs.items():
                row[f"{name}_{i}"] = row.get(f"{name}_{i}", 0) + value
    return by_version


def _keyed(versions: dict, ladders: dict, by_version: dict) -> dict[str, dict]:
    """The counts per version and bit, labelled with the ladders and added up by key."""
    rows: dict[str, dict] = {}
    # The newest version's wording and place label a key, so it comes first.
    for version_id in sorted(ladders, key=lambda pk: -versions.get(pk, 0)):
        criteria = [
            (stage, c) for stage, stage_criteria in ladders[version_id] for c in stage_criteria
        ]
        row_counts = by_version.get(version_id)
        for i, (stage, criterion) in enumerate(criteria):
            row = rows.setdefault(
                criterion.key,
                {
                    "key": criterion.key,
                    "statement": criterion.statement,
                    "stage_key": stage.key,
                    "order": (stage.position, criterion.position, criterion.key),
                    **dict.fromkeys(COUNT_NAMES, 0),
                    "missed_low": 0,
                    "seen": False,
                },
            )
            if row_counts is None:
                continue
            row["seen"] = True
            met, missed = row_counts.get(f"met_{i}", 0), row_counts.get(f"missed_{i}", 0)
            row["met"] += met
            row["missed"] += missed
            row["unknown"] += row_counts["n"] - met - missed
            for name in ("met_accepted", "missed_accepted_or_bought", "missed_low"):
                row[name] += row_counts.get(f"{name}_{i}", 0)
    return {key: row for key, row in rows.items() if row.pop("seen")}


def criteria_prediction(definition: Definition, filters: Filters, counts=None) -> list[dict]:
    """Per criterion (by its stable key, across versions): of the leads that met it, the share
    sales accepted; of those that missed it, the share still accepted or later bought."""
    counts = criteria_counts(definition, filters) if counts is None else counts
    ordered = sorted(
        ({k: v for k, v in row.items() if k != "missed_low"} for row in counts.values()),
        key=lambda row: row["order"],
    )
    for row in ordered:
        del row["order"]
        met = row["met_accepted_share"] = share(row["met_accepted"], row["met"])
        missed = row["missed_accepted_or_bought_share"] = share(
            row["missed_accepted_or_bought"], row["missed"]
        )
        row["lift"] = None if met is None or missed is None else met - missed
        # Meeting it should make acceptance likelier than missing it; when it does not, with
        # enough leads on each side, the criterion predicts badly.
        row["predicts_badly"] = (
            row["lift"] is not None
            and row["met"] >= PREDICTOR_MIN
            and row["missed"] >= PREDICTOR_MIN
            and row["lift"] <= 0
        )
    return ordered
