"""Publish everywhere: Markdown, JSON, Atom, the embed, and the announcement e-mail."""

import smtplib
from datetime import timedelta
from unittest import mock

import feedparser
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.services import api_token_create, read_key_for
from definitions import services
from definitions.models import Submission, Version
from tests.accounts.factories import UserFactory
from tests.definitions.factories import DefinitionFactory, version_published

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(facilitator, executive):
    return version_published(
        DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    )


def test_the_markdown_export_keeps_every_stage_and_criterion_wording(client_as, version, marketer):
    response = client_as(marketer).get(
        reverse("definitions:version_md", args=[version.definition_id, 1])
    )
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/markdown")
    for stage in version.stages.prefetch_related("criteria"):
        assert stage.name.replace("/", "/") in text
        for criterion in stage.criteria.all():
            assert criterion.statement in text
            assert criterion.guidance in text


def test_markdown_escapes_what_would_be_read_as_formatting():
    from definitions.publication import _md

    assert _md("**bold** <script>") == "\\*\\*bold\\*\\* \\<script\\>"


def test_the_json_export_is_the_api_document(client_as, version, marketer):
    data = (
        client_as(marketer)
        .get(reverse("definitions:latest_json", args=[version.definition_id]))
        .json()
    )
    assert data["number"] == 1
    assert data["stages"][0]["name"] == "Name / Inquiry"
    assert (
        data["stages"][1]["criteria"][1]["rule_text"] == "Company size (employees) is at least 50."
    )


def test_the_atom_feed_parses_and_lists_versions_newest_first(client_as, version, marketer):
    version_published(version.definition, change_summary="Second cut.")
    response = client_as(marketer).get(reverse("definitions:feed", args=[version.definition_id]))
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert [entry.title for entry in feed.entries] == ["Version 2", "Version 1"]
    assert "Second cut." in feed.entries[0].summary
    assert feed.entries[0].link.endswith(f"/definitions/{version.definition_id}/versions/2/")


def test_a_feed_reader_uses_a_read_key_and_never_an_api_token(client, version, marketer):
    url = reverse("definitions:feed", args=[version.definition_id])
    assert client.get(url, {"key": read_key_for(marketer)}).status_code == 200
    refused = client.get(url, {"key": "forged"})
    assert refused.status_code == 403
    _, raw = api_token_create(user=marketer, name="CRM")
    assert client.get(url, {"token": raw}).status_code == 302  # tokens stay out of URLs
    assert raw not in client.get(url, {"token": raw})["Location"]


def test_a_read_key_stops_working_when_its_person_leaves(client, version, marketer):
    key = read_key_for(marketer)
    marketer.is_active = False
    marketer.save()
    url = reverse("definitions:embed", args=[version.definition_id])
    assert client.get(url, {"key": key}).status_code == 403


def test_replacing_ones_links_stops_every_earlier_read_key_and_only_those(
    client, client_as, version, marketer, sales_rep
):
    from django.core import signing

    from accounts.services import READ_LINK_SALT

    url = reverse("definitions:feed", args=[version.definition_id])
    old_key, others = read_key_for(marketer), read_key_for(sales_rep)
    # A key from before generations (the person's id alone) still reads, until replaced.
    legacy = signing.dumps(marketer.pk, salt=READ_LINK_SALT, compress=True)
    assert client.get(url, {"key": legacy}).status_code == 200

    response = client_as(marketer).post(reverse("accounts:profile"), {"form": "read_keys"})
    assert response.status_code == 302
    marketer.refresh_from_db()
    assert client.get(url, {"key": old_key}).status_code == 403
    assert client.get(url, {"key": legacy}).status_code == 403
    assert client.get(url, {"key": read_key_for(marketer)}).status_code == 200
    assert client.get(url, {"key": others}).status_code == 200  # someone else's still work
    assert marketer.history.first().history_change_reason == "Feed and embed links replaced"


def test_the_embed_may_be_framed_by_the_configured_intranet_only(client_as, version, marketer):
    response = client_as(marketer).get(reverse("definitions:embed", args=[version.definition_id]))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert 'aria-label="Main"' not in response.content.decode()  # no navigation
    page = client_as(marketer).get(reverse("definitions:detail", args=[version.definition_id]))
    assert page["X-Frame-Options"] == "DENY"


def _approved(definition):
    return Submission.objects.create(
        definition=definition,
        content={"stages": []},
        change_summary="Tightens the opportunity stage.",
        submitted_by=definition.facilitator,
        status=Submission.Status.APPROVED,
        reviewed_by=definition.executive_sponsor,
        reviewed_at=definition.created_at,
    )


def test_the_announcement_goes_out_once_after_the_publication_commits(
    version, django_capture_on_commit_callbacks
):
    UserFactory(email="quiet@example.com", announcements=False)
    UserFactory(email="gone@example.com", is_active=False)
    reader = UserFactory(email="reader@example.com")
    submission = _approved(version.definition)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.version_publish(submission=submission, by=version.definition.executive_sponsor)
        assert mail.outbox == []  # nothing before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert reader.email in recipients
    assert "quiet@example.com" not in recipients and "gone@example.com" not in recipients
    assert len(recipients) == len(set(recipients))
    message = mail.outbox[0]
    assert message.subject.endswith("version 2 is published")
    assert "Tightens the opportunity stage." in message.body
    assert f"/definitions/{version.definition_id}/versions/2/" in message.body
    assert message.alternatives[0].mimetype == "text/html"


def test_a_publication_that_fails_sends_nothing(version, django_capture_on_commit_callbacks):
    UserFactory(email="reader@example.com")
    submission = _approved(version.definition)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        mock.patch(
            "definitions.models.VersionCriterion.objects.bulk_create",
            side_effect=RuntimeError("disk full"),
        ),
        pytest.raises(RuntimeError),
    ):
        services.version_publish(
            submission=_with_a_stage(submission), by=version.definition.executive_sponsor
        )
    assert callbacks == []
    assert mail.outbox == []
    assert Version.objects.count() == 1


def _with_a_stage(submission):
    submission.content = {
        "stages": [
            {
                "key": "s",
                "level": "lead",
                "name": "Lead",
                "meaning": "",
                "owner": "",
                "routing": "",
                "follow_up": "",
                "criteria": [{"key": "c", "statement": "x", "evidence": "stated"}],
            }
        ]
    }
    submission.save()
    return submission


def test_a_refused_publication_sends_nothing(
    version, django_capture_on_commit_callbacks, sales_rep
):
    submission = _approved(version.definition)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.version_publish(submission=submission, by=sales_rep)
    submission.status = Submission.Status.SUBMITTED
    submission.save()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.version_publish(submission=submission, by=version.definition.executive_sponsor)
    assert mail.outbox == []


class RefusingSMTP:
    """A mail backend whose server refuses every message, as a broken SMTP relay does."""

    calls = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        RefusingSMTP.calls += 1
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_failing_mail_server_never_fails_the_publication(
    version, client_as, task_queue, django_capture_on_commit_callbacks, settings
):
    """The publication stands and the executive sees success; the announcement is retried
    with a growing delay, then given up on and shown to the facilitator, who can resend it."""
    from accounts.mailing import RETRY_DELAYS
    from accounts.models import Mailing

    settings.MAILERS = {"default": {"BACKEND": "tests.definitions.test_publication.RefusingSMTP"}}
    RefusingSMTP.calls = 0
    UserFactory(email="reader@example.com")
    definition = version.definition
    submission = _approved(definition)
    url = reverse("definitions:submission_publish", args=[definition.pk, submission.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(definition.executive_sponsor).post(url, follow=True)
    assert response.status_code == 200
    assert "Version 2 is published" in response.text
    assert Version.objects.filter(definition=definition, number=2).exists()

    mailing = Mailing.objects.get(subject__endswith="version 2")
    assert mailing.status == "queued" and mailing.notify == definition.facilitator
    runs, delays = 0, []
    while task_queue.ready(now=timezone.now() + timedelta(days=1)).exists():
        before = timezone.now()
        task_queue.run(now=timezone.now() + timedelta(days=1), limit=1)
        runs += 1
        mailing.refresh_from_db()
        if mailing.next_attempt_at:
            delays.append(round((mailing.next_attempt_at - before).total_seconds()))
    assert RefusingSMTP.calls == len(RETRY_DELAYS) + 1  # bounded: it stops trying
    assert delays == list(RETRY_DELAYS)  # each wait longer than the one before
    assert mailing.status == "failed" and "SMTPServerDisconnected" in mailing.last_error
    assert Version.objects.filter(definition=definition, number=2).exists()

    home = client_as(definition.facilitator).get(reverse("home")).text
    assert "E-mail that could not be sent" in home
    assert f"Announcement of {definition.name}, version 2" in home
    assert "Connection unexpectedly closed" in home
    assert (
        "E-mail that could not be sent"
        not in client_as(definition.executive_sponsor).get(reverse("home")).text
    )

    # The server is mended; the facilitator sends it again from the home page.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    retry = reverse("accounts:mailing_retry", args=[mailing.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client_as(definition.facilitator).post(retry)
    task_queue.run()
    mailing.refresh_from_db()
    assert mailing.status == "sent" and mailing.sent_count >= 1
    assert "reader@example.com" in [m.to[0] for m in mail.outbox]
    assert (
        "E-mail that could not be sent"
        not in client_as(definition.facilitator).get(reverse("home")).text
    )


def test_feed_entries_carry_typed_text_as_text_not_html(client_as, facilitator, marketer):
    executive = UserFactory(department="sales", full_name="<img src=x onerror=alert(1)>")
    executive.groups.set(UserFactory(roles=["Executive"]).groups.all())
    definition = DefinitionFactory(facilitator=facilitator, executive_sponsor=executive)
    version_published(definition, change_summary="<script>alert(1)</script> & more")
    response = client_as(marketer).get(reverse("definitions:feed", args=[definition.pk]))
    body = response.content.decode()
    assert '<summary type="text">' in body
    assert 'type="html"' not in body
    entry = feedparser.parse(response.content).entries[0]
    # A reader shows the text as typed; no markup survives as markup.
    assert entry.summary_detail.type == "text/plain"
    assert "<script>alert(1)</script> & more" in entry.summary
