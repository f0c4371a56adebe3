"""The facilitator's open review cycles, for the home page ("What needs me"): each cycle's
progress and deadline, and the reps who still have leads to review. Two queries."""

from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from feedback.models import Lead, LeadFeedback, ReviewCycle

# A deadline within this is "near": the home page says so and names who is behind.
DEADLINE_NEAR = timedelta(days=3)


def open_cycles(now=None) -> list[ReviewCycle]:
    """Each open cycle with its leads, how many are reviewed, and the reps behind (name and
    leads waiting), deadline first."""
    now = now or timezone.now()
    cycles = list(
        ReviewCycle.objects.open(now)
        .select_related("definition")
        .annotate(
            total=Count("leads", distinct=True),
            reviewed=Count(
                "leads",
                filter=Q(leads__feedback__cycle=F("pk")),
                distinct=True,
            ),
        )
        .order_by("ends_at")
    )
    reviewed = LeadFeedback.objects.filter(lead=OuterRef("pk"), cycle=OuterRef("cycle"))
    behind: dict[int, list[dict]] = {}
    for row in (
        Lead.objects.filter(cycle__in=[c.pk for c in cycles])
        .filter(~Exists(reviewed))
        .values("cycle_id", name=F("rep__full_name"))
        .annotate(waiting=Count("pk"))
        .order_by("cycle_id", "-waiting", "name")
    ):
        behind.setdefault(row["cycle_id"], []).append(row)
    for cycle in cycles:
        cycle.behind = behind.get(cycle.pk, [])
        cycle.deadline_near = cycle.ends_at - now <= DEADLINE_NEAR
    return cycles
