"""Step 6, close the loop: what a published version writes down is shown as written, an open
proposal is linked instead of a second "Propose a change", and no page names internal
references."""

import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from feedback.health import definition_warnings
from tests.numbers.loop import VP_STATEMENT, proposal_opened, reason_written_down
from tests.numbers.test_reference import dataset_build
from tests.numbers.test_views import page_url, specs_make

pytestmark = pytest.mark.django_db

INTERNAL = re.compile(r"\bseed ?\d{3}\b|\bissue ?#?\d+\b", re.IGNORECASE)


@pytest.fixture
def data():
    cache.clear()
    return dataset_build(specs_make(16))


def row_of(html: str, label: str) -> str:
    start = html.index(f'data-reason="{label}"')
    return html[start : html.index("</tr>", start)]


def test_a_reason_written_down_and_one_with_a_proposal_open_say_so(data, client_as, facilitator):
    definition = data[0]
    before = client_as(facilitator).get(page_url(definition)).content.decode()
    assert "write “Title below VP” down as a criterion" in before
    version = reason_written_down(definition)
    proposal = proposal_opened(definition)
    cache.clear()
    html = client_as(facilitator).get(page_url(definition)).content.decode()
    written = row_of(html, "Title below VP")
    assert "written down" in written and VP_STATEMENT in written
    assert f"{version.get_absolute_url()}#criterion-crit-vp-or-above" in written
    assert "write “Title below VP” down" not in html
    opened = row_of(html, "Competitor already engaged")
    assert "Proposal open" in opened and proposal.get_absolute_url() in opened
    assert "Propose a change" not in opened


def test_the_catalogue_links_written_reasons_to_the_criterion_in_force(
    data, client_as, facilitator
):
    definition = data[0]
    reason_written_down(definition)
    proposal = proposal_opened(definition)
    html = client_as(facilitator).get(reverse("feedback:reasons")).content.decode()
    vp = row_of(html, "Title below VP")
    assert "written down" in vp and "#criterion-crit-vp-or-above" in vp
    assert "unwritten" not in vp
    budget = row_of(html, "No verified budget")
    assert "#criterion-sql-budget" in budget
    competitor = row_of(html, "Competitor already engaged")
    assert proposal.get_absolute_url() in competitor and "unwritten" in competitor


def test_the_health_warning_names_the_research_shows_the_figure_here_and_the_loop(data):
    definition = data[0]
    reason_written_down(definition)
    proposal_opened(definition)
    (warning,) = definition_warnings(definition)
    assert warning.source == "SiriusDecisions" and "80%" in warning.statistic
    assert re.match(r"\d+% of the \d+ leads sales rejected bought within two years", warning.here)
    texts = " ".join(note.text + note.link for note in warning.notes)
    assert "“Title below VP” is now written down" in texts and VP_STATEMENT in texts
    assert "“Competitor already engaged”: proposal open" in texts


def test_no_template_or_rendered_page_names_an_internal_reference(data, client_as, facilitator):
    root = Path(__file__).resolve().parents[2]
    offending = [
        str(path.relative_to(root))
        for folder in ("templates", "static")
        for path in (root / folder).rglob("*")
        if path.suffix in (".html", ".js", ".txt", ".css") and INTERNAL.search(path.read_text())
    ]
    assert offending == []
    definition = data[0]
    client = client_as(facilitator)
    for url in (
        page_url(definition),
        reverse("feedback:reasons"),
        definition.get_absolute_url(),
        reverse("numbers:index"),
    ):
        html = client.get(url).content.decode()
        assert not INTERNAL.search(html), url


def test_the_definition_page_gives_the_health_hook_the_version_in_force_it_read(
    data, client_as, facilitator
):
    """The page has read the version in force and its content: the warning's notes come out
    the same from them as from reading both again, two queries fewer; a version not yet in
    force is not taken for it."""
    import copy
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from definitions.selectors import definition_health_for, version_content

    definition = data[0]
    version = reason_written_down(definition)
    proposal_opened(definition)
    content = version_content(version)
    with CaptureQueriesContext(connection) as read_again:
        plain = definition_health_for(definition, content)
    with CaptureQueriesContext(connection) as given:
        assert definition_health_for(definition, content, latest=version) == plain
    assert len(given) == len(read_again) - 2
    assert any("is now written down" in note.text for w in plain for note in w.notes)
    later = copy.copy(version)
    later.published_at = timezone.now() + timedelta(days=1)
    with CaptureQueriesContext(connection) as not_in_force:
        assert definition_health_for(definition, content, latest=later) == plain
    assert len(not_in_force) == len(read_again)
    html = client_as(facilitator).get(definition.get_absolute_url()).content.decode()
    assert "“Title below VP” is now written down" in html
