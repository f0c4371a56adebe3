"""Kept pages: a page read again comes from the cache, and never shows less than what has
been written since it was drawn (config/kept_pages.py, config/written.py)."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config import kept_pages, written
from definitions import services
from definitions.models import Proposal
from feedback.services.copying import copy_binary
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published


@pytest.fixture
def definition(db):
    definition = DefinitionFactory(name="Northwind lead definition")
    version_published(definition)
    return definition


def page(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def kept_client(client_as, user):
    """A signed-in client that has its form token (a first visit has none, so is not kept)."""
    client = client_as(user)
    client.get(reverse("home"))
    return client


def propose(definition, title="Add a budget criterion"):
    return services.proposal_create(
        definition=definition,
        by=definition.facilitator,
        kind=Proposal.Kind.ADD_STAGE,
        payload={"name": title, "level": "lead", "meaning": "", "owner": "Marketing"},
    )


def test_a_page_read_again_is_the_same_page_from_the_cache(definition, client_as, sales_rep):
    client = kept_client(client_as, sales_rep)
    url = definition.get_absolute_url()
    drawn, drawing = page(client, url)
    kept, reading = page(client, url)
    assert kept == drawn
    assert drawing > 3
    assert reading == 1  # the person; the session is in the cache, the page too


def test_what_anyone_writes_is_on_the_next_read(definition, client_as, sales_rep, facilitator):
    client = kept_client(client_as, sales_rep)
    url = reverse("definitions:proposals", args=[definition.pk])
    before, _ = page(client, url)
    page(client, url)
    assert "Tighten the budget rule" not in before
    propose(definition, "Tighten the budget rule")  # someone else, in the services
    after, queries = page(client, url)
    assert "Tighten the budget rule" in after
    assert queries > 1


def test_a_rename_is_on_every_kept_page(definition, client_as, sales_rep):
    client = kept_client(client_as, sales_rep)
    url = definition.get_absolute_url()
    page(client, url)
    page(client, url)
    sales_rep.full_name = "Samira Seller"
    sales_rep.save(update_fields=["full_name"])
    after, _ = page(client, url)
    assert "Samira Seller" in after


def test_each_person_has_their_own_pages(definition, client_as, sales_rep, facilitator):
    url = definition.get_absolute_url()
    rep = kept_client(client_as, sales_rep)
    page(rep, url)
    page(rep, url)
    theirs, queries = page(kept_client(client_as, facilitator), url)
    assert facilitator.full_name in theirs and sales_rep.full_name not in theirs
    assert queries > 1


def test_a_page_with_a_message_waiting_is_drawn_and_shows_it(definition, client_as):
    client = kept_client(client_as, definition.facilitator)
    url = definition.get_absolute_url()
    page(client, url)
    page(client, url)
    response = client.post(
        reverse("definitions:rule", args=[definition.pk]),
        {"quorum_percent": 40, "threshold_percent": 60},
    )
    assert response.status_code == 302
    shown, _ = page(client, url)
    assert "The rule applies to votes opened from now on." in shown
    again, _ = page(client, url)
    assert "The rule applies to votes opened from now on." not in again


def test_an_htmx_request_is_kept_apart_from_the_whole_page(definition, client_as, sales_rep):
    client = kept_client(client_as, sales_rep)
    proposal = propose(definition)
    url = reverse("definitions:proposal", args=[definition.pk, proposal.pk])
    whole, _ = page(client, url)
    page(client, url)
    tally, _ = page(client, url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="tally")
    assert "<html" in whole and "<html" not in tally


def test_the_next_minute_draws_the_page_again(definition, client_as, sales_rep, monkeypatch):
    client = kept_client(client_as, sales_rep)
    url = definition.get_absolute_url()
    page(client, url)
    assert page(client, url)[1] == 1
    later = kept_pages.time.time() + 60
    monkeypatch.setattr(kept_pages.time, "time", lambda: later)
    assert page(client, url)[1] > 1


def test_nothing_is_kept_when_kept_pages_are_off(definition, client_as, sales_rep, settings):
    settings.KEPT_PAGES = False
    client = kept_client(client_as, sales_rep)
    url = definition.get_absolute_url()
    page(client, url)
    assert page(client, url)[1] > 1


def test_a_page_not_found_is_not_kept(definition, client_as, sales_rep):
    client = kept_client(client_as, sales_rep)
    url = reverse("definitions:detail", args=[definition.pk + 1000])
    assert client.get(url).status_code == 404
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 404
    assert len(queries) > 1


def test_the_stamp_is_read_before_anything_of_the_person(
    definition, client_as, sales_rep, monkeypatch
):
    """A page drawn from a row read after the stamp moved must be kept under the stamp
    before the move, which nobody reads any more."""
    client = kept_client(client_as, sales_rep)
    read_first = []
    real = written.stamp_and
    with CaptureQueriesContext(connection) as queries:
        monkeypatch.setattr(
            written, "stamp_and", lambda key: read_first.append(len(queries)) or real(key)
        )
        page(client, definition.get_absolute_url())
    assert read_first == [0]
    assert "accounts_user" in queries[0]["sql"]


def test_a_person_signed_out_is_sent_to_sign_in(definition, client):
    client.get(reverse("accounts:login"))  # a form token, as a browser would have
    response = client.get(definition.get_absolute_url())
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_numbers_page_kept_shows_the_next_review(client_as):
    from feedback import services as feedback_services
    from tests.feedback.factories import QUALIFIED, cycle_make, lead_make

    cycle = cycle_make()
    lead = lead_make(cycle, **QUALIFIED)
    client = kept_client(client_as, cycle.definition.facilitator)
    url = reverse("numbers:definition", args=[cycle.definition_id])
    drawn, _ = page(client, url)
    kept, queries = page(client, url)
    assert kept == drawn and queries == 1
    feedback_services.feedback_record(
        lead=lead, rep=lead.rep, agrees_with_stage=True, decision="accepted", reasons=[]
    )
    assert page(client, url)[1] > 1  # drawn again: the review is in its figures


# The stamp itself.


def test_a_read_leaves_the_stamp_and_a_write_moves_it(definition):
    before = written.stamp()
    list(Proposal.objects.all())
    assert written.stamp() == before
    propose(definition)
    assert written.stamp() != before


def test_sessions_leave_the_stamp(db):
    before = written.stamp()
    Session.objects.create(session_key="k" * 32, session_data="", expire_date=timezone.now())
    assert written.stamp() == before


@pytest.mark.django_db(transaction=True)
def test_a_write_moves_the_stamp_when_it_is_committed_and_not_if_it_is_rolled_back():
    before = written.stamp()
    with transaction.atomic():
        UserFactory(full_name="Una Uncommitted")
        assert written.stamp() == before  # others cannot read it yet
    committed = written.stamp()
    assert committed != before

    with pytest.raises(RuntimeError), transaction.atomic():
        UserFactory(full_name="Rolf Rolledback")
        raise RuntimeError
    assert written.stamp() == committed


@pytest.mark.django_db(transaction=True)
def test_a_write_after_a_rolled_back_savepoint_still_moves_the_stamp():
    before = written.stamp()
    with transaction.atomic():
        try:
            with transaction.atomic():
                UserFactory(full_name="Sava Savepoint")
                raise RuntimeError
        except RuntimeError:
            pass
        assert written.stamp() == before
        UserFactory(full_name="Otto Outer")
    assert written.stamp() != before


@pytest.mark.django_db(transaction=True)
def test_a_copy_moves_the_stamp():
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    before = written.stamp()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        copy_binary(cursor, "accounts_user", ["email"]),
    ):
        pass
    assert written.stamp() != before
