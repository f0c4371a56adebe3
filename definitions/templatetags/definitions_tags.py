"""Display helpers for definition content in templates."""

from django import template

from definitions.document import document_stages as _document_stages
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


@register.filter
def document_stages(content: dict) -> list[dict]:
    """The content's stages in the version document's shape (definitions.document)."""
    return _document_stages(content)
