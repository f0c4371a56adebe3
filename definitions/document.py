"""The version document: one shape for the JSON export, the API and its schema."""

from ninja import Schema

from definitions.models import Version
from definitions.publication import absolute
from definitions.rules import rule_sentence


class Rule(Schema):
    field: str
    operator: str
    value: str | int | float | list[str | int | float] | None


class Criterion(Schema):
    key: str
    statement: str
    guidance: str
    evidence: str
    weight: int
    rule: Rule | None
    rule_text: str


class Stage(Schema):
    key: str
    position: int
    level: str
    name: str
    meaning: str
    owner: str
    routing: str
    follow_up: str
    criteria: list[Criterion]


class DefinitionRef(Schema):
    id: int
    name: str


class VersionDocument(Schema):
    """A published version, complete: the JSON export and the API answer this shape."""

    definition: DefinitionRef
    number: int
    url: str
    published_at: str
    published_by: str
    approved_by: str
    approved_at: str
    change_summary: str
    ideal_customer_profile: str
    stages: list[Stage]


def document_stages(content: dict) -> list[dict]:
    """A content's stages in the document's shape (`Stage`): what the version page, a draft,
    the embed, the JSON export and the API show of each stage and criterion."""
    return [
        {
            "key": stage["key"],
            "position": position,
            "level": stage["level"],
            "name": stage["name"],
            "meaning": stage["meaning"],
            "owner": stage["owner"],
            "routing": stage["routing"],
            "follow_up": stage["follow_up"],
            "criteria": [
                {
                    "key": c["key"],
                    "statement": c["statement"],
                    "guidance": c["guidance"],
                    "evidence": c["evidence"],
                    "weight": c["weight"],
                    "rule": c["rule"],
                    "rule_text": rule_sentence(c["rule"]),
                }
                for c in stage["criteria"]
            ],
        }
        for position, stage in enumerate(content["stages"], start=1)
    ]


def version_document(version: Version, content: dict) -> dict:
    """The complete version as plain data, in `VersionDocument`'s shape: what the JSON export
    and the API return (checked against the schema, so the two cannot drift apart)."""
    document = {
        "definition": {"id": version.definition_id, "name": version.definition.name},
        "number": version.number,
        "url": absolute(version.get_absolute_url()),
        "published_at": version.published_at.isoformat(),
        "published_by": str(version.published_by),
        "approved_by": str(version.approved_by),
        "approved_at": version.approved_at.isoformat(),
        "change_summary": version.change_summary,
        "ideal_customer_profile": version.ideal_customer_profile,
        "stages": document_stages(content),
    }
    return VersionDocument.model_validate(document).model_dump()
