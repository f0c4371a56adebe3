"""The facilitator's coming meetings and who has not answered their questions, for the home
page ("What needs me"). Two queries, whatever the number of meetings or people."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from meetings.models import Answer, Attendance, Meeting, Question
from meetings.permissions import FACILITATE

# Meetings starting within this are "coming up".
COMING_UP = timedelta(days=14)
NAMES_SHOWN = 6


def facilitator_sections(user, now=None) -> list[dict]:
    """Meetings coming up (not closed, starting within two weeks), each with how many of the
    invited have not answered every question yet and the first names of them: the data of
    the home page's section, which the template named draws."""
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
    for meeting in meetings:
        names = behind.get(meeting.pk, [])
        meeting.behind = len(names)
        meeting.behind_shown = names[:NAMES_SHOWN]
        meeting.behind_more = len(names) - len(meeting.behind_shown)
    return [{"template": "meetings/_home_coming_up.html", "meetings": meetings}]
