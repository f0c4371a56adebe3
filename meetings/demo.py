"""Demo: Northwind's kickoff (closed, everyone but one answered) and a planned confirmation
meeting with the open proposals on its agenda, all built through the real services."""

from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from definitions.models import Definition
from meetings import services
from meetings.models import Meeting

KICKOFF_TITLE = "Kickoff: what do we call a lead?"
CONFIRMATION_TITLE = "Confirmation: the criteria from the kickoff"

INVITED = [
    "cmo@northwind.example",
    "maya@northwind.example",
    "tom@northwind.example",
    "priya@northwind.example",
    "sam@northwind.example",
    "jo@northwind.example",
    "kwame@northwind.example",
    "lena@northwind.example",
]
# Lena never answered: the board shows her as missing.
SILENT = "lena@northwind.example"

ANSWERS = {
    "marketing": [
        "Someone in our target industries who downloaded a guide or came to a webinar and "
        "gave us permission to follow up.",
        "A mid-market operations team replacing spreadsheets, with a project this year.",
        "Operations and finance managers who own reporting.",
        "The operations lead, IT for the integration, and finance signing off.",
    ],
    "sales": [
        "Someone who asked to talk to us, has a budget, and is a director or above. "
        "A webinar attendee is not a lead.",
        "A director with budget approved this quarter and a deadline, who has seen a demo.",
        "Directors and VPs of operations; managers rarely decide.",
        "A VP signs, procurement negotiates, IT can veto the integration.",
    ],
    "other": [
        "A person whose need and budget we have heard from them, not guessed.",
        "A company in our profile with a stated project and an owner.",
        "Whoever owns the reporting problem, at director level.",
        "The budget holder, the user team and IT.",
    ],
}

MINUTES = """# Kickoff minutes

**Present:** marketing, sales and our CRO as sponsor.

## What we heard
- Marketing counts webinar attendees in our industries as leads.
- Sales only accepts people who *asked to talk* and are **director or above**.
- Everybody agrees a lead needs permission to follow up.

## Decisions
1. Turn "asked to talk to us" into a proposed criterion for the MQL stage.
2. Meet again to confirm the summary and vote.

The six steps are Brian Carroll's Universal Lead Definition.
"""

SUMMARY = (
    "Marketing and sales agree that a lead must be in our target industries and have given "
    "permission to follow up. They differ on webinar attendees: sales wants a request to talk "
    "and a director or above. We propose “asked to talk to us” as an MQL criterion and vote on "
    "it at the confirmation meeting."
)


@transaction.atomic
def seed(people: dict) -> str:
    definition = Definition.objects.order_by("pk").first()
    if definition is None:
        return "Meetings: demo skipped, there is no definition to meet about."
    if Meeting.objects.filter(title=KICKOFF_TITLE).exists():
        return "Meetings: demo meetings already there."
    facilitator = people["facilitator@northwind.example"]
    sponsor = people["cro@northwind.example"]
    invitees = [people[email] for email in INVITED]
    now = timezone.now()

    kickoff = services.meeting_schedule(
        by=facilitator,
        definition=definition,
        kind=Meeting.Kind.KICKOFF,
        title=KICKOFF_TITLE,
        starts_at=(now - timedelta(days=10)).replace(hour=10, minute=0, second=0, microsecond=0),
        duration_minutes=90,
        place="Board room, 3rd floor",
        call_link="https://meet.example.com/northwind-uld",
        sponsor=sponsor,
        invitees=invitees,
    )
    services.meeting_start(meeting=kickoff, by=facilitator)
    questions = list(kickoff.questions.all())
    for person in [sponsor, *invitees]:
        if person.email == SILENT:
            continue
        texts = ANSWERS.get(person.department, ANSWERS["other"])
        for question, text in zip(questions, texts, strict=True):
            services.answer_save(question=question, person=person, text=text)
    services.attendance_record(
        meeting=kickoff,
        by=facilitator,
        present=[p for p in [sponsor, *invitees] if p.email != "priya@northwind.example"],
    )
    services.minutes_save(meeting=kickoff, by=facilitator, text=MINUTES)

    today = timezone.localdate()
    services.action_item_add(
        meeting=kickoff,
        by=facilitator,
        text="Share last quarter's rejected webinar leads with sales",
        owner=people["maya@northwind.example"],
        due=today - timedelta(days=3),
    )
    services.action_item_add(
        meeting=kickoff,
        by=facilitator,
        text="List the reasons SDRs reject leads today",
        owner=people["kwame@northwind.example"],
        due=today + timedelta(days=4),
    )
    done = services.action_item_add(
        meeting=kickoff,
        by=facilitator,
        text="Send everyone the ideal customer profile",
        owner=facilitator,
        due=today - timedelta(days=8),
    )
    services.action_item_mark(item=done, by=facilitator)

    sales_answers = [
        answer
        for answer in questions[0].answers.select_related("person")
        if answer.person.department == "sales"
    ]
    services.proposal_from_answers(
        meeting=kickoff,
        by=facilitator,
        answers=sales_answers[:2],
        stage_key="mql",
        statement="Asked to talk to us",
        guidance="A demo request, a call-back request or a reply asking for a meeting.",
        evidence="stated",
        rationale="Sales accepts leads who asked to talk; webinar attendance alone is not it.",
        origin_url=reverse("meetings:answers", args=[kickoff.pk]),
    )
    services.summary_publish(meeting=kickoff, by=facilitator, text=SUMMARY)
    services.confirmation_give(
        meeting=kickoff, person=people["sam@northwind.example"], position="confirm"
    )
    services.confirmation_give(
        meeting=kickoff, person=people["maya@northwind.example"], position="confirm"
    )
    services.confirmation_give(
        meeting=kickoff,
        person=people["tom@northwind.example"],
        position="concern",
        comment="Webinar attendees who ask a question in the chat should count as asking.",
    )
    services.meeting_close(meeting=kickoff, by=facilitator)

    confirmation = services.meeting_schedule(
        by=facilitator,
        definition=definition,
        kind=Meeting.Kind.CONFIRMATION,
        title=CONFIRMATION_TITLE,
        starts_at=(now + timedelta(days=4)).replace(hour=14, minute=0, second=0, microsecond=0),
        duration_minutes=60,
        call_link="https://meet.example.com/northwind-uld",
        sponsor=sponsor,
        invitees=invitees,
        follows=kickoff,
    )
    votes = confirmation.agenda_items.filter(proposal__isnull=False).count()
    return (
        f"Meetings: a closed kickoff (everyone but one answered, minutes, 3 action items) and "
        f"a planned confirmation meeting with {votes} proposals on its agenda."
    )
