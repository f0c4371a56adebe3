"""A published version's content is read and drawn once, then served from the cache."""

import copy
from pathlib import Path

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from definitions import rendering
from definitions.ladder import STARTING_LADDER
from definitions.selectors import version_content
from tests.definitions.factories import DefinitionFactory, version_published

# What drawing a page costs, measured: no page is kept drawn here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_drawn")]


def page(client, url) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


@pytest.mark.parametrize("which", ["definition", "version", "embed"])
def test_a_versions_content_is_drawn_once_and_then_read_from_the_cache(client_as, marketer, which):
    version = version_published()
    definition = version.definition
    url = {
        "definition": definition.get_absolute_url(),
        "version": version.get_absolute_url(),
        "embed": f"/definitions/{definition.pk}/embed/",
    }[which]
    client = client_as(marketer)
    first, first_queries = page(client, url)
    second, second_queries = page(client, url)
    assert second_queries == first_queries - 2, "the stages and criteria are not read again"
    drawn = render_to_string("definitions/_content.html", {"content": version_content(version)})
    assert drawn in first and drawn in second
    assert STARTING_LADDER[0]["criteria"][0]["statement"] in second


def test_each_version_has_its_own_entry(client_as, marketer):
    definition = DefinitionFactory()
    version_published(definition)
    client = client_as(marketer)
    assert "Renamed stage one" not in page(client, definition.get_absolute_url())[0]
    ladder = copy.deepcopy(STARTING_LADDER)
    ladder[0]["name"] = "Renamed stage one"
    version_published(definition, {"stages": ladder})
    assert "Renamed stage one" in page(client, definition.get_absolute_url())[0]


@pytest.fixture
def digest_fresh():
    rendering._drawn_by.cache_clear()
    yield
    rendering._drawn_by.cache_clear()


def test_the_key_follows_the_template_that_draws_it(monkeypatch, digest_fresh):
    """After a deploy that changes the template, entries drawn by the code before are not
    read: the key holds a digest of the template (and of the code its filters call)."""
    before = rendering._drawn_by()
    read = Path.read_bytes

    def changed(path):
        return read(path) + (b"<!-- changed -->" if path.name == "_content.html" else b"")

    monkeypatch.setattr(Path, "read_bytes", changed)
    rendering._drawn_by.cache_clear()
    assert rendering._drawn_by() != before


def test_a_development_server_draws_the_content_each_time(client_as, marketer, settings):
    """With DEBUG on, a template edited while runserver runs shows at once."""
    settings.DEBUG = True
    version = version_published()
    client = client_as(marketer)
    url = version.definition.get_absolute_url()
    assert page(client, url)[1] == page(client, url)[1]


def test_a_draft_is_built_on_the_kept_content_and_never_changes_it(
    client_as, marketer, definition, propose, pass_proposal
):
    """The proposal page builds the draft on the latest version's kept content (the stages
    and criteria are read on the first view only); applying a passed proposal changes the
    draft, never the kept content the next page reads."""
    from django.core.cache import cache

    from definitions.selectors import draft_build

    version = version_published(definition)
    proposal = propose(payload={"name": "A stage proposed", "level": "lead"})
    client = client_as(marketer)
    cache.clear()  # making the proposal built the draft, which kept the content

    def ladder_reads() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(proposal.get_absolute_url())
        assert response.status_code == 200 and "A stage proposed" in response.content.decode()
        return [q["sql"] for q in queries if '"definitions_versionstage"' in q["sql"]]

    assert ladder_reads(), "the first view reads the version's stages"
    assert ladder_reads() == [], "the stages and criteria are not read again"
    # A passed proposal applied to the draft twice over: the kept content stays the version's.
    pass_proposal(proposal)
    names = [[stage["name"] for stage in draft_build(definition)[0]["stages"]] for _ in "ab"]
    assert names[0] == names[1] and names[0].count("A stage proposed") == 1
    assert rendering.version_content_kept(version) == version_content(version)
