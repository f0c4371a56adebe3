"""The cycle form reads its minute-precision start as "now" when it is the current minute."""

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.forms import CycleForm
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = pytest.mark.django_db


def _form(starts_at, facilitator):
    definition = DefinitionFactory()
    version_published(definition)
    return CycleForm(
        {"definition": definition.pk, "starts_at": starts_at.strftime("%Y-%m-%dT%H:%M")},
        user=facilitator,
    )


def test_the_current_minute_means_now(facilitator):
    before = timezone.now()
    form = _form(timezone.localtime(), facilitator)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["starts_at"] >= before


def test_another_minute_is_kept_as_typed(facilitator):
    later = timezone.localtime() + timedelta(days=2)
    form = _form(later, facilitator)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["starts_at"] == later.replace(second=0, microsecond=0)


def test_the_minute_before_means_now_when_the_clock_turned_during_the_form(facilitator):
    """Opened at 10:59:58 and sent at 11:00:03: the start shown (10:59) is still now, not a
    start before the version just published."""
    before = timezone.now()
    form = _form(timezone.localtime() - timedelta(minutes=1), facilitator)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["starts_at"] >= before
