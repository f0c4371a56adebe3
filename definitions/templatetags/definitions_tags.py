"""Display helpers for definition content in templates."""

from django import template

from definitions.models import EvidenceStandard, StageLevel
from definitions.rules import rule_sentence

register = template.Library()


@register.filter
def rule_text(rule) -> str:
    return rule_sentence(rule)


@register.filter
def evidence_label(value) -> str:
    return dict(EvidenceStandard.choices).get(value, value)


@register.filter
def level_label(value) -> str:
    return dict(StageLevel.choices).get(value, value)
