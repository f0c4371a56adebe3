"""Undoing a change to a finished review: the earlier verdict comes back, through history."""

import re

import pytest
from django.core.exceptions import ValidationError
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


def reject(lead, rep, label="Timing", **extra):
    reason = RejectionReason.objects.get(label=label)
    return services.feedback_record(
        lead=lead, rep=rep, agrees_with_stage=False, decision="rejected", reasons=[reason], **extra
    )


def accept(lead, rep):
    return services.feedback_record(lead=lead, rep=rep, agrees_with_stage=True, decision="accepted")


def test_a_first_verdict_has_nothing_to_undo(lead, sales_rep):
    assert reject(lead, sales_rep).undo_to is None


def test_undo_puts_back_the_verdict_a_change_replaced_and_writes_history(lead, sales_rep):
    reject(lead, sales_rep, comment="Call back in May")
    changed = accept(lead, sales_rep)
    assert changed.undo_to is not None
    assert RejectionDay.objects.get().rejections == 0

    restored = services.feedback_undo(lead=lead, rep=sales_rep, history_id=changed.undo_to)

    feedback = LeadFeedback.objects.get(pk=restored.pk)
    assert (feedback.decision, feedback.agrees_with_stage) == ("rejected", False)
    assert [r.label for r in feedback.reasons.all()] == ["Timing"]
    assert feedback.comment == "Call back in May"
    assert feedback.history.first().history_change_reason == "Undone"
    # The health warning's tally counts the rejection again.
    assert RejectionDay.objects.get().rejections == 1
    # An undo is a change too: it can itself be undone, back to the accepted verdict.
    again = services.feedback_undo(lead=lead, rep=sales_rep, history_id=restored.undo_to)
    assert LeadFeedback.objects.get(pk=again.pk).decision == "accepted"


def test_undo_refuses_a_record_of_another_leads_feedback(lead, sales_rep):
    other = lead_make(lead.cycle, rep=sales_rep, company="Other", **QUALIFIED)
    reject(other, sales_rep)
    changed = accept(other, sales_rep)
    accept(lead, sales_rep)
    with pytest.raises(ValidationError):
        services.feedback_undo(lead=lead, rep=sales_rep, history_id=changed.undo_to)


def test_changing_a_finished_review_offers_undo_and_the_undo_restores_it(
    lead, client_as, sales_rep
):
    reject(lead, sales_rep)
    client = client_as(sales_rep)
    prefix = f"lead-{lead.pk}"
    data = {f"{prefix}-agrees_with_stage": "yes", f"{prefix}-decision": "accepted"}
    save = reverse("feedback:review_save", args=[lead.cycle_id, lead.pk])
    html = client.post(save, data, HTTP_HX_TARGET=prefix, **HTMX).content.decode()
    assert "Changed from Rejected" in html and "data-undo" in html
    undo = reverse("feedback:review_undo", args=[lead.cycle_id, lead.pk])
    history_id = re.search(r'name="history_id" value="(\d+)"', html).group(1)
    response = client.post(undo, {"history_id": history_id}, HTTP_HX_TARGET=prefix, **HTMX)
    assert response.status_code == 200
    assert "Restored: Rejected" in response.content.decode()
    assert LeadFeedback.objects.get().decision == "rejected"


def test_a_first_save_offers_no_undo(lead, client_as, sales_rep):
    prefix = f"lead-{lead.pk}"
    data = {f"{prefix}-agrees_with_stage": "yes", f"{prefix}-decision": "accepted"}
    save = reverse("feedback:review_save", args=[lead.cycle_id, lead.pk])
    html = client_as(sales_rep).post(save, data, HTTP_HX_TARGET=prefix, **HTMX).content.decode()
    assert "data-undo" not in html


def test_undo_without_javascript_redirects_to_the_queue(lead, client_as, sales_rep):
    reject(lead, sales_rep)
    changed = accept(lead, sales_rep)
    undo = reverse("feedback:review_undo", args=[lead.cycle_id, lead.pk])
    response = client_as(sales_rep).post(undo, {"history_id": changed.undo_to})
    assert response.status_code == 302
    assert LeadFeedback.objects.get().decision == "rejected"


def test_another_reps_lead_cannot_be_undone(lead, client_as, sales_rep):
    reject(lead, sales_rep)
    changed = accept(lead, sales_rep)
    other = UserFactory(department="sales")
    undo = reverse("feedback:review_undo", args=[lead.cycle_id, lead.pk])
    response = client_as(other).post(undo, {"history_id": changed.undo_to})
    assert response.status_code == 404
    assert LeadFeedback.objects.get().decision == "accepted"


def test_an_undo_with_a_foreign_record_is_refused(lead, client_as, sales_rep):
    accept(lead, sales_rep)
    undo = reverse("feedback:review_undo", args=[lead.cycle_id, lead.pk])
    response = client_as(sales_rep).post(undo, {"history_id": "999999"}, **HTMX)
    assert response.status_code == 400
    assert LeadFeedback.objects.get().decision == "accepted"
