"""Reads for the meeting pages and the home page: a fixed number of queries per page."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.template.defaultfilters import pluralize
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Department, User
from definitions import permissions as definition_permissions
from definitions import selectors as definition_selectors
from definitions.models import Proposal, Vote
from meetings import permissions
from meetings.facilitation import facilitator_sections
from meetings.markdown import markdown_render
from meetings.models import (
    ActionItem,
    AgendaItem,
    Answer,
    Attendance,
    Confirmation,
    Meeting,
    Minutes,
    Question,
    Summary,
)

DEPARTMENT_ORDER = [Department.MARKETING, Department.SALES, Department.OTHER]


def meeting_get(user, pk: int) -> Meeting:
    """The meeting if `user` may see it, else Meeting.DoesNotExist (a 404 in the view)."""
    return (
        Meeting.objects.visible_to(user)
        .select_related("definition", "facilitator", "sponsor", "follows")
        .get(pk=pk)
    )


WARNINGS = {
    "marketing": "Nobody from marketing is invited: invite the people who create leads.",
    "sales": "Nobody from sales is invited: invite the people who receive leads.",
    "executive": "No executive is invited: the Universal Lead Definition asks for a sponsor "
    "who can settle disagreements.",
}


def composition_warnings(people: list[User]) -> list[str]:
    """The Universal Lead Definition's first step: everyone in customer acquisition, with an
    executive sponsor (one query)."""
    departments = {person.department for person in people}
    warnings = [
        WARNINGS[department]
        for department in (Department.MARKETING, Department.SALES)
        if department not in departments
    ]
    has_executive = (
        bool(people)
        and User.objects.with_permission("definitions.approve_version")
        .filter(pk__in=[person.pk for person in people])
        .exists()
    )
    if not has_executive:
        warnings.append(WARNINGS["executive"])
    return warnings


@dataclass
class BoardRow:
    attendance: Attendance
    cells: list[bool]

    @property
    def answered(self) -> int:
        return sum(self.cells)

    @property
    def complete(self) -> bool:
        return all(self.cells)


@dataclass
class BoardGroup:
    department: str
    label: str
    rows: list[BoardRow] = field(default_factory=list)

    @property
    def complete_count(self) -> int:
        return sum(1 for row in self.rows if row.complete)


@dataclass
class Board:
    questions: list[Question]
    groups: list[BoardGroup]

    @property
    def missing(self) -> list[BoardRow]:
        return [row for group in self.groups for row in group.rows if not row.complete]

    @property
    def total(self) -> int:
        return sum(len(group.rows) for group in self.groups)


def participation_board(
    attendances: list[Attendance], questions: list[Question], answered: set[tuple[int, int]]
) -> Board:
    """Who has answered which question, grouped by department; `answered` holds
    (person id, question id) pairs."""
    groups = {dept: BoardGroup(dept, Department(dept).label) for dept in DEPARTMENT_ORDER}
    for attendance in attendances:
        group = groups.get(attendance.department) or groups[Department.OTHER]
        group.rows.append(
            BoardRow(
                attendance=attendance,
                cells=[(attendance.person_id, q.pk) in answered for q in questions],
            )
        )
    return Board(questions=questions, groups=[g for g in groups.values() if g.rows])


def _answered_pairs(meeting: Meeting) -> set[tuple[int, int]]:
    return set(Answer.objects.for_meeting(meeting).values_list("person_id", "question_id"))


def people_missing_answers(meeting: Meeting) -> list[tuple[User, int]]:
    """(person, questions left) for every invited person who has not answered everything."""
    questions = Question.objects.filter(meeting=meeting).count()
    if not questions:
        return []
    rows = (
        Attendance.objects.filter(meeting=meeting)
        .select_related("person")
        .annotate(
            answered=Count(
                "person__meeting_answers",
                filter=Q(person__meeting_answers__question__meeting=meeting),
            )
        )
        .filter(answered__lt=questions)
    )
    return [(row.person, questions - row.answered) for row in rows]


@dataclass
class AgendaEntry:
    item: AgendaItem
    verdict: object = None
    my_vote: Vote | None = None
    is_open: bool = False


def participation(meeting: Meeting) -> dict:
    """Only what the participation board needs, for its htmx refresh (three queries)."""
    attendances = list(
        Attendance.objects.filter(meeting=meeting)
        .select_related("person")
        .order_by("department", "person__full_name")
    )
    questions = list(Question.objects.filter(meeting=meeting))
    return {"board": participation_board(attendances, questions, _answered_pairs(meeting))}


def meeting_page(meeting: Meeting, user) -> dict:
    """Everything the meeting page shows, in a number of queries that does not grow with
    attendees, answers, action items or agenda items."""
    attendances = list(
        Attendance.objects.filter(meeting=meeting)
        .select_related("person")
        .order_by("department", "person__full_name")
    )
    questions = list(Question.objects.filter(meeting=meeting))
    answered = _answered_pairs(meeting)
    board = participation_board(attendances, questions, answered)
    now = timezone.now()
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("proposal")
        .prefetch_related(Prefetch("proposal__votes", queryset=Vote.objects.all()))
    )
    agenda = []
    counts = None
    for item in items:
        entry = AgendaEntry(item=item)
        if item.proposal is not None:
            if counts is None:
                counts = definition_selectors.electorate()
            votes = list(item.proposal.votes.all())
            entry.verdict = definition_selectors.proposal_verdict(item.proposal, votes, counts)
            entry.my_vote = next((v for v in votes if v.voter_id == user.pk), None)
            entry.is_open = item.proposal.is_open_at(now)
            item.proposal.url = proposal_url(item.proposal)
        agenda.append(entry)
    minutes = Minutes.objects.filter(meeting=meeting).first()
    summary = Summary.objects.filter(meeting=meeting).select_related("published_by").first()
    confirmations = (
        list(Confirmation.objects.filter(summary=summary).select_related("person"))
        if summary
        else []
    )
    current = [c for c in confirmations if c.revision == summary.revision] if summary else []
    confirmed_ids = {c.person_id for c in current}
    today = timezone.localdate()
    actions = list(ActionItem.objects.filter(meeting=meeting).select_related("owner"))
    for action in actions:
        action.meeting = meeting  # the one already read, for who may tick it
        action.overdue = action.is_overdue(today)
        action.markable = permissions.may_mark_action(user, action)
    invited = any(a.person_id == user.pk for a in attendances)
    return {
        "attendances": attendances,
        "questions": questions,
        "board": board,
        "my_unanswered": sum(1 for q in questions if (user.pk, q.pk) not in answered)
        if invited
        else 0,
        "agenda": agenda,
        "minutes": minutes,
        "minutes_html": markdown_render(minutes.text) if minutes else "",
        "summary": summary,
        "confirmations": current,
        "outdated_confirmations": [c for c in confirmations if c not in current],
        "not_confirmed": [a for a in attendances if a.person_id not in confirmed_ids],
        "my_confirmation": next((c for c in current if c.person_id == user.pk), None),
        "actions": actions,
        "is_invited": invited,
        "is_facilitator": permissions.is_facilitator(user, meeting),
        "can_vote": definition_permissions.may_vote(user),
        "warnings": composition_warnings([a.person for a in attendances]),
        "record": list(
            Meeting.history.filter(id=meeting.pk)
            .exclude(history_change_reason__isnull=True)
            .select_related("history_user")
            .order_by("history_date")
        ),
    }


def answers_side_by_side(meeting: Meeting) -> list[dict]:
    """For each question, the answers in one column per department (two queries)."""
    questions = list(
        Question.objects.filter(meeting=meeting).prefetch_related(
            Prefetch(
                "answers",
                queryset=Answer.objects.select_related("person").prefetch_related("proposals"),
            )
        )
    )
    departments = list(DEPARTMENT_ORDER)
    rows = []
    for question in questions:
        columns = {d: [] for d in departments}
        for answer in question.answers.all():
            for proposal in answer.proposals.all():
                proposal.url = proposal_url(proposal)
            columns.get(answer.person.department, columns[Department.OTHER]).append(answer)
        rows.append(
            {
                "question": question,
                "columns": [(Department(d).label, columns[d]) for d in departments],
            }
        )
    return rows


def draft_stages(meeting: Meeting) -> list[dict]:
    """The stages of the definition's draft, for choosing where a new criterion goes."""
    return definition_selectors.draft_build(meeting.definition)[0]["stages"]


def proposals_open(meeting: Meeting):
    return Proposal.objects.for_definition(meeting.definition).open().order_by("pk")


def meetings_for_list(user):
    return (
        Meeting.objects.visible_to(user)
        .select_related("definition", "facilitator")
        .annotate(invited=Count("attendances", distinct=True))
    )


# --- home page --------------------------------------------------------------------------


def home_sections(user) -> list[dict]:
    """Questions I have not answered, summaries for me to confirm, my action items: the data
    of the home page's sections, which the templates named draw."""
    left_by_meeting = dict(
        Question.objects.unanswered_by(user)
        .values("meeting_id")
        .annotate(n=Count("pk"))
        .values_list("meeting_id", "n")
    )
    to_answer = list(Meeting.objects.filter(pk__in=left_by_meeting).order_by("starts_at"))
    for meeting in to_answer:
        meeting.left = left_by_meeting[meeting.pk]

    confirmed = Confirmation.objects.filter(
        summary=OuterRef("pk"), person=user, revision=OuterRef("revision")
    )
    to_confirm = (
        Summary.objects.filter(meeting__attendances__person=user)
        .filter(~Exists(confirmed))
        .select_related("meeting")
        .order_by("-published_at")
    )

    today = timezone.localdate()
    actions = list(
        ActionItem.objects.owned_by(user).open().select_related("meeting").order_by("due")
    )
    for action in actions:
        action.overdue = action.is_overdue(today)
    # The facilitator's own work first: her meetings' preparation.
    return [
        *facilitator_sections(user),
        {"template": "meetings/_home_questions.html", "meetings": to_answer},
        {"template": "meetings/_home_summaries.html", "summaries": list(to_confirm)},
        {"template": "meetings/_home_actions.html", "actions": actions},
    ]


def proposal_url(proposal: Proposal) -> str:
    """The proposal's page; its definition's page while the proposal pages do not exist."""
    try:
        return proposal.get_absolute_url()
    except NoReverseMatch:
        return reverse("definitions:detail", args=[proposal.definition_id])


def proposal_prefill(meeting: Meeting, answers: list[Answer], stages: list[dict]) -> dict:
    """A starting point for a criterion drawn from the chosen answers; the facilitator edits it.

    Meeting answers are mostly about what makes a lead, so the stage defaults to the
    marketing-qualified one."""
    lead_stage = next((s["key"] for s in stages if s.get("level") == "lead"), None)
    if not answers:
        return {
            "rationale": f"From the answers given in “{meeting.title}”.",
            "stage_key": lead_stage,
        }
    first = answers[0].text.strip().splitlines()[0]
    quoted = "\n".join(
        f"- {a.person.full_name} ({a.person.get_department_display()}), "
        f"on “{a.question.text}”: {' '.join(a.text.split())}"
        for a in answers
    )
    return {
        "answers": [a.pk for a in answers],
        "stage_key": lead_stage,
        "statement": first[:300],
        "rationale": f"From the answers given in “{meeting.title}”:\n{quoted}",
    }


def summary_draft(meeting: Meeting) -> str:
    """A first draft of the summary: the questions, and how many answered each."""
    questions = Question.objects.filter(meeting=meeting).annotate(n=Count("answers"))
    lines = [f"{q.text} ({q.n} answer{pluralize(q.n)})" for q in questions]
    return "What we heard:\n" + "\n".join(f"- {line}" for line in lines) if lines else ""
