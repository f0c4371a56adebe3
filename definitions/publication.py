"""Publishing everywhere: a version as a document (JSON), as Markdown, and its announcement."""

from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string

from definitions.content import content_diff, diff_is_empty
from definitions.models import EvidenceStandard, StageLevel, Version
from definitions.rules import rule_sentence

LEVELS = dict(StageLevel.choices)
EVIDENCE = dict(EvidenceStandard.choices)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _md(text: str) -> str:
    """Escape what Markdown would read as formatting at the start of a line or inline."""
    escaped = str(text or "").replace("\\", "\\\\")
    for char in "*_`[]<>#|":
        escaped = escaped.replace(char, "\\" + char)
    return " ".join(escaped.split())


def version_markdown(version: Version, content: dict) -> str:
    """The version as a Markdown handout; every stage's and criterion's wording is kept."""
    lines = [
        f"# {_md(version.definition.name)}: version {version.number}",
        "",
        f"Published {version.published_at:%Y-%m-%d} by {_md(version.published_by)}, "
        f"approved by {_md(version.approved_by)}. "
        f"Stable link: <{absolute(version.get_absolute_url())}>",
        "",
        f"**What changed:** {_md(version.change_summary)}",
        "",
    ]
    if version.ideal_customer_profile:
        lines += ["## Ideal customer profile", "", _md(version.ideal_customer_profile), ""]
    for position, stage in enumerate(content["stages"], start=1):
        lines += [f"## {position}. {_md(stage['name'])}", "", f"*{LEVELS.get(stage['level'], '')}*"]
        if stage["meaning"]:
            lines += ["", _md(stage["meaning"])]
        facts = [
            ("Owner", stage["owner"]),
            ("Routed to", stage["routing"]),
            ("Follow-up", stage["follow_up"]),
        ]
        lines += [""] + [f"- **{label}:** {_md(value)}" for label, value in facts if value]
        if stage["criteria"]:
            lines += ["", "What must be true:", ""]
            for c in stage["criteria"]:
                lines.append(f"1. **{_md(c['statement'])}**")
                if c["guidance"]:
                    lines.append(f"   {_md(c['guidance'])}")
                lines.append(
                    f"   Evidence: {EVIDENCE.get(c['evidence'], c['evidence'])}. "
                    f"Check: {_md(rule_sentence(c['rule']))}"
                )
        lines.append("")
    return "\n".join(lines)


def version_announce(version_id: int) -> int:
    """E-mail every active person who wants announcements; returns how many were sent.

    Called by `transaction.on_commit` in `version_publish`: a publication that fails sends nothing.
    """
    from definitions import selectors

    version = Version.objects.select_related("definition", "published_by", "approved_by").get(
        pk=version_id
    )
    previous = (
        Version.objects.for_definition(version.definition).filter(number=version.number - 1).first()
    )
    diff = content_diff(selectors.version_content(previous), selectors.version_content(version))
    context = {
        "version": version,
        "diff": diff,
        "unchanged": diff_is_empty(diff),
        "link": absolute(version.get_absolute_url()),
        "profile_link": absolute("/accounts/profile/"),
    }
    subject = f"{version.definition.name}: version {version.number} is published"
    text = render_to_string("definitions/email/version_published.txt", context)
    html = render_to_string("definitions/email/version_published.html", context)
    messages = []
    for person in selectors.announcement_recipients():
        message = mail.EmailMultiAlternatives(subject, text, to=[person.email])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return mail.mailers.default.send_messages(messages) or 0
