"""The numbers reach people where they are: the navigation, executives' home, the approval page."""

import re

import pytest
from django.urls import reverse

from definitions.models import Submission
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = pytest.mark.django_db


def test_everyone_has_the_numbers_in_the_navigation(client_as, marketer):
    body = client_as(marketer).get(reverse("home")).content.decode()
    # The link's attributes, however the template lays them out.
    assert re.search(rf'href="{reverse("numbers:index")}"\s+data-nav="numbers"', body)


def test_an_executives_home_has_the_numbers_section(client_as, executive, marketer):
    assert 'id="numbers"' in client_as(executive).get(reverse("home")).content.decode()
    assert 'id="numbers"' not in client_as(marketer).get(reverse("home")).content.decode()


def test_the_approval_page_shows_the_impact_the_numbers_measure(client_as, executive, facilitator):
    # definitions imports no numbers code: the impact reaches the page through the hook.
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition)
    submission = Submission.objects.create(
        definition=definition,
        content={"stages": []},
        change_summary="x",
        submitted_by=facilitator,
    )
    page = client_as(executive).get(submission.get_absolute_url()).content.decode()
    assert "data-impact" in page
    assert "No app measures leads here" not in page
