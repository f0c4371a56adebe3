"""The facilitator's coming meetings and who has not answered their questions, for the home
page ("What needs me"). Two queries, whatever the number of meetings or people."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from meetings.models import Answer, Attendance, Meeting, Question
from meetings.permissions import FACILITATE

# Meetings starting within this are "coming up".
COMING_UP = timedelta(days=14)
NAMES_SHOWN = 6


def facilitator_sections(user, now=None) -> list[dict]:
    """Meetings coming up (not closed, starting within two weeks), each with the invited
    people who have not answered every question yet."""
    if not user.has_perm(FACILITATE):
        return []
    now = now or timezone.now()
    meetings = list(
        Meeting.objects.not_closed()
        .filter(starts_at__gte=now - timedelta(hours=12), starts_at__lte=now + COMING_UP)
        .annotate(invited=Count("attendances", distinct=True))
        .order_by("starts_at")[:20]
    )
    unanswered = Question.objects.filter(meeting=OuterRef("meeting")).filter(
        ~Exists(Answer.objects.filter(question=OuterRef("pk"), person=OuterRef(OuterRef("person"))))
    )
    behind: dict[int, list[str]] = {}
    for meeting_id, name in (
        Attendance.objects.filter(meeting__in=[m.pk for m in meetings])
        .filter(Exists(unanswered))
        .order_by("person__full_name")
        .values_list("meeting_id", "person__full_name")
    ):
        behind.setdefault(meeting_id, []).append(name)
    items = []
    for meeting in meetings:
        names = behind.get(meeting.pk, [])
        if names:
            shown = ", ".join(names[:NAMES_SHOWN]) + (
                f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else ""
            )
            verb = "has" if len(names) == 1 else "have"
            waiting = f"{len(names)} of {meeting.invited} {verb} not answered: {shown}"
        elif meeting.invited:
            waiting = "everyone invited has answered"
        else:
            waiting = "nobody is invited yet"
        items.append(
            {
                "url": reverse("meetings:detail", args=[meeting.pk])
                + ("#participation" if meeting.invited else "#people"),
                "label": f"{meeting.title}, {when(meeting)}",
                "detail": waiting,
            }
        )
    return [
        {
            "id": "meetings-coming-up",
            "title": "Meetings coming up, and who has not answered",
            "items": items,
            "empty": "No meeting in the next two weeks.",
        }
    ]


def when(meeting: Meeting) -> str:
    return f"{timezone.localtime(meeting.starts_at):%a %-d %b %H:%M}"
