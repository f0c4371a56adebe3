"""Every finding on the numbers page gets a "Propose a change" link, prefilled, whose origin
links back to the finding; or, when a proposal about it is already open, that proposal; and a
reason the version in force writes down says so instead of asking to write it down."""

from urllib.parse import urlencode

from django.urls import reverse

from definitions.models import Definition
from feedback.loop import open_proposals_by_criterion, reason_states
from feedback.rounding import percent
from numbers_app.filters import Filters

# Prefills for the unwritten reasons every company starts with (feedback.catalogue).
REASON_CRITERIA = {
    "title below vp": {
        "statement": "The contact is VP level or above",
        "evidence": "verified",
        "rule_field": "seniority",
        "rule_operator": "at_least",
        "rule_value": "vp",
    },
    "industry not a focus": {
        "statement": "The company is in an industry we focus on",
        "evidence": "verified",
        "rule_field": "industry",
        "rule_operator": "in",
    },
    "competitor already engaged": {
        "statement": "No competitor is already engaged",
        "evidence": "stated",
    },
    "earlier efforts came up dry": {
        "statement": "No earlier sales effort with the company came up dry in the last year",
        "evidence": "verified",
    },
}


def numbers_url(definition: Definition, filters: Filters, anchor: str) -> str:
    query = urlencode(filters.query())
    path = reverse("numbers:definition", args=[definition.pk])
    return f"{path}{'?' + query if query else ''}#{anchor}"


def propose_url(definition: Definition, kind: str, *, label: str, url: str, **fields) -> str:
    params = {k: v for k, v in fields.items() if v not in (None, "")}
    params.update(origin="feedback", origin_label=label[:300], origin_url=url)
    path = reverse("definitions:proposal_create", args=[definition.pk, kind])
    return f"{path}?{urlencode(params)}"


def _stage_key(content: dict, levels: list[str]) -> str:
    for level in levels:
        for stage in content["stages"]:
            if stage["level"] == level:
                return stage["key"]
    return ""


def reason_proposal(definition, filters, content, reason: dict, *, levels, anchor, label):
    """An unwritten reason becomes a new criterion; a criterion-backed one (or one a version
    has since written down) a change to it."""
    url = numbers_url(definition, filters, anchor)
    written = reason.get("written")
    if reason["unwritten"] and not written:
        prefill = REASON_CRITERIA.get(
            reason["label"].lower(), {"statement": reason["label"], "evidence": "stated"}
        )
        return propose_url(
            definition,
            "add_criterion",
            label=label,
            url=url,
            stage=_stage_key(content, levels),
            guidance=f"Sales gives “{reason['label']}” as a reason to reject leads; "
            "write it down so marketing can act on it.",
            rationale=label,
            **prefill,
        )
    keys = {c["key"] for s in content["stages"] for c in s["criteria"]}
    target = written.key if written else reason["criterion_key"]
    if target not in keys:
        return ""
    return propose_url(
        definition, "change_criterion", label=label, url=url, target=target, rationale=label
    )


def _reason_state(reason: dict, states: dict) -> None:
    state = states.get(reason["id"])
    reason["written"] = state.written if state else None
    reason["open_proposal"] = state.proposal if state else None


def findings_links(definition: Definition, filters: Filters, figures: dict, content: dict):
    """Attach a "Propose a change" link to every finding, its origin linking back here; a
    finding with a proposal open links to that proposal instead."""
    keys = {c["key"] for s in content["stages"] for c in s["criteria"]}
    found = figures["disagreements"]
    high_reason = found["high_rejected_reason"]
    states = reason_states(definition, figures["reasons"] + ([high_reason] if high_reason else []))
    open_by_key = open_proposals_by_criterion(definition)
    for reason in figures["reasons"]:
        _reason_state(reason, states)
        anchor = f"reason-{reason['id']}"
        pct = percent(reason["share"])
        if reason["private_filter"]:
            label = f"Numbers: “{reason['label']}” is behind {pct} of rejections (private filter)"
        else:
            label = f"Numbers: “{reason['label']}” is behind {pct} of rejections"
        reason["anchor"] = anchor
        if reason["open_proposal"]:
            reason["propose_url"] = ""
            continue
        reason["propose_url"] = reason_proposal(
            definition,
            filters,
            content,
            reason,
            levels=["accepted", "lead"],
            anchor=anchor,
            label=label,
        )
    for row in figures["criteria"]:
        anchor = f"criterion-{row['key']}"
        row["anchor"] = anchor
        row["propose_url"] = row["remove_url"] = ""
        row["open_proposal"] = open_by_key.get(row["key"])
        if row["key"] not in keys or row["open_proposal"]:
            continue
        label = (
            f"Numbers: “{row['statement']}”: met → {percent(row['met_accepted_share'])} accepted; "
            f"missed → {percent(row['missed_accepted_or_bought_share'])} accepted or bought"
        )
        url = numbers_url(definition, filters, anchor)
        row["propose_url"] = propose_url(
            definition, "change_criterion", label=label, url=url, target=row["key"], rationale=label
        )
        if row["predicts_badly"]:
            row["remove_url"] = propose_url(
                definition,
                "remove_criterion",
                label=label,
                url=url,
                target=row["key"],
                rationale=label,
            )
    reason = high_reason
    if reason:
        _reason_state(reason, states)
        label = (
            f"Numbers: sales rejected {figures['totals']['high_rejected']} leads the check placed "
            f"at Opportunity, most often for “{reason['label']}”"
        )
        reason["propose_url"] = (
            ""
            if reason["open_proposal"]
            else reason_proposal(
                definition,
                filters,
                content,
                reason,
                levels=["opportunity"],
                anchor=f"reason-{reason['id']}",
                label=label,
            )
        )
    missed = found["accepted_low_missed"]
    if missed:
        missed["propose_url"] = ""
        missed["open_proposal"] = open_by_key.get(missed["key"])
        if missed["key"] in keys and not missed["open_proposal"]:
            label = (
                f"Numbers: sales accepted {figures['totals']['accepted_low']} leads the check "
                f"placed below Lead; “{missed['statement']}” was missed {missed['count']} times"
            )
            missed["propose_url"] = propose_url(
                definition,
                "change_criterion",
                label=label,
                url=numbers_url(definition, filters, "disagreements"),
                target=missed["key"],
                rationale=label,
            )
