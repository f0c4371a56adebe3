"""Proposals: the list, proposing a change, a proposal's page, voting, and withdrawing or
closing a vote (one URL and one view each)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import permission_require
from config.confirm import confirmation
from config.fields import id_param
from config.forms import errors_onto_form
from config.htmx import render_htmx
from config.kept_pages import kept_page
from definitions import permissions, selectors, services
from definitions.forms import ProposalForms, VoteForm
from definitions.models import Proposal
from definitions.rules import LEAD_FIELDS, OPERATORS, rule_sentence
from definitions.views._lookup import definition_get

KIND_LABELS = dict(Proposal.Kind.choices)


@require_GET
@kept_page
@login_required
def proposal_list(request, pk: int):
    definition = definition_get(request, pk)
    context = {
        "definition": definition,
        "groups": selectors.proposals_grouped(definition, request.user),
        "can_vote": permissions.may_vote(request.user),
    }
    return render(request, "definitions/proposals.html", context)


def _supersedes(request, definition) -> Proposal | None:
    raw = request.GET.get("supersedes") or request.POST.get("supersedes")
    if not raw:
        return None
    supersedes_pk = id_param({"supersedes": raw}, "supersedes")
    if supersedes_pk is None:
        raise Http404
    return get_object_or_404(Proposal, definition=definition, pk=supersedes_pk)


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


@require_http_methods(["GET", "POST"])
@login_required
def proposal_create(request, pk: int, kind: str):
    definition = definition_get(request, pk)
    if kind not in KIND_LABELS:
        raise Http404
    permissions.propose_require(request.user)
    supersedes = _supersedes(request, definition)
    proposal_forms = ProposalForms.build(
        kind=kind,
        draft=selectors.draft_build(definition)[0],
        data=request.POST if request.method == "POST" else None,
        query=request.GET,
        supersedes=supersedes,
    )
    if request.method == "POST" and proposal_forms.is_valid():
        try:
            proposal = services.proposal_create(
                definition=definition,
                by=request.user,
                kind=kind,
                supersedes=supersedes,
                **proposal_forms.proposal_fields(),
                **_origin(request),
            )
        except ValidationError as error:
            errors_onto_form(proposal_forms.error_form, error)
        else:
            messages.success(request, "Your proposal is open for votes.")
            return redirect(proposal)
    context = {
        "definition": definition,
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "forms": proposal_forms.all_forms,
        "supersedes": supersedes,
        "origin": {k: request.GET.get(k, "") for k in ("origin", "origin_label", "origin_url")},
        "lead_fields": LEAD_FIELDS,
        "operators": OPERATORS,
    }
    return render(request, "definitions/proposal_form.html", context)


def _proposal_context(request, definition, proposal_pk):
    try:
        proposal = selectors.proposal_with_votes(definition, proposal_pk)
    except Proposal.DoesNotExist:
        raise Http404 from None
    selectors.proposals_effective([proposal])
    votes = list(proposal.votes.all())
    my_vote = next((v for v in votes if v.voter_id == request.user.pk), None)
    is_open = proposal.status == Proposal.Status.OPEN
    # The people who vote now, read once: the verdict counts them, the page lists who has not
    # voted (a closed vote's verdict is stored, and lists nobody).
    people = selectors.voters_now() if is_open else []
    return {
        "definition": definition,
        "proposal": proposal,
        "votes": votes,
        "verdict": selectors.proposal_verdict(
            proposal, votes=votes, voters=selectors.electorate_of(people) if is_open else None
        ),
        "my_vote": my_vote,
        "not_voted": selectors.not_yet_voted(people, votes),
        "can_vote": permissions.may_vote(request.user),
        "is_open": proposal.is_open_at(timezone.now()),
        "can_manage": permissions.may_manage_proposal(request.user, proposal),
        "vote_form": VoteForm(
            initial={"position": my_vote.position, "comment": my_vote.comment} if my_vote else None
        ),
    }


def _with_what_it_produces(context: dict, user) -> dict:
    """The full page's extra: the diff it would make (while open), its rule in words, and
    what it came from (the meeting answers it quotes)."""
    definition, proposal = context["definition"], context["proposal"]
    context["sources"] = selectors.proposal_sources(proposal, user)
    is_open = proposal.status == Proposal.Status.OPEN
    context["produces"] = selectors.proposal_produces(definition, proposal) if is_open else None
    context["rule_sentence"] = (
        rule_sentence(proposal.payload.get("rule")) if "statement" in proposal.payload else ""
    )
    return context


@require_GET
@kept_page
@login_required
def proposal_detail(request, pk: int, proposal_pk: int):
    context = _proposal_context(request, definition_get(request, pk), proposal_pk)
    if not (request.htmx and request.htmx.target == "tally"):
        _with_what_it_produces(context, request.user)
    return render_htmx(request, "definitions/proposal.html", context, partials=["tally"])


def _vote_answer(request, definition, proposal, *, form=None, closed="", saved=False, status=200):
    """The proposal page after a vote: the voting partial for htmx, else the whole page."""
    context = _proposal_context(request, definition, proposal.pk)
    if form is not None and form.errors:
        context["vote_form"] = form
    if not request.htmx:
        return render(
            request,
            "definitions/proposal.html",
            _with_what_it_produces(context, request.user),
            status=status,
        )
    context.update(vote_closed=closed, vote_saved=saved)
    return render(request, "definitions/proposal.html#voting", context)


@require_POST
@login_required
def proposal_vote(request, pk: int, proposal_pk: int):
    definition = definition_get(request, pk)
    proposal = get_object_or_404(Proposal, definition=definition, pk=proposal_pk)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return _vote_answer(request, definition, proposal, form=form, status=422)
    try:
        services.vote_cast(proposal=proposal, voter=request.user, **form.cleaned_data)
    except services.VoteClosedError as error:
        # The form is gone from a closed vote's page: say so where the form was.
        if not request.htmx:
            messages.error(request, error.message)
            return redirect(proposal)
        return _vote_answer(request, definition, proposal, closed=error.message)
    except ValidationError as error:
        errors_onto_form(form, error)
        return _vote_answer(request, definition, proposal, form=form, status=422)
    if not request.htmx:
        department = request.user.get_department_display()
        messages.success(request, f"Your vote is recorded; it counts in {department}.")
        return redirect(proposal)
    return _vote_answer(request, definition, proposal, saved=True)


def _proposal(request, pk: int, proposal_pk: int) -> Proposal:
    definition = definition_get(request, pk)
    return get_object_or_404(Proposal, definition=definition, pk=proposal_pk)


@require_http_methods(["GET", "POST"])
@login_required
def proposal_withdraw(request, pk: int, proposal_pk: int):
    """GET asks for confirmation: a withdrawn proposal cannot be reopened."""
    proposal = _proposal(request, pk, proposal_pk)
    if request.method == "GET":
        permissions.manage_proposal_require(request.user, proposal, "withdraw it")
        return confirmation(
            request,
            title=f"Withdraw “{proposal.title}”?",
            consequences=[
                "The vote ends now and the proposal cannot be reopened.",
                "Its votes stay in the history; to try again, propose it anew.",
            ],
            button="Withdraw the proposal",
            back_url=proposal.get_absolute_url(),
        )
    try:
        services.proposal_withdraw(proposal=proposal, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The proposal is withdrawn.")
    return redirect(proposal)


@require_http_methods(["GET", "POST"])
@login_required
def proposal_close(request, pk: int, proposal_pk: int):
    """GET asks for confirmation, saying the result the vote would close with."""
    proposal = _proposal(request, pk, proposal_pk)
    if request.method == "GET":
        permission_require(request.user, permissions.FACILITATE, action="close a vote")
        verdict = selectors.proposal_verdict(proposal)
        return confirmation(
            request,
            title=f"Close the vote on “{proposal.title}” now?",
            consequences=[
                f"It closes with the votes cast so far: {verdict.sentence}",
                "The tally is frozen; nobody can vote or change their vote afterwards.",
            ],
            button="Close the vote",
            back_url=proposal.get_absolute_url(),
        )
    try:
        proposal = services.proposal_close(proposal=proposal, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"The vote is closed. {proposal.outcome}")
    return redirect(proposal)
