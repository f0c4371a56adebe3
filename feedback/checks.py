"""The qualification check as a pure computation: a lead's values against a version's ladder.

A lead reaches a stage when every criterion of that stage and of every stage before it is
met. A stage with no criteria cannot be reached by the check (nothing says the lead is
there: a customer is a customer because it signed, which the check cannot see), so the
climb stops before it. A criterion with a rule is evaluated; one without is checked by a
person, and counts as met only when a person marked it met.

Everything here is computation on values, except `ladders_for`, which reads the ladders
(from the shared cache, for the versions it is given: a published version never changes).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.cache import cache as shared_cache

from config.code_digest import code_digest
from definitions import models as definitions_models
from definitions.models import VersionCriterion, VersionStage
from definitions.rules import LEAD_FIELDS, MET, MISSED, UNKNOWN, rule_evaluate

EVIDENCE_FIELDS = {"need_evidence", "budget_evidence", "authority_evidence"}


@dataclass(frozen=True)
class Mark:
    """A person's verdict on a criterion without a rule."""

    result: str
    evidence: str
    by_id: int | None
    at: object


@dataclass(frozen=True)
class Outcome:
    criterion: object
    result: str
    evidence_seen: str
    value_seen: str
    mark: Mark | None = None


def lead_values(lead) -> dict:
    """The lead's values keyed by the rule vocabulary's field names."""
    return {name: getattr(lead, name) for name in LEAD_FIELDS}


def _value_text(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)[:200]


def criterion_outcome(
    criterion, values: dict, mark: Mark | None = None, cache: dict | None = None
) -> Outcome:
    rule = criterion.rule
    if not rule:
        if mark is None:
            return Outcome(criterion, UNKNOWN, "", "")
        return Outcome(criterion, mark.result, mark.evidence, "", mark)
    field = rule["field"]
    value = values.get(field)
    evidence = value if field in EVIDENCE_FIELDS and value else ""
    if cache is None:
        return Outcome(criterion, rule_evaluate(rule, values), evidence, _value_text(value))
    # A rule reads one field, so its verdict depends on that value alone: checking many
    # leads, each (criterion, value) is evaluated once.
    key = (criterion.pk, value)
    outcome = cache.get(key)
    if outcome is None:
        outcome = cache[key] = Outcome(
            criterion, rule_evaluate(rule, {field: value}), evidence, _value_text(value)
        )
    return outcome


def ladder_climb(stages: list, result_of) -> object | None:
    """The highest stage whose criteria, and every earlier stage's, are all met, given each
    criterion's result (`result_of(criterion)`); None when the first is not."""
    reached = None
    for stage, criteria in stages:
        if not criteria or not all(result_of(c) == MET for c in criteria):
            break
        reached = stage
    return reached


def ladder_check(stages: list, values: dict, marks: dict | None = None, cache: dict | None = None):
    """`stages` is [(stage, [criteria...]), ...] in funnel order.

    Returns (the highest stage reached or None, [Outcome per criterion]). Pass the same
    `cache` dict when checking many leads against the same ladders.
    """
    marks = marks or {}
    outcomes = [
        criterion_outcome(c, values, marks.get(c.pk), cache)
        for _, criteria in stages
        for c in criteria
    ]
    result = {id(o.criterion): o.result for o in outcomes}
    return ladder_climb(stages, lambda c: result[id(c)]), outcomes


# A ladder is kept a week after it was last read from the database.
LADDER_SECONDS = 7 * 24 * 3600


@cache
def _ladder_code() -> str:
    """A digest of what a kept ladder's rows are unpickled into (the definitions' models), of
    the code that reads them in order (this module: the order is the check's bits) and of
    Django's version, once per process: a deploy that changes any of them reads them again."""
    return code_digest([Path(definitions_models.__file__), Path(__file__)])


def _ladder_key(version) -> str:
    # The publication time as well as the id: a database rebuilt under the same cache (a
    # restore, a test run) can give another version the same id, never the same moment too.
    return f"ladder:{_ladder_code()}:{version.pk}:{version.published_at.timestamp()}"


def ladders_for(version_ids: Iterable[int], known: Iterable = ()) -> dict[int, list]:
    """{version id: [(stage, [criteria]), ...]} in ladder order. The order (stage position,
    criterion position, id) is the order of the check's bits.

    The ladders of the `known` versions (Version rows the caller has read, e.g. a cycle's)
    come from the shared cache, where the first read keeps them; the others are read in two
    queries. A published version's stages and criteria never change (definitions' models)."""
    wanted = set(version_ids)
    keys = {_ladder_key(version): version.pk for version in known if version.pk in wanted}
    kept = shared_cache.get_many(list(keys)) if keys else {}
    ladders = {keys[key]: ladder for key, ladder in kept.items()}
    missing = wanted - set(ladders)
    if missing:
        read = _ladders_read(missing)
        ladders.update(read)
        fresh = {key: read.get(pk, []) for key, pk in keys.items() if pk in missing}
        if fresh:
            shared_cache.set_many(fresh, LADDER_SECONDS)
    return {pk: ladder for pk, ladder in ladders.items() if ladder}


def _ladders_read(version_ids: set[int]) -> dict[int, list]:
    """The ladders of these versions from the database, in two queries."""
    ladders: dict[int, list] = {}
    by_stage: dict[int, list] = {}
    for stage in VersionStage.objects.filter(version_id__in=version_ids).order_by(
        "version_id", "position"
    ):
        criteria: list = []
        by_stage[stage.pk] = criteria
        ladders.setdefault(stage.version_id, []).append((stage, criteria))
    for criterion in VersionCriterion.objects.filter(stage_id__in=by_stage).order_by(
        "stage_id", "position", "pk"
    ):
        by_stage[criterion.stage_id].append(criterion)
    return ladders


def check_bits(outcomes: list[Outcome]) -> tuple[int, int]:
    """The outcomes as two bit sets in ladder order: (met, missed); unknown is in neither.
    A version holds at most definitions.content.MAX_CRITERIA criteria, so they fit a
    signed 64-bit integer."""
    if len(outcomes) > 63:
        raise ValueError(
            f"A version with {len(outcomes)} criteria cannot be checked: at most 63 fit the "
            "check's bits (a draft holds at most definitions.content.MAX_CRITERIA)."
        )
    met = missed = 0
    for index, outcome in enumerate(outcomes):
        if outcome.result == MET:
            met |= 1 << index
        elif outcome.result == MISSED:
            missed |= 1 << index
    return met, missed


def bits_results(met: int, missed: int, count: int) -> list[str]:
    """The inverse of `check_bits`: the result of each of `count` criteria in ladder order."""
    return [
        MET if met >> index & 1 else MISSED if missed >> index & 1 else UNKNOWN
        for index in range(count)
    ]


__all__ = [
    "MET",
    "MISSED",
    "UNKNOWN",
    "Mark",
    "Outcome",
    "bits_results",
    "check_bits",
    "ladder_check",
    "ladder_climb",
    "ladders_for",
    "lead_values",
]
