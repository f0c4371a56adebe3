"""The approval page's impact hook: how the last cycle's leads reach each stage under a
submitted draft against under the version in force, both replayed the same way."""

from dataclasses import dataclass, field

from definitions.models import Definition, Version
from definitions.rendering import version_content_kept
from definitions.selectors import version_latest
from feedback.models import ReviewCycle
from numbers_app.backtest import LEVEL_LABELS, LEVELS, last_cycle, reach_counts


@dataclass
class Impact:
    cycle: ReviewCycle | None
    latest: Version | None
    total: int = 0
    rows: list[dict] = field(default_factory=list)  # per stage: reach at least, now vs draft

    @property
    def changed(self) -> list[dict]:
        """Every stage whose count moves: the headline names them all."""
        return [row for row in self.rows if row["delta"]]


def draft_impact(definition: Definition, content: dict, now=None) -> Impact:
    """Per stage, how many of the last cycle's leads reach at least that stage under the
    version in force and under `content` (a submission's frozen draft)."""
    cycle, latest = last_cycle(definition, now), version_latest(definition)
    impact = Impact(cycle=cycle, latest=latest)
    if cycle is None:
        return impact
    live = version_content_kept(latest)
    total, under_live = reach_counts(cycle, live)
    _, under_draft = reach_counts(cycle, content)
    impact.total = total
    names = {}
    for stage in [*content["stages"], *live["stages"]]:
        names.setdefault(stage["level"], stage["name"])
    for index, level in enumerate(LEVELS):
        if level not in names:
            continue  # a level neither version defines: nobody can reach it
        now_count = sum(under_live[lvl] for lvl in LEVELS[index:])
        draft_count = sum(under_draft[lvl] for lvl in LEVELS[index:])
        impact.rows.append(
            {
                "level": level,
                "name": names.get(level, LEVEL_LABELS[level]),
                "now": now_count,
                "draft": draft_count,
                "delta": draft_count - now_count,
            }
        )
    return impact
