"""Every URLconf pattern, resolved to a real URL over the demo company's data.

`world_build()` seeds the demo organisation (plus the few objects it lacks: an import, an
API token per person, a deactivated person); `catalogue(world)` walks the URLconf and
returns one `Entry` per pattern with a concrete URL. Tests use it to request every page
as every role (tests/hardening/test_url_roles.py) and to check that GETs write nothing.
"""

from dataclasses import dataclass, field

from django.contrib.auth.tokens import default_token_generator
from django.test.utils import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

QUIET_MAIL = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}

# The people the matrix signs in as (demo e-mail addresses), in the table's column order.
ROLES = {
    "anonymous": None,
    "marketing": "maya@northwind.example",
    "sales": "sam@northwind.example",
    "facilitator": "facilitator@northwind.example",
    "executive": "cro@northwind.example",
    "admin": "admin@northwind.example",
    "deactivated": "priya@northwind.example",
}


@dataclass
class Entry:
    key: str  # "namespace:name", or the route when the pattern has no name
    route: str
    url: str = ""
    api: bool = False
    kwargs: dict = field(default_factory=dict)


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                name = f"{namespace}:{route}" if namespace else route
            yield name, route, pattern


def patterns() -> list[tuple[str, str, URLPattern]]:
    """(key, route, pattern) for every URLconf pattern, in URLconf order."""
    seen, found = set(), []
    for key, route, pattern in _walk(get_resolver().url_patterns):
        # A name used by two routes (e.g. one with a default kwarg) keeps both, by route.
        unique = key if key not in seen else f"{key} {route}"
        seen.add(key)
        found.append((unique, route, pattern))
    return found


def world_build() -> dict:
    """The demo company, with a pick of each kind of object the URLs name."""
    from accounts.apps_registry import hooks
    from accounts.demo import seed_people
    from accounts.models import Mailing
    from accounts.services import api_token_create
    from definitions.models import Definition, Proposal, Submission
    from feedback import services as feedback_services
    from feedback.models import Lead, LeadImport, ReviewCycle
    from meetings.models import ActionItem, AgendaItem, Meeting, Question
    from tests.accounts.factories import ensure_roles

    ensure_roles()  # a transactional test before this one may have flushed the roles
    with override_settings(MAILERS=QUIET_MAIL):
        people = seed_people()
        for seed in hooks("demo", "seed"):
            seed(people)
    world = {"people": {role: people.get(email) for role, email in ROLES.items()}}
    world["tokens"] = {
        role: api_token_create(user=person, name="matrix")[1]
        for role, person in world["people"].items()
        if person is not None
    }
    deactivated = world["people"]["deactivated"]
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])

    facilitator = world["people"]["facilitator"]
    definition = Definition.objects.filter(versions__isnull=False).order_by("pk").first()
    world["definition"] = definition
    world["proposal"] = (
        Proposal.objects.filter(definition=definition, status=Proposal.Status.OPEN)
        .order_by("pk")
        .first()
    )
    world["submission"] = Submission.objects.filter(definition=definition).order_by("-pk").first()
    world["meeting"] = Meeting.objects.exclude(status=Meeting.Status.CLOSED).order_by("pk").first()
    world["attendee"] = world["meeting"].attendances.order_by("pk").first().person
    world["agenda_item"] = AgendaItem.objects.filter(meeting=world["meeting"]).first()
    world["question"] = Question.objects.filter(meeting=world["meeting"]).first()
    world["action_item"] = ActionItem.objects.order_by("pk").first()
    cycle = ReviewCycle.objects.filter(definition=definition).order_by("-starts_at").first()
    world["cycle"] = cycle
    sales = world["people"]["sales"]
    world["lead"] = Lead.objects.filter(cycle=cycle, rep=sales).order_by("pk").first()
    world["criterion"] = world["lead"].version.stages.first().criteria.first()
    world["import"] = feedback_services.import_upload(
        data=b"Record ID,Company Name,Email\nR-1,Acme,a@example.com\n",
        filename="matrix.csv",
        by=facilitator,
        kind=LeadImport.Kind.LEADS,
        cycle=cycle,
    )
    # A mail that could not be sent, reported to the facilitator: only she may send it again.
    world["mailing"] = Mailing.objects.create(
        subject="An announcement",
        notify=facilitator,
        status=Mailing.Status.FAILED,
        task_path="definitions.tasks.version_announce",
        task_args=[definition.versions.order_by("number").first().pk],
    )
    person = world["people"]["marketing"]
    world["reset"] = {
        "uidb64": urlsafe_base64_encode(force_bytes(person.pk)),
        "token": default_token_generator.make_token(person),
    }
    return world


def _admin_object(key: str):
    """The first object of the model an admin URL name points at (admin:app_model_action)."""
    from django.contrib import admin

    name = key.split(":", 1)[1]
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model._default_manager.order_by("pk").first()
    return None


def _kwargs_for(key: str, route: str, names: list[str], world: dict) -> dict:
    """Real values for a route's parameters, chosen by the URL's namespace and name."""
    d, meeting, lead = world["definition"], world["meeting"], world["lead"]
    namespace = key.split(":", 1)[0]
    values: dict = {}
    if namespace == "admin":
        from django.contrib.contenttypes.models import ContentType

        obj = _admin_object(key)
        for name in ("object_id", "id"):
            if name in names:
                values[name] = obj.pk if obj is not None else world["people"]["marketing"].pk
        if "history_id" in names:
            record = obj.history.order_by("pk").first() if hasattr(obj, "history") else None
            values["history_id"] = record.history_id if record else 1
        if "app_label" in names:
            values["app_label"] = "accounts"
        if "content_type_id" in names:
            values["content_type_id"] = ContentType.objects.get_for_model(d).pk
            values["object_id"] = d.pk
        if "url" in names:
            values["url"] = "nowhere/"
        return values
    if namespace == "api":
        picks = {
            "definition_id": d.pk,
            "number": 1,
            "submission_id": world["submission"].pk,
            "crm_reference": lead.crm_reference,
        }
        return {name: picks[name] for name in names}
    if namespace == "accounts":
        if key == "accounts:mailing_retry":
            return {"pk": world["mailing"].pk}
        if "pk" in names:
            return {"pk": world["people"]["sales"].api_tokens.first().pk}
        return {name: world["reset"][name] for name in names}
    by_name = {
        "definitions": {
            "pk": d.pk,
            "proposal_pk": world["proposal"].pk,
            "submission_pk": world["submission"].pk,
            "number": 1,
            "kind": "add_criterion",
        },
        "meetings": {
            "pk": meeting.pk,
            "person_pk": world["attendee"].pk,
            "item_pk": world["agenda_item"].pk if world["agenda_item"] else 1,
            "question_pk": world["question"].pk if world["question"] else 1,
            "proposal_pk": world["proposal"].pk,
        },
        "feedback": {
            "pk": world["cycle"].pk,
            "lead_pk": lead.pk,
            "criterion_pk": world["criterion"].pk,
        },
        "numbers": {"pk": d.pk, "table": "bought"},
    }[namespace]
    values = {name: by_name[name] for name in names}
    if key == "meetings:action_mark":
        values.update(pk=world["action_item"].meeting_id, item_pk=world["action_item"].pk)
    if key.startswith("feedback:") and route.startswith("feedback/leads/<int:pk>"):
        values["pk"] = lead.pk
    if key in ("feedback:import", "feedback:import_progress"):
        values["pk"] = world["import"].pk
    if key == "feedback:reason_retire":
        from feedback.models import RejectionReason

        values["pk"] = RejectionReason.objects.filter(active=True).order_by("pk").first().pk
    return values


def catalogue(world: dict) -> list[Entry]:
    """One Entry per URLconf pattern, with a real URL into `world`."""
    entries = []
    for key, route, pattern in patterns():
        names, positional = _parameters(pattern, route)
        namespace = key.split(":", 1)[0]
        kwargs = _kwargs_for(key, route, names, world) if names else {}
        url = None
        if pattern.name and " " not in key:
            if positional:
                url = reverse(key, args=[kwargs[name] for name in names])
            else:
                url = reverse(key, kwargs=kwargs)
        if url is None:
            url = "/" + route
            for name, value in kwargs.items():
                for converter in ("int:", "str:", "path:", ""):
                    url = url.replace(f"<{converter}{name}>", str(value))
            url = url.replace("^", "").replace("$", "")
        entries.append(Entry(key, route, url, api=namespace == "api", kwargs=kwargs))
    return entries


def _parameters(pattern: URLPattern, route: str) -> tuple[list[str], bool]:
    """The pattern's parameter names, and whether they are positional (unnamed groups)."""
    import re

    from django.urls.resolvers import RegexPattern

    if isinstance(pattern.pattern, RegexPattern):
        regex = pattern.pattern.regex
        if regex.groupindex:
            return list(regex.groupindex), False
        # The admin's history pages: (object, history record), unnamed.
        return ["object_id", "history_id"][: regex.groups], True
    names = list(pattern.pattern.converters)
    return names or [m.split(":")[-1] for m in re.findall(r"<([^>]+)>", route)], False
