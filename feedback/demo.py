"""Demo: three review cycles of Northwind's leads (two closed, one open), through the services.

The cycles reach back five weeks, before the demo's version 1 was published a moment ago;
the story is that version 1 has been in force since then, so the cycles are tied to it.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from definitions.models import Definition, EvidenceStandard, StageLevel, Version
from definitions.rules import EVIDENCE_LEVELS
from feedback import services
from feedback.models import Lead, LeadFeedback, Outcome, RejectionReason, ReviewCycle

REPS = [
    "sam@northwind.example",
    "jo@northwind.example",
    "kwame@northwind.example",
    "lena@northwind.example",
]
COMPANIES = [
    "Aldergate Freight",
    "Brightwater Retail",
    "Cobalt Machining",
    "Dunmore Logistics",
    "Elm & Ivy Stores",
    "Fenwick Plastics",
    "Granite Hill Foods",
    "Harbor Line Shipping",
    "Ironbridge Tools",
    "Juniper Home",
    "Kestrel Components",
    "Larkspur Outfitters",
    "Meridian Cold Chain",
    "Northgate Metals",
    "Oakhurst Grocers",
    "Pinecrest Packaging",
    "Quayside Transport",
    "Redwood Fixtures",
    "Saltmarsh Textiles",
    "Thornbury Parts",
]
INDUSTRIES = [
    "Manufacturing",
    "Logistics",
    "Retail",
    "Manufacturing",
    "Logistics",
    "Retail",
    "Healthcare",
    "Education",
    "Software",
]
TITLES = [
    "VP Operations",
    "Chief Financial Officer",
    "Director of Finance",
    "Head of Supply Chain",
    "Operations Manager",
    "Finance Manager",
    "Business Analyst",
    "Marketing Coordinator",
    "IT Director",
    "Owner",
]
SOURCES = [
    "web_inquiry",
    "webinar",
    "trade_show",
    "content_download",
    "purchased_list",
    "referral",
    "web_inquiry",
    "webinar",
]
FIRST = [
    "Ana",
    "Ben",
    "Chloé",
    "Dev",
    "Eva",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kai",
    "Lea",
    "Mo",
    "Nora",
    "Otto",
    "Pia",
]
LAST = [
    "Silva",
    "Okoro",
    "Nakamura",
    "Berg",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "García",
    "Hansen",
]
WANTED = [
    "Which system they use today",
    "Who else is in the buying group",
    "Whether the budget is approved for this year",
    "",
    "",
    "",
]
SUGGESTIONS = [
    ("stop", "Stop sending purchased-list contacts as leads: none of mine replied."),
    ("start", "Start asking webinar attendees whether they want a call."),
    ("continue", "Continue the demo-request form: those leads are the best we get."),
    ("start", "Start recording who owns the budget on the form."),
]

# The evidence levels a demo lead is given, weakest first (the definitions' vocabulary).
NO_EVIDENCE = EVIDENCE_LEVELS[0]
BELIEVED, STATED, VERIFIED = (
    EvidenceStandard.BELIEVED,
    EvidenceStandard.STATED,
    EvidenceStandard.VERIFIED,
)
LEAD = StageLevel.LEAD


def _lead_values(rng: random.Random, n: int) -> dict:
    title = rng.choice(TITLES)
    asked = rng.random() < 0.85
    return {
        "crm_reference": f"NW-{1000 + n}",
        "company": f"{COMPANIES[n % len(COMPANIES)]}{'' if n < 20 else f' {n // 20 + 1}'}",
        "contact_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "email": f"contact{n}@example.com" if rng.random() < 0.95 else "",
        "phone": f"+44 20 7946 {n:04d}" if rng.random() < 0.85 else "",
        "title": title,
        "industry": rng.choice(INDUSTRIES),
        "company_size": rng.choice([20, 45, 120, 250, 600, 1500, 3000, None]),
        "region": rng.choice(["UK", "Germany", "Netherlands", "US East", "US West"]),
        "source": rng.choice(SOURCES),
        "permission_to_follow_up": rng.random() < 0.9,
        "asked_for_information": asked,
        "need_evidence": rng.choice([NO_EVIDENCE, BELIEVED, STATED, STATED, VERIFIED]),
        "budget_evidence": rng.choice([NO_EVIDENCE, BELIEVED, BELIEVED, STATED, VERIFIED]),
        "authority_evidence": rng.choice([NO_EVIDENCE, *EvidenceStandard.values]),
        "stage_handed_over": rng.choice(
            [LEAD, LEAD, LEAD, StageLevel.ACCEPTED, StageLevel.OPPORTUNITY]
        ),
    }


def _feedback_for(rng: random.Random, lead: Lead, reasons: dict) -> dict:
    """A plausible verdict: reps mostly agree with the check, and sometimes use a private
    filter the definition does not write down (the private filters of a rep scanning leads)."""
    level = lead.qualification.level_reached
    values = {"wanted_to_know": rng.choice(WANTED), "comment": ""}
    if lead.seniority in ("individual", "manager") and rng.random() < 0.3:
        return {
            **values,
            "agrees_with_stage": False,
            "decision": LeadFeedback.Decision.REJECTED,
            "reasons": [reasons["Title below VP"]],
            "comment": "Not senior enough to start a purchase.",
        }
    if lead.industry not in ("Manufacturing", "Logistics", "Retail") and rng.random() < 0.35:
        return {
            **values,
            "agrees_with_stage": False,
            "decision": LeadFeedback.Decision.REJECTED,
            "reasons": [reasons["Industry not a focus"]],
        }
    if level in (StageLevel.ACCEPTED, StageLevel.OPPORTUNITY) or (
        level == StageLevel.LEAD and rng.random() < 0.6
    ):
        if rng.random() < 0.12:
            return {
                **values,
                "agrees_with_stage": True,
                "decision": LeadFeedback.Decision.REJECTED,
                "reasons": [
                    reasons[
                        rng.choice(["Competitor already engaged", "Earlier efforts came up dry"])
                    ]
                ],
            }
        return {
            **values,
            "agrees_with_stage": True,
            "decision": LeadFeedback.Decision.ACCEPTED,
            "reasons": [],
        }
    if rng.random() < 0.25:
        # Reps also take leads the definition would not call leads: that disagreement is
        # what the next version should look at.
        return {
            **values,
            "agrees_with_stage": False,
            "decision": LeadFeedback.Decision.ACCEPTED,
            "reasons": [],
        }
    if rng.random() < 0.35:
        return {
            **values,
            "agrees_with_stage": False,
            "decision": LeadFeedback.Decision.RECYCLED,
            "reasons": [reasons["Timing"]],
            "comment": "Ask again next quarter.",
        }
    backed = []
    if lead.budget_evidence in (NO_EVIDENCE, BELIEVED):
        backed.append(reasons["No verified budget"])
    if lead.need_evidence in (NO_EVIDENCE, BELIEVED):
        backed.append(reasons["No demonstrated need"])
    if not lead.phone:
        backed.append(reasons["Contact data wrong"])
    if lead.company_size is not None and lead.company_size < 50:
        backed.append(reasons["Outside the target profile"])
    return {
        **values,
        "agrees_with_stage": False,
        "decision": LeadFeedback.Decision.REJECTED,
        "reasons": backed[:2] or [reasons["Not a decision maker or influencer"]],
    }


@transaction.atomic
def seed(people: dict) -> str:
    definition = Definition.objects.order_by("pk").first()
    if definition is None:
        return "Feedback: demo skipped (no definition)."
    version = Version.objects.for_definition(definition).order_by("number").first()
    if version is None:
        return "Feedback: demo skipped (the demo definition has no published version)."
    if ReviewCycle.objects.for_definition(definition).exists():
        return "Feedback: demo cycles already there."
    rng = random.Random(2026)
    facilitator = people["facilitator@northwind.example"]
    reps = [people[email] for email in REPS]
    reasons = {reason.label: reason for reason in RejectionReason.objects.all()}
    if len(reasons) < 10:
        from feedback.catalogue import reasons_default_ensure

        reasons_default_ensure(RejectionReason)
        reasons = {reason.label: reason for reason in RejectionReason.objects.all()}

    today = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=35)
    cycles = []
    for index in range(3):
        # Written directly: the cycles predate the version's publication in this story.
        cycle = ReviewCycle(
            definition=definition,
            version=version,
            starts_at=start + timedelta(days=14 * index),
            ends_at=start + timedelta(days=14 * (index + 1)),
            opened_by=facilitator,
        )
        cycle.full_clean()
        cycle._change_reason = "Demo"
        cycle.save()
        cycles.append(cycle)

    n, leads_made, feedback_given, unwritten, bought_after_rejection = 0, 0, 0, 0, 0
    for index, (cycle, count) in enumerate(zip(cycles, (30, 28, 22), strict=True)):
        closed = index < 2
        for _ in range(count):
            n += 1
            values = _lead_values(rng, n)
            values["handed_over_at"] = cycle.starts_at + timedelta(hours=rng.randint(2, 200))
            lead = services.lead_create(
                cycle=cycle, rep=reps[n % len(reps)], by=facilitator, **values
            )
            leads_made += 1
            if not closed and rng.random() < 0.5:
                continue  # the open cycle: about half still waiting
            lead = Lead.objects.select_related("qualification").get(pk=lead.pk)
            verdict = _feedback_for(rng, lead, reasons)
            # Reps review within a couple of days of the hand-over (never in the future).
            given_at = min(lead.handed_over_at + timedelta(hours=6 + n % 48), timezone.now())
            services.feedback_record(lead=lead, rep=lead.rep, now=given_at, **verdict)
            feedback_given += 1
            unwritten += any(r.is_unwritten for r in verdict["reasons"])
            if not closed:
                continue
            # After the rejection: "rejected, then bought" counts from its day.
            later = max(
                date.today() - timedelta(days=rng.randint(1, 20)), timezone.localdate(given_at)
            )
            if verdict["decision"] == LeadFeedback.Decision.ACCEPTED:
                result = rng.choice(Outcome.Result.values)
            elif rng.random() < 0.2:
                result = (
                    Outcome.Result.BOUGHT
                )  # rejected leads that bought anyway (SiriusDecisions)
                bought_after_rejection += 1
            else:
                continue
            amount = Decimal(rng.randint(8, 90) * 1000) if result == Outcome.Result.BOUGHT else None
            services.outcome_record(
                lead=lead, result=result, occurred_on=later, amount=amount, by=lead.rep
            )
        if closed:
            for kind, text in SUGGESTIONS[index * 2 : index * 2 + 2]:
                services.suggestion_add(cycle=cycle, author=rng.choice(reps), kind=kind, text=text)
    return (
        f"Feedback: 3 cycles (2 closed, 1 open), {leads_made} leads checked, "
        f"{feedback_given} reviewed ({unwritten} with unwritten reasons), "
        f"{bought_after_rejection} rejected leads that later bought."
    )
