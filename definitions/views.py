"""Definition pages: thin views over services and selectors."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import login_or_read_key_required, permission_require, permission_required
from accounts.services import read_key_for
from config.fields import id_param
from config.forms import errors_onto_form
from config.htmx import render_htmx
from definitions import publication, selectors, services
from definitions.content import (
    content_apply,
    content_diff,
    diff_is_empty,
    find_criterion,
    find_stage,
)
from definitions.feeds import VersionFeed
from definitions.forms import (
    ConsensusRuleForm,
    CriterionProposalForm,
    DefinitionForm,
    ProposalMetaForm,
    ReviewForm,
    StageProposalForm,
    SubmitDraftForm,
    TargetForm,
    VoteForm,
)
from definitions.models import Definition, Proposal, Submission, Version, Vote
from definitions.rules import LEAD_FIELDS, OPERATORS, rule_sentence


def _definition(request, pk: int) -> Definition:
    return get_object_or_404(
        Definition.objects.visible_to(request.user).select_related(
            "facilitator", "executive_sponsor"
        ),
        pk=pk,
    )


@require_GET
@login_required
def definition_list(request):
    definitions = (
        Definition.objects.visible_to(request.user)
        .select_related("facilitator", "executive_sponsor")
        .annotate(version_count=Count("versions", distinct=True))
    )
    return render(request, "definitions/list.html", {"definitions": definitions})


@require_http_methods(["GET", "POST"])
@permission_required("definitions.facilitate", action="start a definition")
def definition_create(request):
    form = DefinitionForm(request.POST or None, initial={"facilitator": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            definition = services.definition_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            errors_onto_form(form, error)
        else:
            messages.success(
                request,
                f"“{definition.name}” has been started. Its starting content is open for votes.",
            )
            return redirect(definition)
    return render(request, "definitions/create.html", {"form": form})


@require_GET
@login_required
def definition_detail(request, pk: int):
    definition = _definition(request, pk)
    version = selectors.version_latest(definition)
    content = selectors.version_content(version)
    open_count = Proposal.objects.for_definition(definition).open().count()
    context = {
        "definition": definition,
        "version": version,
        "content": content,
        "health": selectors.definition_health_for(definition, content) if version else [],
        "open_count": open_count,
        "in_review": selectors.submission_in_review(definition),
    }
    return render(request, "definitions/detail.html", context)


# --- proposals --------------------------------------------------------------------------


@require_GET
@login_required
def proposal_list(request, pk: int):
    definition = _definition(request, pk)
    proposals = selectors.proposals_effective(selectors.proposals_for_page(definition))
    my_votes = dict(
        Vote.objects.filter(proposal__definition=definition, voter=request.user).values_list(
            "proposal_id", "position"
        )
    )
    for proposal in proposals:
        proposal.my_position = my_votes.get(proposal.pk)
    groups = [
        ("Open for votes", [p for p in proposals if p.status == "open"]),
        (
            "Passed, in the draft",
            [p for p in proposals if p.status == "passed" and not p.published_in_id],
        ),
        ("Published", [p for p in proposals if p.published_in_id]),
        (
            "Closed without passing",
            [p for p in proposals if p.status in ("failed", "withdrawn", "superseded")],
        ),
    ]
    return render(
        request,
        "definitions/proposals.html",
        {
            "definition": definition,
            "groups": groups,
            "can_vote": selectors.voter_is_eligible(request.user),
        },
    )


KIND_LABELS = dict(Proposal.Kind.choices)


@require_http_methods(["GET", "POST"])
@login_required
def proposal_create(request, pk: int, kind: str):
    definition = _definition(request, pk)
    if kind not in KIND_LABELS:
        raise Http404
    if not selectors.proposer_is_allowed(request.user):
        raise PermissionDenied(selectors.PROPOSER_REFUSAL)
    draft = selectors.draft_build(definition)[0]
    supersedes = None
    raw = request.GET.get("supersedes") or request.POST.get("supersedes")
    if raw:
        supersedes_pk = id_param({"supersedes": raw}, "supersedes")
        if supersedes_pk is None:
            raise Http404
        supersedes = get_object_or_404(Proposal, definition=definition, pk=supersedes_pk)
    data = request.POST if request.method == "POST" else None

    if supersedes is not None:
        initial = _content_initial({**supersedes.payload, "stage_key": supersedes.stage_key})
    else:
        # A finding elsewhere (a meeting, the numbers) links here with the proposal prefilled.
        initial = {f: request.GET[f] for f in PREFILL_FIELDS if request.GET.get(f)}
        if request.GET.get("stage"):
            initial["stage_key"] = request.GET["stage"]

    target_form = None
    if kind.startswith("change") or kind.startswith("remove"):
        if kind.endswith("_stage"):
            choices = [(s["key"], s["name"]) for s in draft["stages"]]
        else:
            choices = [
                (c["key"], f"{s['name']}: {c['statement']}")
                for s in draft["stages"]
                for c in s["criteria"]
            ]
        target_initial = {
            "target_key": request.GET.get("target") or (supersedes.target_key if supersedes else "")
        }
        target_form = TargetForm(data, choices=choices, initial=target_initial, prefix="target")
        target_key = (
            target_form.data.get("target-target_key") if data else target_initial["target_key"]
        )
        if not initial and target_key:
            if kind == "change_stage" and find_stage(draft, target_key):
                initial = dict(find_stage(draft, target_key))
            elif kind == "change_criterion":
                stage, criterion = find_criterion(draft, target_key)
                if criterion:
                    initial = _content_initial({**criterion, "stage_key": stage["key"]})

    if kind in ("add_stage", "change_stage"):
        content_form = StageProposalForm(data, initial=initial, stages=draft["stages"], prefix="c")
    elif kind in ("add_criterion", "change_criterion"):
        content_form = CriterionProposalForm(
            data, initial=initial, stages=draft["stages"], prefix="c"
        )
    else:
        content_form = None
    meta_form = ProposalMetaForm(
        data,
        initial={
            "rationale": supersedes.rationale if supersedes else request.GET.get("rationale", "")
        },
        prefix="m",
    )
    forms = [f for f in (target_form, content_form, meta_form) if f is not None]

    if request.method == "POST" and all(f.is_valid() for f in forms):
        if content_form is None:
            payload = {}
        elif isinstance(content_form, CriterionProposalForm):
            payload = content_form.payload()
        else:
            payload = content_form.cleaned_data
        try:
            proposal = services.proposal_create(
                definition=definition,
                by=request.user,
                kind=kind,
                payload=payload,
                target_key=target_form.cleaned_data["target_key"] if target_form else "",
                stage_key=content_form.cleaned_data.get("stage_key", "")
                if isinstance(content_form, CriterionProposalForm)
                else "",
                rationale=meta_form.cleaned_data["rationale"],
                closes_at=meta_form.cleaned_data.get("closes_at"),
                supersedes=supersedes,
                **_origin(request),
            )
        except ValidationError as error:
            errors_onto_form(content_form or meta_form, error)
        else:
            messages.success(request, "Your proposal is open for votes.")
            return redirect(proposal)
    context = {
        "definition": definition,
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "forms": forms,
        "supersedes": supersedes,
        "origin": {k: request.GET.get(k, "") for k in ("origin", "origin_label", "origin_url")},
        "lead_fields": LEAD_FIELDS,
        "operators": OPERATORS,
    }
    return render(request, "definitions/proposal_form.html", context)


PREFILL_FIELDS = (
    "statement",
    "guidance",
    "evidence",
    "rule_field",
    "rule_operator",
    "rule_value",
    "name",
    "level",
    "meaning",
)


def _content_initial(content: dict) -> dict:
    """A stage's or criterion's content as the proposal form's initial values."""
    initial = dict(content)
    rule = content.get("rule")
    if rule:
        value = rule.get("value")
        initial.update(
            rule_field=rule["field"],
            rule_operator=rule["operator"],
            rule_value=", ".join(map(str, value)) if isinstance(value, list) else (value or ""),
        )
    return initial


def _safe_local_url(request, url: str) -> str:
    """Only links inside Accord are kept as an origin (no scheme, host, backslash or control
    character that a browser could read as another site)."""
    if (
        not url.startswith("/")
        or "\\" in url
        or any(ord(char) < 32 or ord(char) == 127 for char in url)
        or not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})
    ):
        return ""
    return url


# Origins a link may claim; the starting ladder is set only by the service that creates it.
LINKED_ORIGINS = {Proposal.Origin.MEETING, Proposal.Origin.FEEDBACK}


def _origin(request) -> dict:
    """The finding a proposal came from, when a link from one opened the form."""
    url = _safe_local_url(request, request.POST.get("origin_url", ""))
    origin = request.POST.get("origin")
    if not url or origin not in LINKED_ORIGINS:
        return {"origin": Proposal.Origin.TYPED, "origin_label": "", "origin_url": ""}
    return {
        "origin": origin,
        "origin_label": request.POST.get("origin_label", "")[:300],
        "origin_url": url,
    }


def _proposal_context(request, definition, proposal_pk):
    try:
        proposal = selectors.proposal_with_votes(definition, proposal_pk)
    except Proposal.DoesNotExist:
        raise Http404 from None
    selectors.proposals_effective([proposal])
    votes = list(proposal.votes.all())
    verdict = selectors.proposal_verdict(proposal, votes=votes)
    my_vote = next((v for v in votes if v.voter_id == request.user.pk), None)
    return {
        "definition": definition,
        "proposal": proposal,
        "votes": votes,
        "verdict": verdict,
        "my_vote": my_vote,
        "not_voted": selectors.not_yet_voted(proposal, votes) if proposal.status == "open" else [],
        "can_vote": selectors.voter_is_eligible(request.user),
        "is_open": proposal.is_open_at(timezone.now()),
        "can_manage": request.user.has_perm("definitions.facilitate")
        or request.user.pk == proposal.proposed_by_id,
        "vote_form": VoteForm(
            initial={"position": my_vote.position, "comment": my_vote.comment} if my_vote else None
        ),
    }


def _proposal_produces(definition, proposal):
    """What the proposal would produce: the text and rule, and for a change, the diff."""
    draft = selectors.draft_build(definition)[0]
    after, problem = content_apply(draft, proposal)
    return {"diff": content_diff(draft, after), "problem": problem}


@require_GET
@login_required
def proposal_detail(request, pk: int, proposal_pk: int):
    definition = _definition(request, pk)
    context = _proposal_context(request, definition, proposal_pk)
    proposal = context["proposal"]
    if not (request.htmx and request.htmx.target == "tally"):
        context["produces"] = (
            _proposal_produces(definition, proposal) if proposal.status == "open" else None
        )
        context["rule_sentence"] = (
            rule_sentence(proposal.payload.get("rule")) if "statement" in proposal.payload else ""
        )
    return render_htmx(request, "definitions/proposal.html", context, partials=["tally"])


@require_POST
@login_required
def proposal_vote(request, pk: int, proposal_pk: int):
    definition = _definition(request, pk)
    proposal = get_object_or_404(Proposal, definition=definition, pk=proposal_pk)
    form = VoteForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            services.vote_cast(
                proposal=proposal,
                voter=request.user,
                position=form.cleaned_data["position"],
                comment=form.cleaned_data["comment"],
            )
        except services.VoteClosedError as error:
            # The form is gone from a closed vote's page: say so where the form was.
            if not request.htmx:
                messages.error(request, error.message)
                return redirect(proposal)
            context = _proposal_context(request, definition, proposal_pk)
            context["vote_closed"] = error.message
            return render(request, "definitions/proposal.html#voting", context)
        except ValidationError as error:
            errors_onto_form(form, error)
            status = 422
        else:
            if not request.htmx:
                messages.success(
                    request,
                    f"Your vote is recorded; it counts in {request.user.get_department_display()}.",
                )
                return redirect(proposal)
    else:
        status = 422
    context = _proposal_context(request, definition, proposal_pk)
    if form.errors:
        context["vote_form"] = form
    if not request.htmx:
        context["produces"] = _proposal_produces(definition, context["proposal"])
        context["rule_sentence"] = rule_sentence(proposal.payload.get("rule"))
        return render(request, "definitions/proposal.html", context, status=status)
    context["vote_saved"] = status == 200
    return render(request, "definitions/proposal.html#voting", context, status=200)


@require_POST
@login_required
def proposal_action(request, pk: int, proposal_pk: int, action: str):
    definition = _definition(request, pk)
    proposal = get_object_or_404(Proposal, definition=definition, pk=proposal_pk)
    try:
        if action == "withdraw":
            services.proposal_withdraw(proposal=proposal, by=request.user)
            messages.success(request, "The proposal is withdrawn.")
        elif action == "close":
            proposal = services.proposal_close(proposal=proposal, by=request.user)
            messages.success(request, f"The vote is closed. {proposal.outcome}")
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("definitions:proposal", pk=definition.pk, proposal_pk=proposal.pk)


# --- draft, approval, publication -------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def draft_detail(request, pk: int):
    definition = _definition(request, pk)
    form = SubmitDraftForm(request.POST or None)
    if request.method == "POST":
        permission_require(request.user, "definitions.facilitate", action="submit a draft")
        if form.is_valid():
            try:
                submission = services.draft_submit(
                    definition=definition,
                    by=request.user,
                    change_summary=form.cleaned_data["change_summary"],
                )
            except ValidationError as error:
                errors_onto_form(form, error)
            else:
                messages.success(request, "The draft is submitted for an executive's approval.")
                return redirect(submission)
    latest = selectors.version_latest(definition)
    live = selectors.version_content(latest)
    content, applied, skipped = selectors.draft_build(definition, latest=latest)
    diff = content_diff(live, content)
    context = {
        "definition": definition,
        "latest": latest,
        "content": content,
        "applied": applied,
        "skipped": skipped,
        "diff": diff,
        "unchanged": diff_is_empty(diff),
        "health": selectors.definition_health_for(definition, content),
        "in_review": selectors.submission_in_review(definition),
        "form": form,
        "last_sent_back": Submission.objects.filter(definition=definition, status="sent_back")
        .select_related("reviewed_by")
        .first(),
    }
    return render(request, "definitions/draft.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def submission_detail(request, pk: int, submission_pk: int):
    definition = _definition(request, pk)
    submission = get_object_or_404(
        Submission.objects.select_related("submitted_by", "reviewed_by").prefetch_related(
            "proposals"
        ),
        definition=definition,
        pk=submission_pk,
    )
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                services.submission_approve(
                    submission=submission, by=request.user, comment=request.POST.get("comment", "")
                )
                messages.success(request, "Approved. It can now be published.")
            elif action == "send_back":
                if form.is_valid():
                    services.submission_send_back(
                        submission=submission, by=request.user, comment=form.cleaned_data["comment"]
                    )
                    messages.success(request, "Sent back to the facilitator with your comment.")
            elif action == "publish":
                version = services.version_publish(submission=submission, by=request.user)
                messages.success(request, f"Version {version.number} is published.")
                return redirect(version)
            else:
                raise Http404
        except ValidationError as error:
            errors_onto_form(form, error)
        if not form.errors:
            return redirect(submission)
    latest = selectors.version_latest(definition)
    live = selectors.version_content(latest)
    context = {
        "definition": definition,
        "submission": submission,
        "latest": latest,
        "diff": content_diff(live, submission.content),
        "content": submission.content,
        "health": selectors.definition_health_for(definition, submission.content),
        "form": form,
    }
    return render(request, "definitions/submission.html", context)


# --- versions, comparison, history ------------------------------------------------------


def _version(definition, number):
    versions = Version.objects.for_definition(definition).select_related(
        "approved_by", "published_by", "submitted_by"
    )
    if number == "latest":
        version = versions.latest_first().first()
        if version is None:
            raise Http404
        return version
    return get_object_or_404(versions, number=number)


@require_GET
@login_required
def version_detail(request, pk: int, number):
    definition = _definition(request, pk)
    version = _version(definition, number)
    latest_number = (
        Version.objects.for_definition(definition)
        .latest_first()
        .values_list("number", flat=True)
        .first()
    )
    context = {
        "definition": definition,
        "version": version,
        "content": selectors.version_content(version),
        "read_key": read_key_for(request.user),
        "is_latest": version.number == latest_number,
        "proposals": version.proposals.all(),
    }
    return render(request, "definitions/version.html", context)


@require_GET
@login_required
def version_list(request, pk: int):
    definition = _definition(request, pk)
    versions = (
        Version.objects.for_definition(definition)
        .latest_first()
        .select_related("approved_by", "published_by")
    )
    return render(
        request, "definitions/versions.html", {"definition": definition, "versions": versions}
    )


@require_GET
@login_required
def version_compare(request, pk: int):
    definition = _definition(request, pk)
    versions = list(Version.objects.for_definition(definition).order_by("number"))
    numbers = [v.number for v in versions]
    try:
        new = int(request.GET.get("to") or numbers[-1])
        old = int(request.GET.get("from") or (new - 1))
    except (ValueError, IndexError):
        raise Http404 from None
    if old not in numbers or new not in numbers:
        raise Http404
    by_number = {v.number: v for v in versions}
    diff = content_diff(
        selectors.version_content(by_number[old]), selectors.version_content(by_number[new])
    )
    context = {
        "definition": definition,
        "old": by_number[old],
        "new": by_number[new],
        "numbers": numbers,
        "diff": diff,
        "unchanged": diff_is_empty(diff),
    }
    return render(request, "definitions/compare.html", context)


@require_GET
@login_required
def definition_history(request, pk: int):
    definition = _definition(request, pk)
    entries = selectors.definition_history(definition)
    return render(
        request, "definitions/history.html", {"definition": definition, "entries": entries}
    )


# --- publication: exports, feed, embed --------------------------------------------------


@require_GET
@login_or_read_key_required
def version_markdown(request, pk: int, number):
    definition = _definition(request, pk)
    version = _version(definition, number)
    text = publication.version_markdown(version, selectors.version_content(version))
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    filename = f"{slugify(definition.name)}-v{version.number}.md"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
@login_or_read_key_required
def version_json(request, pk: int, number):
    definition = _definition(request, pk)
    version = _version(definition, number)
    document = publication.version_document(version, selectors.version_content(version))
    return JsonResponse(document, json_dumps_params={"indent": 2})


@require_GET
@login_or_read_key_required
def version_feed(request, pk: int):
    return VersionFeed()(request, pk=pk)


@require_GET
@xframe_options_exempt
@login_or_read_key_required
def version_embed(request, pk: int):
    """The version in force, without navigation, for framing in the company intranet."""
    definition = _definition(request, pk)
    version = _version(definition, "latest")
    context = {
        "definition": definition,
        "version": version,
        "content": selectors.version_content(version),
    }
    response = render(request, "definitions/embed.html", context)
    return response


version_embed = csp_override(
    {**settings.SECURE_CSP, "frame-ancestors": settings.EMBED_FRAME_ANCESTORS}
)(version_embed)


@require_http_methods(["GET", "POST"])
@permission_required("definitions.facilitate", action="change the consensus rule")
def consensus_rule(request, pk: int):
    definition = _definition(request, pk)
    form = ConsensusRuleForm(request.POST or None, instance=definition)
    if request.method == "POST" and form.is_valid():
        services.definition_rule_change(
            definition=definition,
            by=request.user,
            quorum_percent=form.cleaned_data["quorum_percent"],
            threshold_percent=form.cleaned_data["threshold_percent"],
        )
        messages.success(request, "The rule applies to votes opened from now on.")
        return redirect(definition)
    return render(request, "definitions/rule.html", {"definition": definition, "form": form})
