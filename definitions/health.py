"""Definition health: warnings, each with the research figure behind it, the research it comes
from by name, and where there is one the same figure measured here."""

from dataclasses import dataclass

from definitions.content import content_criteria_count
from definitions.models import EvidenceStandard, StageLevel
from definitions.rules import EVIDENCE_LEVELS


@dataclass(frozen=True)
class Note:
    """A line under a warning, e.g. a reason since written down, with its link."""

    text: str
    url: str = ""
    link: str = ""


@dataclass(frozen=True)
class Warning:
    code: str
    message: str
    statistic: str
    source: str
    here: str = ""  # the research figure measured for this company, when there is one
    notes: tuple[Note, ...] = ()


def definition_health(
    content: dict, *, eligible: dict[str, int], voted: dict[str, int]
) -> list[Warning]:
    """Warnings for a definition's content and its votes.

    `eligible` counts eligible voters per department; `voted` counts the people of each
    department who voted on any of its proposals.
    """
    warnings = []
    criteria = [c for stage in content["stages"] for c in stage["criteria"]]
    asks_need = any(
        (c.get("rule") or {}).get("field") == "need_evidence" or "need" in c["statement"].lower()
        for c in criteria
    )
    if content["stages"] and not asks_need:
        warnings.append(
            Warning(
                "no-business-need",
                "No criterion asks for a valid business need.",
                "Only 42% of companies require a valid business need before calling "
                "something a lead.",
                "MarketingSherpa lead qualification survey",
                "no criterion asks for one",
            )
        )
    if content["stages"] and content_criteria_count(content) <= 2:
        warnings.append(
            Warning(
                "few-criteria",
                f"The definition has only {content_criteria_count(content)} "
                f"criteri{'on' if content_criteria_count(content) == 1 else 'a'}.",
                "The average company uses only two criteria to define a lead: the survey "
                "average is not a standard to aim for.",
                "MarketingSherpa lead qualification survey",
                f"{content_criteria_count(content)} in this definition",
            )
        )
    stated = EVIDENCE_LEVELS.index(EvidenceStandard.STATED)
    for stage in content["stages"]:
        if stage["level"] not in (StageLevel.OPPORTUNITY, StageLevel.CUSTOMER):
            continue
        for c in stage["criteria"]:
            rule = c.get("rule") or {}
            weak_rule = (
                rule.get("field", "").endswith("_evidence")
                and rule.get("operator") in ("at_least", "equals")
                and rule.get("value") in EVIDENCE_LEVELS
                and EVIDENCE_LEVELS.index(rule["value"]) < stated
            )
            if c["evidence"] == EvidenceStandard.BELIEVED or weak_rule:
                warnings.append(
                    Warning(
                        "weak-evidence",
                        f"“{c['statement']}” ({stage['name']}) accepts less than what the "
                        "prospect stated.",
                        "A criterion met because someone thinks, feels or believes it is not "
                        "met: opportunities need evidence.",
                        "“Is it a Lead or Not?”, the think-feel-believe trap",
                    )
                )
    for department, label in (("marketing", "Marketing"), ("sales", "Sales")):
        if eligible.get(department, 0) == 0:
            warnings.append(
                Warning(
                    f"no-voice-{department}",
                    f"{label} has nobody eligible to vote.",
                    "Consensus needs both marketing and sales; a definition one side did not "
                    "agree to is not a shared definition.",
                    "Brian Carroll's Universal Lead Definition",
                )
            )
        elif voted is not None and sum(voted.values()) > 0 and voted.get(department, 0) == 0:
            warnings.append(
                Warning(
                    f"no-voice-{department}",
                    f"Nobody from {label.lower()} has voted on this definition.",
                    "Everyone in customer acquisition takes part in the alignment, or the "
                    "definition is one side's opinion.",
                    "Brian Carroll's Universal Lead Definition",
                )
            )
    return warnings
