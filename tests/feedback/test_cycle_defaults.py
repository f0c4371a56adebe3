"""Opening a review cycle: the defaults are valid as they stand."""

from django.urls import reverse
from django.utils import timezone

from feedback import forms
from feedback.models import ReviewCycle
from tests.feedback.factories import cycle_make


def test_the_only_definition_is_preselected_and_starts_after_the_open_cycle(facilitator):
    cycle = cycle_make(days=14)
    form = forms.CycleForm(user=facilitator)
    assert form.initial["definition"] == cycle.definition.pk
    start = form.initial["starts_at"]
    assert start >= timezone.localtime(cycle.ends_at).replace(second=0, microsecond=0)
    assert start > timezone.now()


def test_submitting_the_defaults_opens_a_cycle_after_the_open_one(client_as):
    cycle = cycle_make(days=14)
    client = client_as(cycle.definition.facilitator)
    page = client.get(reverse("feedback:cycle_new"))
    form = page.context["form"]
    data = {
        "definition": form.initial["definition"],
        "starts_at": form.initial["starts_at"].strftime("%Y-%m-%dT%H:%M"),
        "days": "",
        "meeting": "",
    }
    response = client.post(reverse("feedback:cycle_new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert ReviewCycle.objects.filter(definition=cycle.definition).count() == 2
