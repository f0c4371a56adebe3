"""Feedback's health warning on a definition: unwritten rejection reasons piling up
(the private filters SiriusDecisions found behind rejected leads that bought anyway)."""

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback import selectors, services
from feedback.health import definition_warnings
from feedback.models import LeadFeedback, RejectionDay, RejectionReason
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = pytest.mark.django_db
NEEDS = ["rejected", "recycled"]


@pytest.fixture
def rejections(facilitator, executive, sales_rep):
    """`rejections(unwritten=2, written=3)` records that many rejections in an open cycle."""
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition)
    cycle = services.cycle_open(definition=definition, by=facilitator)
    private = RejectionReason.objects.filter(kind="unwritten").first()
    written = RejectionReason.objects.filter(kind="criterion").first()
    counter = iter(range(1000))

    def make(*, unwritten: int, written_count: int):
        for reason, n in ((private, unwritten), (written, written_count)):
            for _ in range(n):
                lead = services.lead_create(
                    cycle=cycle,
                    rep=sales_rep,
                    by=facilitator,
                    crm_reference=f"L-{next(counter)}",
                    company="Acme",
                )
                services.feedback_record(
                    lead=lead,
                    rep=sales_rep,
                    agrees_with_stage=False,
                    decision="rejected",
                    reasons=[reason],
                )
        return definition

    return make


def test_a_quarter_of_rejections_on_unwritten_reasons_is_a_warning(rejections):
    definition = rejections(unwritten=2, written_count=6)
    [warning] = definition_warnings(definition)
    assert warning.message.startswith(
        "Unwritten reasons are behind 2 of the last 8 rejections (25%"
    )
    assert warning.source == "SiriusDecisions"


def test_the_warning_rounds_its_share_half_up_like_the_numbers(rejections):
    # Five of eight is 62.5 %: half up shows 63 %, where round() would show 62 %.
    [warning] = definition_warnings(rejections(unwritten=5, written_count=3))
    assert "(63%, last 90 days)" in warning.message


def test_fewer_unwritten_reasons_or_too_few_rejections_warn_nothing(rejections):
    assert definition_warnings(rejections(unwritten=1, written_count=6)) == []


def test_too_few_rejections_to_judge_warn_nothing(rejections):
    assert definition_warnings(rejections(unwritten=4, written_count=0)) == []


def test_the_definition_page_shows_the_warning(rejections, client_as, marketer):
    definition = rejections(unwritten=5, written_count=1)
    page = client_as(marketer).get(reverse("definitions:detail", args=[definition.pk]))
    assert 'data-warning="unwritten-reasons"' in page.content.decode()


def tallies(definition) -> list[tuple]:
    return list(
        RejectionDay.objects.filter(definition=definition)
        .order_by("day")
        .values_list("day", "rejections", "unwritten")
    )


def test_the_tallies_follow_every_change_of_a_verdict_and_its_reasons(rejections, sales_rep):
    definition = rejections(unwritten=2, written_count=3)
    today = timezone.localdate()
    assert tallies(definition) == [(today, 5, 2)]
    private = RejectionReason.objects.filter(kind="unwritten").first()
    written = RejectionReason.objects.filter(kind="criterion").first()
    first, second, third = LeadFeedback.objects.filter(lead__definition=definition)[:3]

    def change(feedback, decision, reasons):
        services.feedback_record(
            lead=feedback.lead,
            rep=sales_rep,
            agrees_with_stage=decision == "accepted",
            decision=decision,
            reasons=reasons,
        )

    change(first, "accepted", [])
    change(second, "recycled", [written, private])
    change(third, "rejected", [written])
    expected = RejectionDay.objects.filter(definition=definition).values_list(
        "rejections", "unwritten"
    )
    counted = list(expected)
    # What the services kept is what a recount from the feedback finds.
    services.rejection_days_rebuild(definition_ids=[definition.pk])
    assert list(expected) == counted
    rejected = LeadFeedback.objects.filter(lead__definition=definition, decision__in=NEEDS)
    assert counted == [
        (rejected.count(), rejected.filter(reasons__kind="unwritten").distinct().count())
    ]


def test_only_the_last_90_days_count(rejections):
    """Whole local days: today and the 89 before it. (Noon of a day, not "now" minus 90
    days, which a change of summer time between the two can put on the next day.)"""
    definition = rejections(unwritten=6, written_count=0)
    old = LeadFeedback.objects.filter(lead__definition=definition)[:2]

    def days_ago(days: int):
        day = timezone.localdate() - timedelta(days=days)
        return timezone.make_aware(datetime.combine(day, time(12)))

    LeadFeedback.objects.filter(pk__in=[f.pk for f in old]).update(created_at=days_ago(90))
    services.rejection_days_rebuild(definition_ids=[definition.pk])
    assert definition_warnings(definition) == []  # four left, too few to judge
    LeadFeedback.objects.filter(pk__in=[f.pk for f in old]).update(created_at=days_ago(89))
    services.rejection_days_rebuild(definition_ids=[definition.pk])
    [warning] = definition_warnings(definition)
    assert "6 of the last 6 rejections" in warning.message


def test_a_reason_that_changes_kind_recounts_the_rejections_citing_it(rejections, facilitator):
    definition = rejections(unwritten=2, written_count=6)
    assert definition_warnings(definition)
    private = RejectionReason.objects.filter(kind="unwritten").first()
    written = RejectionReason.objects.filter(kind="criterion").first()
    services.reason_save(
        by=facilitator, label=private.label, criterion_key=written.criterion_key, reason=private
    )
    assert definition_warnings(definition) == []
    assert tallies(definition)[0][1:] == (8, 0)


def definition_page_queries(client, definition) -> int:
    """The page's queries as every view but the first after publication runs them: the
    first draws the version's content and keeps it in the cache."""
    url = reverse("definitions:detail", args=[definition.pk])
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.usefixtures("pages_drawn")
def test_the_definition_page_costs_the_same_for_6_rejections_as_for_60(
    rejections, client_as, marketer
):
    definition = rejections(unwritten=5, written_count=1)
    client = client_as(marketer)
    few = definition_page_queries(client, definition)
    rejections(unwritten=30, written_count=24)
    assert definition_page_queries(client, definition) == few


def test_the_upgrade_counts_the_tallies_once(rejections):
    from django.core.management import call_command

    definition = rejections(unwritten=2, written_count=6)
    kept = tallies(definition)
    RejectionDay.objects.all().delete()  # a database from before the tallies
    call_command("figures_rebuild")
    assert tallies(definition) == kept
    assert not selectors.rejection_days_missing()


def test_the_rejected_then_bought_figure_adds_up_the_summaries_as_the_leads_count():
    from django.db.models import Count, Q

    from feedback.health import rejected_then_bought
    from feedback.models import LeadFigures
    from tests.numbers.test_reference import dataset_build
    from tests.numbers.test_views import specs_make

    definition, _, _ = dataset_build(specs_make(40))
    counted = LeadFigures.objects.filter(definition=definition, decision="rejected").aggregate(
        rejected=Count("pk"), bought=Count("pk", filter=Q(rejected_then_bought=True))
    )
    assert counted["bought"] > 0  # the data holds rejected leads that bought
    assert rejected_then_bought(definition) == (counted["rejected"], counted["bought"])
    assert rejected_then_bought(DefinitionFactory()) == (0, 0)
