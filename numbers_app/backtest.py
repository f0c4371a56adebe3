"""The backtest of the draft: how the last cycle's leads would qualify under it."""

import math
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from definitions.models import Definition, StageLevel, Version
from definitions.rules import LEAD_FIELDS, MISSED, UNKNOWN, rule_evaluate
from definitions.selectors import draft_build, version_latest
from feedback.checks import MET, ladder_climb
from feedback.models import CriterionResult, Lead, LeadFigures, ReviewCycle

LEVELS = [level for level, _ in StageLevel.choices]
LEVEL_LABELS = dict(StageLevel.choices)


def last_cycle(definition: Definition, now=None) -> ReviewCycle | None:
    """The latest cycle that has started."""
    return (
        ReviewCycle.objects.for_definition(definition)
        .filter(starts_at__lte=now or timezone.now())
        .order_by("-starts_at")
        .first()
    )


def draft_ladder(content: dict) -> list:
    """The draft's stages and criteria as stand-ins the check can climb."""
    ladder = []
    for stage in content["stages"]:
        criteria = [
            SimpleNamespace(
                pk=f"draft:{criterion['key']}",
                key=criterion["key"],
                rule=criterion.get("rule"),
                statement=criterion["statement"],
            )
            for criterion in stage["criteria"]
        ]
        ladder.append(
            (
                SimpleNamespace(
                    pk=f"draft:{stage['key']}",
                    key=stage["key"],
                    level=stage["level"],
                    name=stage["name"],
                ),
                criteria,
            )
        )
    return ladder


RAW = "="  # a rule_result_sql code that carries the raw value for Python to judge
INTEGER_TYPES = {"IntegerField", "PositiveIntegerField", "BigIntegerField", "SmallIntegerField"}


def rule_result_sql(rule: dict):
    """A rule's result as an SQL expression over a lead's column: "met", "missed", "unknown",
    or RAW + the value where only Python can say exactly what `rule_evaluate` says (text it
    would trim, a value outside the levels). None for rules on free text, which are judged
    per distinct value."""
    field = LEAD_FIELDS[rule["field"]]
    name, operator, value = field.name, rule["operator"], rule["value"]
    met, missed, unknown = Value(MET), Value(MISSED), Value(UNKNOWN)
    raw = Concat(Value(RAW), F(name), output_field=CharField())
    if field.kind in ("text", "ordinal"):
        if operator != "is_present" and field.kind == "text":
            return None
        if operator == "is_present":
            # A value with an ASCII letter or digit in it is given, whatever Python trims;
            # blank-looking ones are left to Python.
            plain = Q(**{f"{name}__regex": r"[0-9A-Za-z]"})
            return Case(
                When(Q(**{f"{name}__isnull": True}) | Q(**{name: ""}), then=missed),
                When(plain, then=met),
                default=raw,
            )
        judged = {level: rule_evaluate(rule, {name: level}) for level in field.levels}
        return Case(
            When(**{f"{name}__in": [lv for lv, r in judged.items() if r == MET]}, then=met),
            When(**{f"{name}__in": [lv for lv, r in judged.items() if r == MISSED]}, then=missed),
            default=raw,
        )
    if field.kind == "bool":  # is_true
        return Case(
            When(**{name: True}, then=met), When(**{name: False}, then=missed), default=unknown
        )
    null = Q(**{f"{name}__isnull": True})
    if operator == "is_present":
        return Case(When(null, then=missed), default=met)
    if Lead._meta.get_field(name).get_internal_type() not in INTEGER_TYPES:
        return None
    # The column holds integers: a bound with a fraction is the nearest integer inside it.
    values = [Decimal(str(v)) for v in (value if operator == "between" else [value])]
    if any(abs(v) > 2**62 for v in values):
        return None
    if operator == "equals":
        condition = (
            Q(**{name: int(values[0])})
            if values[0] == values[0].to_integral_value()
            else Q(pk__in=[])
        )
    elif operator == "at_least":
        condition = Q(**{f"{name}__gte": math.ceil(values[0])})
    elif operator == "at_most":
        condition = Q(**{f"{name}__lte": math.floor(values[0])})
    else:
        condition = Q(
            **{f"{name}__gte": math.ceil(values[0]), f"{name}__lte": math.floor(values[1])}
        )
    return Case(When(null, then=unknown), When(condition, then=met), default=missed)


@dataclass
class Backtest:
    cycle: ReviewCycle | None
    latest: Version | None
    total: int = 0
    changed: bool = False  # whether the draft differs from the latest version
    rows: list[dict] = field(default_factory=list)  # per level: reach at least, now vs draft

    @property
    def changes(self) -> list[dict]:
        """The levels whose count the draft changes: what the headline names, every one."""
        return [row for row in self.rows if row["delta"]]


def reach_counts(cycle: ReviewCycle, content: dict) -> tuple[int, dict[str, int]]:
    """How many of the cycle's leads the ladder of `content` takes to each level (the highest
    each reaches), and how many leads there are.

    The leads are grouped in SQL by what the rules make of their values (met, missed or
    unknown; rules on free text by the value itself) and by the person's marks on its
    rule-less criteria, so the climb runs once per distinct combination, not per lead.
    """
    ladder = draft_ladder(content)
    criteria = [c for _, stage_criteria in ladder for c in stage_criteria]
    # Each rule SQL can decide becomes a met/missed/unknown column; rules on free text are
    # decided here, on the distinct values; rule-less criteria count as met when marked met.
    decided, raw_fields, marked = {}, set(), {}
    for n, criterion in enumerate(criteria):
        if not criterion.rule:
            marked[f"mark_{n}"] = criterion
            continue
        expression = rule_result_sql(criterion.rule)
        if expression is None:
            raw_fields.add(criterion.rule["field"])
        else:
            decided[f"rule_{n}"] = (criterion, expression)
    combos = (
        Lead.objects.filter(cycle=cycle)
        .annotate(
            **{name: expression for name, (_, expression) in decided.items()},
            **{
                name: Exists(
                    CriterionResult.objects.filter(
                        lead=OuterRef("pk"), criterion__key=criterion.key, result=MET
                    )
                )
                for name, criterion in marked.items()
            },
        )
        .values(*sorted(raw_fields), *decided, *marked)
        .annotate(n=Count("pk"))
        .order_by()
    )
    draft_counts = dict.fromkeys(LEVELS, 0)
    total, evaluated = 0, {}
    for combo in _grouped_by_hashing(combos):
        outcome = {}
        for name, (criterion, _) in decided.items():
            code = combo[name]
            if code.startswith(RAW):
                key = (criterion.pk, code)
                if key not in evaluated:
                    field = criterion.rule["field"]
                    evaluated[key] = rule_evaluate(criterion.rule, {field: code[len(RAW) :]})
                code = evaluated[key]
            outcome[criterion.pk] = code
        outcome.update(
            {criterion.pk: MET if combo[name] else UNKNOWN for name, criterion in marked.items()}
        )
        for criterion in criteria:
            if criterion.pk not in outcome:
                field = criterion.rule["field"]
                key = (criterion.pk, combo[field])
                if key not in evaluated:
                    evaluated[key] = rule_evaluate(criterion.rule, {field: combo[field]})
                outcome[criterion.pk] = evaluated[key]
        reached = ladder_climb(ladder, lambda criterion, known=outcome: known[criterion.pk])
        total += combo["n"]
        if reached is not None:
            draft_counts[reached.level] += combo["n"]
    return total, draft_counts


def _grouped_by_hashing(queryset) -> list:
    """The rows of a GROUP BY over many leads and few combinations. PostgreSQL's planner
    expects about one group per lead (it cannot see that the rules' results repeat), so it
    sorts every lead; hashing the few hundred combinations instead took half the time at
    38 000 leads a cycle (docs/benchmarks.md). The setting is this query's alone."""
    if connection.vendor != "postgresql":
        return list(queryset)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('enable_sort', 'off', true)")
        rows = list(queryset)
        cursor.execute("SELECT set_config('enable_sort', 'on', true)")
    return rows


def backtest(definition: Definition, now=None) -> Backtest:
    """How the last cycle's leads would qualify under the draft, against the version each was
    checked against: per level, how many reach at least that level."""
    cycle = last_cycle(definition, now)
    latest = version_latest(definition)
    result = Backtest(cycle=cycle, latest=latest)
    if cycle is None or latest is None:
        return result
    content, applied, _ = draft_build(definition, latest)
    result.changed = bool(applied)
    total, draft_counts = reach_counts(cycle, content)
    # The level each lead's check reached, as its figures copy it (read from their index).
    checked = dict(
        LeadFigures.objects.filter(cycle=cycle)
        .values_list("level_reached")
        .annotate(n=Count("pk"))
        .order_by()
    )
    result.total = total
    names = {}
    for stage in content["stages"]:
        names.setdefault(stage["level"], stage["name"])
    for index, level in enumerate(LEVELS):
        at_least = LEVELS[index:]
        now_count = sum(checked.get(lvl, 0) for lvl in at_least)
        draft_count = sum(draft_counts[lvl] for lvl in at_least)
        result.rows.append(
            {
                "level": level,
                "name": names.get(level, LEVEL_LABELS[level]),
                "now": now_count,
                "draft": draft_count,
                "delta": draft_count - now_count,
            }
        )
    return result
