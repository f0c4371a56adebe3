"""A definition's content as plain data: stages with their criteria, in order.

The draft is the last published version's content with every passed proposal since applied
in the order they passed (`content_apply`); versions are compared with `content_diff`.
"""

import copy
import difflib
import re
from dataclasses import dataclass, field

from definitions.models import EvidenceStandard, StageLevel

STAGE_FIELDS = ("level", "name", "meaning", "owner", "routing", "follow_up")
CRITERION_FIELDS = ("statement", "guidance", "evidence", "rule", "weight")

EMPTY: dict = {"stages": []}


# A definition everyone can remember is short; the qualification check also keeps one bit
# per criterion in a 64-bit integer (feedback.checks.check_bits).
MAX_CRITERIA = 60


def content_empty() -> dict:
    return {"stages": []}


def find_stage(content: dict, key: str) -> dict | None:
    return next((s for s in content["stages"] if s["key"] == key), None)


def find_criterion(content: dict, key: str) -> tuple[dict | None, dict | None]:
    for stage in content["stages"]:
        for criterion in stage["criteria"]:
            if criterion["key"] == key:
                return stage, criterion
    return None, None


def content_apply(content: dict, proposal) -> tuple[dict, str | None]:
    """Apply one proposal; returns (new content, None) or (unchanged content, why it can't)."""
    new = copy.deepcopy(content)
    kind, key, payload = proposal.kind, proposal.target_key, proposal.payload or {}
    if kind == "add_stage":
        if find_stage(new, key):
            return content, "that stage is already in the draft"
        stage = {"key": key, **{f: payload.get(f, "") for f in STAGE_FIELDS}, "criteria": []}
        after = payload.get("after_key")
        index = next(
            (i + 1 for i, s in enumerate(new["stages"]) if s["key"] == after), len(new["stages"])
        )
        new["stages"].insert(index, stage)
    elif kind == "change_stage":
        stage = find_stage(new, key)
        if stage is None:
            return content, "that stage is not in the draft any more"
        stage.update({f: payload.get(f, stage[f]) for f in STAGE_FIELDS})
    elif kind == "remove_stage":
        stage = find_stage(new, key)
        if stage is None:
            return content, "that stage is not in the draft any more"
        new["stages"].remove(stage)
    elif kind == "add_criterion":
        stage = find_stage(new, proposal.stage_key)
        if stage is None:
            return content, "its stage is not in the draft"
        if find_criterion(new, key)[1]:
            return content, "that criterion is already in the draft"
        if content_criteria_count(new) >= MAX_CRITERIA:
            return content, f"the draft already holds {MAX_CRITERIA} criteria, the most it can"
        stage["criteria"].append({"key": key, **criterion_fields(payload)})
    elif kind == "change_criterion":
        stage, criterion = find_criterion(new, key)
        if criterion is None:
            return content, "that criterion is not in the draft any more"
        criterion.update(criterion_fields(payload))
        wanted = proposal.stage_key
        if wanted and wanted != stage["key"]:
            target = find_stage(new, wanted)
            if target is None:
                return content, "the stage it moves to is not in the draft"
            stage["criteria"].remove(criterion)
            target["criteria"].append(criterion)
    elif kind == "remove_criterion":
        stage, criterion = find_criterion(new, key)
        if criterion is None:
            return content, "that criterion is not in the draft any more"
        stage["criteria"].remove(criterion)
    else:  # pragma: no cover - the model's choices forbid it
        raise ValueError(kind)
    return new, None


def criterion_fields(payload: dict) -> dict:
    return {
        "statement": payload.get("statement", ""),
        "guidance": payload.get("guidance", ""),
        "evidence": payload.get("evidence", EvidenceStandard.STATED.value),
        "rule": payload.get("rule") or None,
        "weight": int(payload.get("weight") or 1),
    }


def content_criteria_count(content: dict) -> int:
    return sum(len(stage["criteria"]) for stage in content["stages"])


# --- comparing two contents -------------------------------------------------------------

_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in "same", "del", "ins": a word-level comparison for highlighting."""
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    parts: list[tuple[str, str]] = []
    # Spaces are junk: matching the lone spaces between two unrelated phrases would shred
    # them into alternating one-word changes.
    matcher = difflib.SequenceMatcher(isjunk=str.isspace, a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                parts.append(("del", "".join(a[i1:i2])))
            if j2 > j1:
                parts.append(("ins", "".join(b[j1:j2])))
    return parts


@dataclass
class FieldChange:
    label: str
    parts: list[tuple[str, str]]


@dataclass
class ItemDiff:
    change: str  # "added", "removed", "changed", "moved" (criteria only), "same"
    kind: str  # "stage" or "criterion"
    key: str
    title: str
    stage_name: str = ""
    moved_from: str = ""  # for a moved criterion: the name of the stage it was in
    fields: list[FieldChange] = field(default_factory=list)
    criteria: list["ItemDiff"] = field(default_factory=list)


def _display(name: str, value) -> str:
    if name == "rule":
        from definitions.rules import rule_sentence

        return rule_sentence(value) if value else "Checked by a person."
    if name == "evidence" and value:
        return dict(EvidenceStandard.choices).get(value, str(value))
    if name == "level" and value:
        return dict(StageLevel.choices).get(value, str(value))
    return "" if value is None else str(value)


def _field_changes(old: dict, new: dict, names, labels) -> list[FieldChange]:
    changes = []
    for name in names:
        a, b = _display(name, old.get(name)), _display(name, new.get(name))
        if a != b:
            changes.append(FieldChange(labels.get(name, name), word_diff(a, b)))
    return changes


STAGE_LABELS = {
    "level": "Funnel level",
    "name": "Name",
    "meaning": "Meaning",
    "owner": "Owner",
    "routing": "Routed to",
    "follow_up": "Follow-up",
}
CRITERION_LABELS = {
    "statement": "Statement",
    "guidance": "Guidance",
    "evidence": "Evidence standard",
    "rule": "Rule",
    "weight": "Weight",
}


def content_diff(old: dict, new: dict) -> list[ItemDiff]:
    """Stages and criteria added, removed, changed and (criteria) moved from `old` to `new`,
    in `new`'s order. A criterion is known by its key, so one that changed stage is shown
    once, as moved, in the stage it moved to."""
    old_stages = {s["key"]: s for s in old["stages"]}
    new_keys = {s["key"] for s in new["stages"]}
    was_in = {c["key"]: (s, c) for s in old["stages"] for c in s["criteria"]}
    now_in = {c["key"]: s for s in new["stages"] for c in s["criteria"]}
    result = []
    for stage in new["stages"]:
        before = old_stages.get(stage["key"])
        change = "added" if before is None else "same"
        item = ItemDiff(change, "stage", stage["key"], stage["name"])
        # An added stage lists what it says, all of it new; a changed one what moved.
        names = STAGE_FIELDS if before else [f for f in STAGE_FIELDS if f != "name"]
        item.fields = _field_changes(before or {}, stage, names, STAGE_LABELS)
        item.criteria = _criteria_diff(before["criteria"] if before else [], stage, was_in, now_in)
        if change == "same" and (item.fields or any(c.change != "same" for c in item.criteria)):
            item.change = "changed"
        result.append(item)
    for stage in old["stages"]:
        if stage["key"] not in new_keys:
            item = ItemDiff("removed", "stage", stage["key"], stage["name"])
            item.criteria = [
                _criterion_removed(c) for c in stage["criteria"] if c["key"] not in now_in
            ]
            result.append(item)
    return result


def _criteria_diff(old: list[dict], stage: dict, was_in: dict, now_in: dict) -> list[ItemDiff]:
    """The criteria of one stage of the new content against the same stage's old ones;
    `was_in`/`now_in` place every criterion key in the old and the new content."""
    here = {c["key"] for c in old}
    after_keys = {c["key"] for c in stage["criteria"]}
    items = []
    for criterion in stage["criteria"]:
        key = criterion["key"]
        if key not in was_in:
            fields = _field_changes({}, criterion, CRITERION_FIELDS[1:], CRITERION_LABELS)
            items.append(ItemDiff("added", "criterion", key, criterion["statement"], fields=fields))
            continue
        old_stage, was = was_in[key]
        changes = _field_changes(was, criterion, CRITERION_FIELDS, CRITERION_LABELS)
        if key in here:
            change, moved_from = ("changed" if changes else "same"), ""
        else:
            change, moved_from = "moved", old_stage["name"]
        items.append(
            ItemDiff(
                change,
                "criterion",
                key,
                criterion["statement"],
                fields=changes,
                moved_from=moved_from,
            )
        )
    # A criterion that left this stage for another is shown there, as moved.
    items += [
        _criterion_removed(c) for c in old if c["key"] not in after_keys and c["key"] not in now_in
    ]
    return items


def _criterion_removed(criterion: dict) -> ItemDiff:
    """A removed criterion with what it said (its title is the statement)."""
    fields = _field_changes(criterion, {}, CRITERION_FIELDS[1:], CRITERION_LABELS)
    return ItemDiff("removed", "criterion", criterion["key"], criterion["statement"], fields=fields)


def diff_is_empty(diff: list[ItemDiff]) -> bool:
    return all(item.change == "same" for item in diff)
