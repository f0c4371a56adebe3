"""Executable criteria: a small closed set of operators over named lead fields.

A rule is a dict {"field": ..., "operator": ..., "value": ...}. It reads as a sentence and
evaluates a lead's values to "met", "missed" or "unknown" (the lead does not say).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from definitions.models import EvidenceStandard

MET, MISSED, UNKNOWN = "met", "missed", "unknown"

# A lead's evidence, weakest first: no evidence, then the criteria's evidence standards
# (models.EvidenceStandard, the one list). "believed" is the trap “Is it a Lead or Not?”
# warns of: someone thinks, feels or believes it.
EVIDENCE_LEVELS = ["none", *EvidenceStandard.values]
EVIDENCE_LABELS = {
    "none": "no evidence",
    **{value: label[0].lower() + label[1:] for value, label in EvidenceStandard.choices},
}
SENIORITY_LEVELS = ["individual", "manager", "director", "vp", "c_level", "owner"]
SENIORITY_LABELS = {
    "individual": "individual contributor",
    "manager": "manager",
    "director": "director",
    "vp": "VP",
    "c_level": "C-level",
    "owner": "owner",
}


@dataclass(frozen=True)
class LeadField:
    name: str
    label: str
    kind: str  # "text", "number", "bool", "ordinal"
    levels: tuple[str, ...] = ()

    def rank(self, value) -> int:
        return self.levels.index(value)


LEAD_FIELDS: dict[str, LeadField] = {
    f.name: f
    for f in [
        LeadField("email", "e-mail address", "text"),
        LeadField("phone", "phone number", "text"),
        LeadField("title", "job title", "text"),
        LeadField("seniority", "seniority", "ordinal", tuple(SENIORITY_LEVELS)),
        LeadField("industry", "industry", "text"),
        LeadField("company_size", "company size (employees)", "number"),
        LeadField("region", "region", "text"),
        LeadField("source", "lead source", "text"),
        LeadField("permission_to_follow_up", "permission to follow up", "bool"),
        LeadField("asked_for_information", "asked for more information", "bool"),
        LeadField("need_evidence", "evidence of a need", "ordinal", tuple(EVIDENCE_LEVELS)),
        LeadField("budget_evidence", "evidence of a budget", "ordinal", tuple(EVIDENCE_LEVELS)),
        LeadField(
            "authority_evidence",
            "evidence the contact decides or influences",
            "ordinal",
            tuple(EVIDENCE_LEVELS),
        ),
    ]
}

OPERATORS = {
    "equals": "is",
    "in": "is one of",
    "not_in": "is none of",
    "at_least": "is at least",
    "at_most": "is at most",
    "between": "is between",
    "is_true": "is yes",
    "is_present": "is given",
}
OPERATORS_FOR_KIND = {
    "text": {"equals", "in", "not_in", "is_present"},
    "number": {"equals", "at_least", "at_most", "between", "is_present"},
    "bool": {"is_true"},
    "ordinal": {"equals", "in", "not_in", "at_least", "at_most", "between", "is_present"},
}


class RuleError(ValueError):
    """A rule that cannot be evaluated; the message names what is wrong."""


def rule_validate(rule: dict | None) -> dict | None:
    """Return the rule in canonical form, or raise RuleError naming the problem."""
    if not rule:
        return None
    field = LEAD_FIELDS.get(rule.get("field", ""))
    if field is None:
        raise RuleError(f"Unknown lead field “{rule.get('field', '')}”.")
    operator = rule.get("operator", "")
    if operator not in OPERATORS:
        raise RuleError(f"Unknown operator “{operator}”.")
    if operator not in OPERATORS_FOR_KIND[field.kind]:
        raise RuleError(f"“{OPERATORS[operator]}” does not apply to {field.label}.")
    value = rule.get("value")
    if operator in ("is_true", "is_present"):
        return {"field": field.name, "operator": operator, "value": None}
    if operator in ("in", "not_in"):
        items = value if isinstance(value, list) else str(value or "").split(",")
        items = [str(item).strip() for item in items if str(item).strip()]
        if not items:
            raise RuleError(f"List at least one value for {field.label}.")
        value = [_coerce(field, item) for item in items]
    elif operator == "between":
        items = value if isinstance(value, list) else str(value or "").split(",")
        if len(items) != 2:
            raise RuleError(f"Give two values, low and high, for {field.label}.")
        value = [_coerce(field, str(item).strip()) for item in items]
        if _order(field, value[0]) > _order(field, value[1]):
            raise RuleError(f"The low value of {field.label} is above the high one.")
    else:
        if value in (None, ""):
            raise RuleError(f"Give a value for {field.label}.")
        value = _coerce(field, str(value).strip())
    return {"field": field.name, "operator": operator, "value": value}


def _coerce(field: LeadField, raw: str):
    if field.kind == "number":
        try:
            number = Decimal(raw)
        except InvalidOperation:
            number = None
        # Decimal reads "NaN" and "Infinity"; neither is a company size, nor valid JSON.
        if number is None or not number.is_finite():
            raise RuleError(f"“{raw}” is not a number ({field.label}).")
        return int(number) if number == number.to_integral_value() else float(number)
    if field.kind == "ordinal":
        if raw not in field.levels:
            raise RuleError(
                f"“{raw}” is not a level of {field.label}; use one of {', '.join(field.levels)}."
            )
        return raw
    return raw


def _order(field: LeadField, value):
    return field.rank(value) if field.kind == "ordinal" else value


def _show(field: LeadField, value) -> str:
    if field.name == "seniority":
        return SENIORITY_LABELS.get(value, str(value))
    if field.kind == "ordinal":
        return EVIDENCE_LABELS.get(value, str(value))
    return str(value)


def rule_sentence(rule: dict | None) -> str:
    """The rule in words, e.g. "Seniority is one of VP, C-level."."""
    if not rule:
        return "Checked by a person."
    field = LEAD_FIELDS[rule["field"]]
    operator, value = rule["operator"], rule["value"]
    subject = field.label[0].upper() + field.label[1:]
    if operator in ("is_true", "is_present"):
        return f"{subject} {OPERATORS[operator]}."
    if operator in ("in", "not_in"):
        shown = ", ".join(_show(field, item) for item in value)
    elif operator == "between":
        shown = f"{_show(field, value[0])} and {_show(field, value[1])}"
    else:
        shown = _show(field, value)
    return f"{subject} {OPERATORS[operator]} {shown}."


def value_missing(value) -> bool:
    """Whether a lead's value counts as not given: none, or text that is blank once trimmed."""
    return value is None or (isinstance(value, str) and not value.strip())


def rule_evaluate(rule: dict | None, lead: dict) -> str:
    """MET, MISSED or UNKNOWN for one lead's values (a dict keyed by lead field name)."""
    if not rule:
        return UNKNOWN
    field = LEAD_FIELDS[rule["field"]]
    operator, expected = rule["operator"], rule["value"]
    actual = lead.get(field.name)
    missing = value_missing(actual)
    if isinstance(actual, str):
        actual = actual.strip()
    if operator == "is_present":
        return MISSED if missing else MET
    if missing:
        return UNKNOWN
    if operator == "is_true":
        return MET if actual is True else MISSED
    if field.kind == "ordinal":
        if actual not in field.levels:
            return UNKNOWN
        actual_order = field.rank(actual)
    elif field.kind == "number":
        try:
            actual_order = actual = Decimal(str(actual))
        except InvalidOperation:
            return UNKNOWN
        if not actual.is_finite():  # "NaN" cannot be ordered: comparing it raises
            return UNKNOWN
    else:
        actual = actual_order = str(actual).casefold()

    def norm(value):
        if field.kind == "ordinal":
            return field.rank(value)
        if field.kind == "number":
            return Decimal(str(value))
        return str(value).casefold()

    if operator == "equals":
        ok = actual_order == norm(expected)
    elif operator == "in":
        ok = actual_order in {norm(item) for item in expected}
    elif operator == "not_in":
        ok = actual_order not in {norm(item) for item in expected}
    elif operator == "at_least":
        ok = actual_order >= norm(expected)
    elif operator == "at_most":
        ok = actual_order <= norm(expected)
    else:  # between, inclusive
        ok = norm(expected[0]) <= actual_order <= norm(expected[1])
    return MET if ok else MISSED
