"""The README's security section says what is throttled, how a lockout is lifted and how to
back up and restore, with the limits the code applies: a changed default fails here until the
README says so too."""

from pathlib import Path

from django.conf import settings
from django.core.management import get_commands
from django.urls import reverse

from config.fields import EARLIEST, LATEST, TEXT_MAX_LENGTH
from feedback.csv_io import MAX_BYTES, MAX_COLUMNS, MAX_ROWS

ROOT = Path(settings.BASE_DIR)
PER = {"s": "a second", "m": "a minute", "h": "an hour", "d": "a day"}


def security_section() -> str:
    readme = (ROOT / "README.md").read_text()
    assert "\n## Security\n" in readme, "the README has no security section"
    section = readme.split("\n## Security\n", 1)[1].split("\n## ", 1)[0]
    return " ".join(section.split())  # one line: a sentence may wrap anywhere


def rate(limit: str, what: str) -> str:
    """'5/h' as the README writes it: '5 requests an hour'."""
    count, period = limit.split("/")
    return f"{count} {what} {PER[period]}"


def spaced(number: int) -> str:
    return f"{number:,}".replace(",", " ")


def test_the_readme_says_what_is_throttled_with_the_limits_in_force():
    text = security_section()
    cooloff = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    expected = [
        f"locked after {settings.SIGN_IN_FAILURE_LIMIT} failed sign-ins",
        f"one network address after {settings.SIGN_IN_ADDRESS_FAILURE_LIMIT} failures",
        f"for {cooloff} minutes",
        f"*Password resets*: {rate(settings.PASSWORD_RESET_RATE_LIMIT, 'requests')}",
        f"*API*: {rate(settings.API_RATE_LIMIT, 'requests')} per person",
        f"(at most {settings.API_TOKENS_PER_PERSON}) tokens",
        rate(settings.API_TOKEN_FAILURE_RATE_LIMIT, "wrong tokens"),
    ]
    missing = [phrase for phrase in expected if phrase not in text]
    assert not missing, missing


def test_the_readme_says_how_a_lockout_is_lifted_and_the_ways_it_names_exist():
    text = security_section()
    assert "*Access attempts*" in text
    assert reverse("admin:axes_accessattempt_changelist")
    for command in ("axes_reset_username", "axes_reset"):
        assert f"python manage.py {command}" in text
        assert command in get_commands(), command


def test_the_readme_says_how_to_back_up_and_restore_with_the_makefiles_targets():
    text = security_section()
    assert "make backup" in text and "make restore FILE=" in text
    makefile = (ROOT / "Makefile").read_text()
    assert "\nbackup:" in makefile and "\nrestore:" in makefile


def test_the_readme_states_the_limits_on_typed_text_and_uploads_the_code_applies():
    text = security_section()
    expected = [
        f"Typed text is at most {spaced(TEXT_MAX_LENGTH)} characters",
        f"at most {MAX_BYTES // (1024 * 1024)} MB, {spaced(MAX_ROWS)} rows and "
        f"{spaced(MAX_COLUMNS)} columns",
        f"Dates are between {EARLIEST.year} and {LATEST.year}",
    ]
    missing = [phrase for phrase in expected if phrase not in text]
    assert not missing, missing
