"""Every write that matters in definitions: the rules live here."""

from django.db import transaction

from accounts.models import User
from definitions.models import Definition


@transaction.atomic
def definition_create(
    *,
    name: str,
    facilitator: User,
    executive_sponsor: User,
    scope: str = Definition.Scope.COMPANY,
    product_line: str = "",
    description: str = "",
    ideal_customer_profile: str = "",
    quorum_percent: int = 60,
    threshold_percent: int = 75,
) -> Definition:
    """Start a definition; its facilitator runs it and its sponsor is an executive."""
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
    return definition
