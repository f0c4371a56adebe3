"""Feedback's health warning on a definition: unwritten rejection reasons piling up (seed 003)."""

import pytest
from django.urls import reverse

from feedback import services
from feedback.health import definition_warnings
from feedback.models import RejectionReason
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = pytest.mark.django_db


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
    assert warning.source == "seed 003"


def test_fewer_unwritten_reasons_or_too_few_rejections_warn_nothing(rejections):
    assert definition_warnings(rejections(unwritten=1, written_count=6)) == []


def test_too_few_rejections_to_judge_warn_nothing(rejections):
    assert definition_warnings(rejections(unwritten=4, written_count=0)) == []


def test_the_definition_page_shows_the_warning(rejections, client_as, marketer):
    definition = rejections(unwritten=5, written_count=1)
    page = client_as(marketer).get(reverse("definitions:detail", args=[definition.pk]))
    assert 'data-warning="unwritten-reasons"' in page.content.decode()
