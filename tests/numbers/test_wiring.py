"""The numbers reach people where they are: the navigation, executives' home, the approval page."""

import pytest
from django.urls import reverse

from definitions.models import Submission
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = pytest.mark.django_db


def test_everyone_has_the_numbers_in_the_navigation(client_as, marketer):
    body = client_as(marketer).get(reverse("home")).content.decode()
    assert f'href="{reverse("numbers:index")}" data-nav="numbers"' in body


def test_an_executives_home_has_the_numbers_section(client_as, executive, marketer):
    assert 'id="numbers"' in client_as(executive).get(reverse("home")).content.decode()
    assert 'id="numbers"' not in client_as(marketer).get(reverse("home")).content.decode()


def test_the_approval_page_loads_the_backtest(client_as, executive, facilitator):
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition)
    submission = Submission.objects.create(
        definition=definition,
        content={"stages": []},
        change_summary="x",
        submitted_by=facilitator,
    )
    page = client_as(executive).get(submission.get_absolute_url()).content.decode()
    backtest_url = reverse("numbers:backtest", args=[definition.pk])
    assert f'hx-get="{backtest_url}"' in page
    assert client_as(executive).get(backtest_url).status_code == 200
