"""GET requests never write: every URL pattern, with real ids, read by every kind of person.

The demo company gives every page something to show (plus a vote whose window has ended
but that no task has closed yet, an upload, an API token and a mailing); each URL pattern
is resolved here to real URLs, and each is fetched anonymously and by a facilitator, an
executive, a sales rep and the admin (the API with a token), while every SQL statement is
recorded: not one may insert, update or delete. A pattern this file cannot resolve fails
the test, so a new page cannot slip past it.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.apps_registry import hooks
from accounts.demo import seed_people
from accounts.mailing import mailing_send
from accounts.models import User
from accounts.services import api_token_create
from definitions import tasks as definition_tasks
from definitions.models import Definition, Proposal, Submission, Version, VersionCriterion
from feedback import services as feedback_services
from feedback.models import Lead, LeadImport, RejectionReason, ReviewCycle
from meetings.models import ActionItem, AgendaItem, Attendance, Meeting, Question
from tests.feedback.csvs import hubspot_file

# What drawing a page costs, measured: no page is kept drawn here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_drawn")]

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER", "TRUNCATE")


def _throttle_counter(sql: str) -> bool:
    """A rate-limit counter kept in the database cache when there is no shared Redis: a
    cache entry that counts the request, not a write of anything the app holds."""
    table = settings.CACHES["throttle"].get("LOCATION", "")
    return settings.CACHES["throttle"]["BACKEND"].endswith("DatabaseCache") and (
        f'"{table}"' in sql
    )


def url_patterns(patterns=None, namespace=""):
    """(name, pattern) of every URL pattern, names namespaced."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from url_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", pattern


@pytest.fixture
def company(settings):
    """The demo company, and one of everything the demo lacks."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
    people = seed_people()
    for seed in hooks("demo", "seed"):
        seed(people)
    facilitator = User.objects.get(email="facilitator@northwind.example")
    definition = Definition.objects.order_by("pk").first()
    proposal = Proposal.objects.filter(definition=definition).order_by("pk").first()
    due = Proposal.objects.filter(definition=definition, status="open").order_by("pk").last()
    # A vote whose window ended a minute ago, not yet closed by the scheduled task: its
    # pages must show it closed without closing it.
    Proposal.objects.filter(pk=due.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    cycle = ReviewCycle.objects.filter(definition=definition).order_by("pk").last()
    rep = User.objects.get(email="sam@northwind.example")
    lead_import = feedback_services.import_upload(
        data=hubspot_file(2, rep.email), filename="x.csv", by=facilitator, cycle=cycle
    )
    token, raw = api_token_create(user=facilitator, name="Checks")
    mailing = mailing_send(
        task=definition_tasks.version_announce,
        args=[Version.objects.first().pk],
        subject="An announcement",
        notify=facilitator,
    )
    meeting = Meeting.objects.filter(agenda_items__isnull=False).first() or Meeting.objects.first()
    lead = Lead.objects.filter(definition=definition).first()
    version = Version.objects.filter(definition=definition).order_by("number").first()
    return {
        "people": people,
        "definition": definition,
        "proposal": proposal,
        "due": due,
        "submission": Submission.objects.filter(definition=definition).first(),
        "version": version,
        "meeting": meeting,
        "attendance": Attendance.objects.filter(meeting=meeting).first(),
        "agenda_item": AgendaItem.objects.filter(meeting=meeting).first(),
        "question": Question.objects.filter(meeting=meeting).first(),
        "action_item": ActionItem.objects.first(),
        "cycle": cycle,
        "lead": lead,
        "criterion": VersionCriterion.objects.filter(stage__version=version).first(),
        "lead_import": lead_import,
        "token": token,
        "raw_token": raw,
        "mailing": mailing,
        "facilitator": facilitator,
    }


def urls_for(name: str, pattern: URLPattern, c: dict) -> list[str]:
    """The real URLs that exercise one pattern (empty: this file does not know it)."""
    d, m = c["definition"], c["meeting"]
    by_name = {
        "accounts:token_revoke": [{"pk": c["token"].pk}],
        "accounts:mailing_retry": [{"pk": c["mailing"].pk}],
        "accounts:password_reset_confirm": [
            {
                "uidb64": urlsafe_base64_encode(force_bytes(c["facilitator"].pk)),
                "token": default_token_generator.make_token(c["facilitator"]),
            }
        ],
        "definitions:proposal_create": [{"pk": d.pk, "kind": "add_criterion"}],
        "definitions:proposal": [
            {"pk": d.pk, "proposal_pk": c["proposal"].pk},
            {"pk": d.pk, "proposal_pk": c["due"].pk},
        ],
        "definitions:vote": [{"pk": d.pk, "proposal_pk": c["due"].pk}],
        "definitions:proposal_withdraw": [{"pk": d.pk, "proposal_pk": c["due"].pk}],
        "definitions:proposal_close": [{"pk": d.pk, "proposal_pk": c["due"].pk}],
        "definitions:submission": [{"pk": d.pk, "submission_pk": c["submission"].pk}],
        "definitions:submission_approve": [{"pk": d.pk, "submission_pk": c["submission"].pk}],
        "definitions:submission_send_back": [{"pk": d.pk, "submission_pk": c["submission"].pk}],
        "definitions:submission_publish": [{"pk": d.pk, "submission_pk": c["submission"].pk}],
        "definitions:version": [{"pk": d.pk, "number": c["version"].number}],
        "definitions:version_md": [{"pk": d.pk, "number": c["version"].number}],
        "definitions:version_json": [{"pk": d.pk, "number": c["version"].number}],
        "meetings:uninvite": [{"pk": m.pk, "person_pk": c["attendance"].person_id}],
        "meetings:agenda_remove": [{"pk": m.pk, "item_pk": c["agenda_item"].pk}],
        "meetings:agenda_move": [{"pk": m.pk, "item_pk": c["agenda_item"].pk}],
        "meetings:question_reword": [{"pk": m.pk, "question_pk": c["question"].pk}],
        "meetings:question_remove": [{"pk": m.pk, "question_pk": c["question"].pk}],
        "meetings:action_mark": [
            {"pk": c["action_item"].meeting_id, "item_pk": c["action_item"].pk}
        ],
        "meetings:vote": [{"pk": m.pk, "proposal_pk": c["due"].pk}],
        "feedback:review_save": [{"pk": c["cycle"].pk, "lead_pk": c["lead"].pk}],
        "feedback:review_undo": [{"pk": c["cycle"].pk, "lead_pk": c["lead"].pk}],
        "feedback:criterion_mark": [{"pk": c["lead"].pk, "criterion_pk": c["criterion"].pk}],
        "feedback:lead": [{"pk": c["lead"].pk}],
        "feedback:outcome": [{"pk": c["lead"].pk}],
        "feedback:import": [{"pk": c["lead_import"].pk}],
        "feedback:import_progress": [{"pk": c["lead_import"].pk}],
        "feedback:reason_retire": [{"pk": RejectionReason.objects.filter(active=True).first().pk}],
        "numbers:export": [{"pk": d.pk, "table": t} for t in ("source", "reasons", "funnel")],
        "api:version_numbered": [{"definition_id": d.pk, "number": c["version"].number}],
        "api:submission_publish": [{"definition_id": d.pk, "submission_id": c["submission"].pk}],
        "api:feedback_submit": [{"definition_id": d.pk, "crm_reference": c["lead"].crm_reference}],
        "api:outcome_submit": [{"definition_id": d.pk, "crm_reference": c["lead"].crm_reference}],
    }
    if name.startswith("admin:"):
        return admin_urls(name, pattern)
    args = set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)
    if name in by_name:
        kwargs_list = by_name[name]
    elif not args:
        kwargs_list = [{}]
    elif args == {"pk"}:
        # The one id the app's pages take: meetings, review cycles, definitions.
        app = name.split(":")[0]
        pk = {"meetings": m.pk, "feedback": c["cycle"].pk}.get(app, d.pk)
        kwargs_list = [{"pk": pk}]
    elif args == {"definition_id"}:
        kwargs_list = [{"definition_id": d.pk}]
    else:
        return []
    return [reverse(name, kwargs=kwargs) for kwargs in kwargs_list]


def admin_urls(name: str, pattern: URLPattern) -> list[str]:
    args = set(pattern.pattern.regex.groupindex) | set(pattern.pattern.converters)
    positional = pattern.pattern.regex.groups > len(pattern.pattern.regex.groupindex)
    if not args and not positional:
        return [reverse(name)]
    if name == "admin:app_list":
        return [reverse(name, kwargs={"app_label": label}) for label in ("accounts", "feedback")]
    if name == "admin:None":
        return ["-"]  # admin's unnamed redirects (to a named change page, fetched here)
    if name == "admin:view_on_site":
        definition = Definition.objects.first()
        kind = ContentType.objects.get_for_model(Definition)
        return [reverse(name, kwargs={"content_type_id": kind.pk, "object_id": definition.pk})]
    if name == "admin:auth_user_password_change":  # Django names it so for any user model
        return [reverse(name, kwargs={"id": User.objects.order_by("pk").first().pk})]
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if not name.startswith(prefix):
            continue
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            return ["-"]  # nothing of this kind in the demo: nothing to fetch
        if name.endswith("_simple_history"):  # one version of the object, from its history
            record = obj.history.order_by("history_id").first()
            if record is None:
                return ["-"]  # made without history (fixtures): no version to show
            return [reverse(name, args=[obj.pk, record.history_id])]
        return [reverse(name, kwargs={"object_id": obj.pk})]
    return []


def test_no_get_request_to_any_page_writes_to_the_database(company):
    clients = {"anonymous": Client()}
    for email in (
        "facilitator@northwind.example",
        "cro@northwind.example",
        "sam@northwind.example",
        "admin@northwind.example",
    ):
        client = Client()
        client.force_login(User.objects.get(email=email))
        clients[email] = client
    api = Client(headers={"Authorization": f"Bearer {company['raw_token']}"})

    unresolved, writes, fetched, statuses = [], [], 0, {}
    for name, pattern in url_patterns():
        urls = urls_for(name, pattern, company)
        if not urls:
            unresolved.append(name)
            continue
        for url in urls:
            if url == "-":
                continue
            for who, client in ({"api": api} if name.startswith("api:") else clients).items():
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                fetched += 1
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                writes += [
                    f"{who} GET {url} ({response.status_code}): {q['sql'][:120]}"
                    for q in queries.captured_queries
                    if q["sql"].lstrip().upper().startswith(WRITES)
                    and not _throttle_counter(q["sql"])
                ]
    assert unresolved == [], f"URL patterns this test does not know how to fetch: {unresolved}"
    assert writes == []
    assert fetched > 300
    assert statuses.get(200, 0) > 150  # most pages were really shown, not refused
    # The vote whose window ended reads as closed, and is still open in the database.
    due = company["due"]
    due.refresh_from_db()
    assert due.status == "open"
    page = clients["facilitator@northwind.example"].get(
        reverse("definitions:proposal", args=[due.definition_id, due.pk])
    )
    assert "open for votes" not in page.text.lower() or "closed" in page.text.lower()
    assert LeadImport.objects.filter(pk=company["lead_import"].pk, status="uploaded").exists()
