"""Undoing a change to a finished review: the verdict it replaced comes back, exactly."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from feedback import services
from feedback.models import LeadFeedback, RejectionDay, RejectionReason
from tests.accounts.factories import UserFactory
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def lead(sales_rep):
    return lead_make(cycle_make(), rep=sales_rep, company="Acme Tools", **QUALIFIED)


def reject(lead, rep, *labels, **extra):
    reasons = [RejectionReason.objects.get(label=label) for label in labels or ["Timing"]]
    return services.feedback_record(
        lead=lead, rep=rep, agrees_with_stage=False, decision="rejected", reasons=reasons, **extra
    )


def accept(lead, rep, **extra):
    return services.feedback_record(
        lead=lead, rep=rep, agrees_with_stage=True, decision="accepted", **extra
    )


def verdict(lead) -> tuple:
    feedback = LeadFeedback.objects.get(lead=lead)
    labels = sorted(r.label for r in feedback.reasons.all())
    return (
        feedback.agrees_with_stage,
        feedback.decision,
        labels,
        feedback.wanted_to_know,
        feedback.comment,
    )


def test_a_first_verdict_and_an_unchanged_save_offer_no_undo(lead, sales_rep):
    assert reject(lead, sales_rep, comment="Call back").undo_to is None
    assert reject(lead, sales_rep, comment="Call back").undo_to is None


def test_each_save_writes_one_history_record_holding_what_it_saved(lead, sales_rep):
    """A save is one record in the history, with the reasons of that save (not one record
    for the row with the reasons before, then one for each change of the reasons)."""
    reject(lead, sales_rep, "Timing", "Title below VP")
    accept(lead, sales_rep)
    reject(lead, sales_rep, "Timing")
    records = LeadFeedback.objects.get(lead=lead).history.order_by("history_date", "history_id")
    kept = [
        (r.history_type, r.decision, sorted(x.rejectionreason.label for x in r.reasons.all()))
        for r in records
    ]
    assert kept == [
        ("+", "rejected", ["Timing", "Title below VP"]),
        ("~", "accepted", []),
        ("~", "rejected", ["Timing"]),
    ]


def test_undo_restores_the_replaced_verdict_exactly(lead, sales_rep):
    reject(lead, sales_rep, "Timing", "Title below VP", wanted_to_know="Budget", comment="May")
    before = verdict(lead)
    changed = accept(lead, sales_rep, comment="Called: keen")
    assert (changed.undo_to is not None, changed.changed_from) == (True, "rejected")
    assert RejectionDay.objects.get().rejections == 0

    services.feedback_undo(lead=lead, rep=sales_rep, history_id=changed.undo_to)

    assert verdict(lead) == before
    feedback = LeadFeedback.objects.get(lead=lead)
    assert feedback.history.first().history_change_reason == "Undone"
    # The health warning's tally counts the rejection again (and the unwritten reason).
    assert (RejectionDay.objects.get().rejections, RejectionDay.objects.get().unwritten) == (1, 1)


def test_undo_restores_a_change_of_reasons_alone(lead, sales_rep):
    reject(lead, sales_rep, "Timing")
    changed = reject(lead, sales_rep, "Title below VP")
    assert changed.undo_to is not None
    services.feedback_undo(lead=lead, rep=sales_rep, history_id=changed.undo_to)
    assert verdict(lead)[2] == ["Timing"]


def test_an_undo_done_twice_says_there_is_nothing_to_undo(lead, sales_rep):
    reject(lead, sales_rep)
    changed = accept(lead, sales_rep)
    services.feedback_undo(lead=lead, rep=sales_rep, history_id=changed.undo_to)
    count = LeadFeedback.history.count()
    with pytest.raises(ValidationError, match="Nothing to undo: Acme Tools is already Rejected"):
        services.feedback_undo(lead=lead, rep=sales_rep, history_id=changed.undo_to)
    assert LeadFeedback.history.count() == count


def test_undo_without_feedback_or_with_another_leads_record_is_refused(lead, sales_rep):
    with pytest.raises(ValidationError, match="no change to undo on Acme Tools"):
        services.feedback_undo(lead=lead, rep=sales_rep, history_id=1)
    other = lead_make(lead.cycle, rep=sales_rep, company="Other", **QUALIFIED)
    reject(other, sales_rep)
    changed = accept(other, sales_rep)
    accept(lead, sales_rep)
    with pytest.raises(ValidationError, match="no change to undo on Acme Tools"):
        services.feedback_undo(lead=lead, rep=sales_rep, history_id=changed.undo_to)
    assert verdict(lead)[1] == "accepted"


def test_only_the_leads_rep_can_undo(lead, sales_rep):
    reject(lead, sales_rep)
    changed = accept(lead, sales_rep)
    other = UserFactory(department="sales")
    with pytest.raises(PermissionDenied):
        services.feedback_undo(lead=lead, rep=other, history_id=changed.undo_to)
    assert verdict(lead)[1] == "accepted"


def save(client, lead, **fields):
    prefix = f"lead-{lead.pk}"
    data = {f"{prefix}-{name}": value for name, value in fields.items()}
    url = reverse("feedback:review_save", args=[lead.cycle_id, lead.pk])
    return client.post(url, data, HTTP_HX_TARGET=prefix, **HTMX).content.decode()


def test_a_change_offers_undo_and_the_undo_restores_the_row(lead, client_as, sales_rep):
    client = client_as(sales_rep)
    first = save(client, lead, agrees_with_stage="yes", decision="accepted")
    assert "data-undo" not in first
    timing = RejectionReason.objects.get(label="Timing")
    html = save(client, lead, agrees_with_stage="no", decision="rejected", reasons=timing.pk)
    assert re.search(r"Changed to Rejected\.\s*</span>", html)
    assert "Changed Acme Tools to Rejected" in html  # read out
    history_id = re.search(r'name="history_id"\s+value="(\d+)"', html).group(1)
    undo = reverse("feedback:review_undo", args=[lead.cycle_id, lead.pk])
    target = {"HTTP_HX_TARGET": f"lead-{lead.pk}", **HTMX}
    response = client.post(undo, {"history_id": history_id}, **target)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Undone: back to Accepted" in html
    assert "1 of 1 reviewed" in html and "data-all-reviewed" in html
    assert verdict(lead)[1:3] == ("accepted", [])
    # The same undo again: a clear message in the row, nothing written.
    again = client.post(undo, {"history_id": history_id}, **target)
    assert "Nothing to undo: Acme Tools is already Accepted" in again.content.decode()


def test_without_javascript_a_change_is_offered_for_undo_on_the_next_page(
    lead, client_as, sales_rep
):
    accept(lead, sales_rep)
    client = client_as(sales_rep)
    timing = RejectionReason.objects.get(label="Timing")
    prefix = f"lead-{lead.pk}"
    response = client.post(
        reverse("feedback:review_save", args=[lead.cycle_id, lead.pk]),
        {
            f"{prefix}-agrees_with_stage": "no",
            f"{prefix}-decision": "rejected",
            f"{prefix}-reasons": timing.pk,
        },
    )
    assert response.status_code == 302 and "?undo=" in response.url
    page = client.get(response.url).content.decode()
    assert "Changed Acme Tools to Rejected." in page
    history_id = re.search(r'name="history_id"\s+value="(\d+)"', page).group(1)
    undo = reverse("feedback:review_undo", args=[lead.cycle_id, lead.pk])
    done = client.post(undo, {"history_id": history_id}, follow=True).content.decode()
    assert "Undone: Acme Tools has its earlier verdict back." in done
    assert verdict(lead)[1] == "accepted"


def test_another_rep_can_neither_see_nor_undo_a_change(lead, client_as, sales_rep):
    reject(lead, sales_rep)
    changed = accept(lead, sales_rep)
    other = client_as(UserFactory(department="sales"))
    url = reverse("feedback:review", args=[lead.cycle_id])
    page = other.get(url, {"undo": f"{lead.pk}-{changed.undo_to}"}).content.decode()
    assert "Acme Tools" not in page
    undo = reverse("feedback:review_undo", args=[lead.cycle_id, lead.pk])
    assert other.post(undo, {"history_id": changed.undo_to}).status_code == 404
    assert other.get(undo).status_code == 405  # GET never writes
    assert verdict(lead)[1] == "accepted"
