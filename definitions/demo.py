"""Demo: Northwind's company-wide definition, built through the real services.

Version 1 (the starting ladder) is published; since then one proposal passed and sits in a
draft awaiting approval, one is open with some votes, and one is blocked with its comment.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from definitions import services
from definitions.models import Definition, Proposal

DEMO_NAME = "Northwind company-wide lead definition"
ICP = (
    "Mid-market B2B companies (200–5,000 employees) in manufacturing, logistics and retail, "
    "in Europe and North America, whose operations or finance leaders own reporting."
)


def _everyone_votes(proposal, people, position="agree", except_emails=()):
    for email, person in people.items():
        if email in except_emails or person.department not in ("marketing", "sales"):
            continue
        services.vote_cast(proposal=proposal, voter=person, position=position)


@transaction.atomic
def seed(people: dict) -> str:
    if Definition.objects.filter(name=DEMO_NAME).exists():
        return "Definitions: demo definition already there."
    facilitator = people["facilitator@northwind.example"]
    cro, cmo = people["cro@northwind.example"], people["cmo@northwind.example"]
    definition = services.definition_create(
        by=facilitator,
        name=DEMO_NAME,
        facilitator=facilitator,
        executive_sponsor=cro,
        description="What marketing hands to sales, and when sales takes it.",
        ideal_customer_profile=ICP,
        start="ladder",
    )
    # Version 1: everyone agreed to the starting ladder.
    for proposal in Proposal.objects.for_definition(definition).open():
        _everyone_votes(proposal, people)
        services.proposal_close(proposal=proposal, by=facilitator)
    submission = services.draft_submit(
        definition=definition, by=facilitator, change_summary="The first agreed definition."
    )
    services.submission_approve(submission=submission, by=cmo)
    services.version_publish(submission=submission, by=cro)

    # Passed since: industries in the profile.
    industry = services.proposal_create(
        definition=definition,
        by=people["sam@northwind.example"],
        kind=Proposal.Kind.ADD_CRITERION,
        stage_key="mql",
        payload={
            "statement": "Works in an industry we serve",
            "guidance": "Manufacturing, logistics or retail.",
            "evidence": "verified",
            "rule": {
                "field": "industry",
                "operator": "in",
                "value": ["Manufacturing", "Logistics", "Retail"],
            },
        },
        rationale="Half of last month's rejections were outside our industries.",
    )
    _everyone_votes(industry, people, except_emails={"priya@northwind.example"})
    services.vote_cast(
        proposal=industry,
        voter=people["priya@northwind.example"],
        position="live_with",
        comment="Fine, though events bring adjacent industries.",
    )
    services.proposal_close(proposal=industry, by=facilitator)

    # Open, with some votes.
    seniority = services.proposal_create(
        definition=definition,
        by=people["jo@northwind.example"],
        kind=Proposal.Kind.CHANGE_CRITERION,
        target_key="sal-seniority",
        payload={
            "statement": "The contact is a director or above",
            "guidance": "Managers rarely hold budget for a platform purchase.",
            "evidence": "verified",
            "rule": {"field": "seniority", "operator": "at_least", "value": "director"},
        },
        rationale="Managers we accepted last quarter almost never converted.",
        closes_at=timezone.now() + timedelta(days=5),
    )
    for email, position in [
        ("jo@northwind.example", "agree"),
        ("sam@northwind.example", "agree"),
        ("maya@northwind.example", "live_with"),
    ]:
        services.vote_cast(proposal=seniority, voter=people[email], position=position)

    # Blocked.
    blocked = services.proposal_create(
        definition=definition,
        by=people["tom@northwind.example"],
        kind=Proposal.Kind.REMOVE_CRITERION,
        target_key="mql-direct-contact",
        rationale="Web forms rarely capture a direct line; we lose good leads over it.",
    )
    services.vote_cast(proposal=blocked, voter=people["tom@northwind.example"], position="agree")
    services.vote_cast(
        proposal=blocked,
        voter=people["kwame@northwind.example"],
        position="block",
        comment="Without a direct line we spend days chasing switchboards: this is why "
        "SDRs reject web leads.",
    )

    # The draft (version 1 + the industry criterion) awaits an executive.
    services.draft_submit(
        definition=definition,
        by=facilitator,
        change_summary="Adds the industries we serve to the Marketing Qualified Lead stage.",
    )
    return "Definitions: version 1 published, a draft awaiting approval, proposals open."
