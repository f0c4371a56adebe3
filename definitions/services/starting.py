"""Starting a definition (its content arrives as proposals) and changing its consensus rule."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.decorators import permission_require
from accounts.models import User
from definitions import selectors
from definitions.content import (
    CRITERION_FIELDS,
    STAGE_FIELDS,
)
from definitions.ladder import STARTING_LADDER
from definitions.models import (
    Definition,
    Proposal,
)
from definitions.services.proposals import _new_key, proposal_create

Kind = Proposal.Kind


# --- definitions ------------------------------------------------------------------------


@transaction.atomic
def definition_create(
    *,
    by: User,
    name: str,
    facilitator: User,
    executive_sponsor: User,
    scope: str = Definition.Scope.COMPANY,
    product_line: str = "",
    description: str = "",
    ideal_customer_profile: str = "",
    quorum_percent: int = 60,
    threshold_percent: int = 75,
    start: str = "ladder",
    copy_from: Definition | None = None,
) -> Definition:
    """Start a definition. Its starting content arrives as proposals, so that version 1 is
    agreed like every later one: the starting ladder, a copy of another definition, or empty."""
    permission_require(by, "definitions.facilitate", action="start a definition")
    if not executive_sponsor.has_perm("definitions.approve_version"):
        raise ValidationError({"executive_sponsor": "The sponsor must be an executive."})
    definition = Definition(
        name=name,
        scope=scope,
        product_line=product_line,
        description=description,
        ideal_customer_profile=ideal_customer_profile,
        facilitator=facilitator,
        executive_sponsor=executive_sponsor,
        quorum_percent=quorum_percent,
        threshold_percent=threshold_percent,
    )
    definition.full_clean()
    definition._change_reason = "Definition started"
    definition.save()

    if start == "ladder":
        stages = STARTING_LADDER
        origin, label = Proposal.Origin.STARTING_LADDER, "The standard starting ladder"
    elif start == "copy":
        if copy_from is None:
            raise ValidationError({"copy_from": "Choose the definition to copy."})
        stages = selectors.draft_build(copy_from)[0]["stages"]
        origin, label = Proposal.Origin.TYPED, f"Copied from “{copy_from.name}”"
    else:
        stages = []
        origin, label = Proposal.Origin.TYPED, ""
    _propose_content(definition, stages, by=by, origin=origin, origin_label=label)
    return definition


def _propose_content(definition, stages, *, by, origin, origin_label) -> None:
    """One proposal per stage and per criterion: people may vote on several at once."""
    for stage in stages:
        stage_key = stage.get("key") or _new_key("stage")
        proposal_create(
            definition=definition,
            by=by,
            kind=Kind.ADD_STAGE,
            target_key=stage_key,
            payload={f: stage.get(f, "") for f in STAGE_FIELDS},
            rationale="Part of the starting definition.",
            origin=origin,
            origin_label=origin_label,
            check_draft=False,
        )
        for criterion in stage["criteria"]:
            proposal_create(
                definition=definition,
                by=by,
                kind=Kind.ADD_CRITERION,
                target_key=criterion.get("key") or _new_key("criterion"),
                stage_key=stage_key,
                payload={f: criterion.get(f) for f in CRITERION_FIELDS},
                rationale="Part of the starting definition.",
                origin=origin,
                origin_label=origin_label,
                check_draft=False,
            )


@transaction.atomic
def definition_rule_change(
    *, definition: Definition, by: User, quorum_percent: int, threshold_percent: int
) -> Definition:
    """Change the consensus rule for votes that open from now on; open votes keep theirs."""
    permission_require(by, "definitions.facilitate", action="change the consensus rule")
    definition = Definition.objects.select_for_update().get(pk=definition.pk)
    definition.quorum_percent = quorum_percent
    definition.threshold_percent = threshold_percent
    definition.full_clean()
    definition._change_reason = "Consensus rule changed"
    definition.save()
    return definition
