"""The consensus rule: quorum and threshold in each of marketing and sales, and no block.

Pure arithmetic on counts, so its edges can be tested exactly; integers only, no rounding.
"""

from dataclasses import asdict, dataclass

DEPARTMENTS = (("marketing", "Marketing"), ("sales", "Sales"))
SUPPORT = {"agree", "live_with"}


@dataclass(frozen=True)
class DepartmentTally:
    department: str
    label: str
    eligible: int
    voted: int
    agree: int
    live_with: int
    disagree: int
    block: int
    quorum_needed: int
    support_needed: int

    @property
    def support(self) -> int:
        return self.agree + self.live_with

    @property
    def has_quorum(self) -> bool:
        return self.eligible > 0 and self.voted >= self.quorum_needed

    @property
    def has_threshold(self) -> bool:
        return self.voted > 0 and self.support >= self.support_needed

    @property
    def not_voted(self) -> int:
        return max(self.eligible - self.voted, 0)


@dataclass(frozen=True)
class Verdict:
    passes: bool
    tallies: tuple[DepartmentTally, ...]
    blocks: int
    sentence: str

    def frozen(self) -> dict:
        """The verdict as plain data, stored when the vote closes (see `verdict_thawed`)."""
        return {
            "passes": self.passes,
            "blocks": self.blocks,
            "sentence": self.sentence,
            "tallies": [asdict(t) for t in self.tallies],
        }


def verdict_thawed(data: dict) -> Verdict:
    """The verdict a closed vote stored: who was eligible then, counted as they were then."""
    return Verdict(
        passes=data["passes"],
        tallies=tuple(DepartmentTally(**t) for t in data["tallies"]),
        blocks=data["blocks"],
        sentence=data["sentence"],
    )


def _ceil_share(count: int, percent: int) -> int:
    """The smallest whole number n with n * 100 >= count * percent."""
    return -(-count * percent // 100)


def consensus_evaluate(
    *,
    quorum_percent: int,
    threshold_percent: int,
    eligible: dict[str, int],
    positions: list[tuple[str, str]],
) -> Verdict:
    """Decide a proposal. `positions` holds (department, position) for every current vote."""
    tallies = []
    for department, label in DEPARTMENTS:
        mine = [position for dept, position in positions if dept == department]
        voted = len(mine)
        tallies.append(
            DepartmentTally(
                department=department,
                label=label,
                eligible=eligible.get(department, 0),
                voted=voted,
                agree=mine.count("agree"),
                live_with=mine.count("live_with"),
                disagree=mine.count("disagree"),
                block=mine.count("block"),
                quorum_needed=max(_ceil_share(eligible.get(department, 0), quorum_percent), 1),
                support_needed=_ceil_share(voted, threshold_percent),
            )
        )
    blocks = sum(1 for _, position in positions if position == "block")
    passes = blocks == 0 and all(t.has_quorum and t.has_threshold for t in tallies)
    return Verdict(passes, tuple(tallies), blocks, _sentence(tallies, blocks, passes))


def _sentence(tallies: list[DepartmentTally], blocks: int, passes: bool) -> str:
    parts = []
    for t in tallies:
        if t.eligible == 0:
            parts.append(f"{t.label}: nobody is eligible to vote, so it cannot agree.")
        elif not t.has_quorum:
            parts.append(
                f"{t.label}: {t.voted} of {t.eligible} voted, quorum needs {t.quorum_needed}."
            )
        elif t.has_threshold:
            parts.append(
                f"{t.label}: {t.support} of {t.voted} agree or can live with it "
                f"(needs {t.support_needed})."
            )
        else:
            supporters = f"only {t.support}" if t.support else "none"
            parts.append(
                f"{t.label}: {supporters} of {t.voted} agree or can live with it, "
                f"threshold needs {t.support_needed}."
            )
    # Each block is named where it came from; a block counts wherever it was cast.
    named = [f"{t.label}: blocked by {t.block}." for t in tallies if t.block]
    elsewhere = blocks - sum(t.block for t in tallies)
    if elsewhere:
        named.append(f"Blocked by {elsewhere} outside marketing and sales.")
    parts.insert(1, " ".join(named) if named else "No blocks.")
    verdict = "Passes" if passes else "Does not pass"
    return f"{verdict}. " + " ".join(parts)
