"""A published version's ladder (its stages and criteria, which never change) is read from
the database once and then from the shared cache, for the versions a caller has read."""

import copy
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from feedback.checks import ladders_for
from tests.definitions.factories import DefinitionFactory, version_published
from tests.feedback.factories import QUALIFIED, cycle_make, lead_make

# What drawing a page costs, measured: no page is kept drawn here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pages_drawn")]
NEW_EACH_TIME = re.compile(
    r'name="csrfmiddlewaretoken" value="\w+"|nonce="[^"]+"|"X-CSRFToken": "\w+"'
)


def shape(ladders: dict) -> dict:
    """{version id: [(stage id, stage key, [(criterion id, key, statement), ...]), ...]}."""
    return {
        pk: [
            (stage.pk, stage.key, [(c.pk, c.key, c.statement) for c in criteria])
            for stage, criteria in ladder
        ]
        for pk, ladder in ladders.items()
    }


def without_tokens(response) -> str:
    """The page, without its CSRF tokens and script nonces (new for every response)."""
    return NEW_EACH_TIME.sub("", response.content.decode())


def reads(call) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        found = call()
    return found, len(queries)


def test_a_known_versions_ladder_is_read_once_then_kept():
    version = version_published(DefinitionFactory())
    other = version_published(DefinitionFactory())
    from_database, first = reads(lambda: ladders_for([version.pk, other.pk]))
    assert first == 2
    assert shape(from_database)[version.pk] and shape(from_database)[other.pk]
    _, keeping = reads(lambda: ladders_for([version.pk], [version]))
    assert keeping == 2  # not kept yet: read, then kept
    kept, again = reads(lambda: ladders_for([version.pk], [version]))
    assert again == 0
    assert shape(kept) == {version.pk: shape(from_database)[version.pk]}
    # A version the caller did not pass is read from the database; the known one is not.
    both, mixed = reads(lambda: ladders_for([version.pk, other.pk], [version]))
    assert mixed == 2
    assert shape(both) == shape(from_database)


def test_another_version_with_the_same_id_is_not_given_the_kept_ladder():
    """A database rebuilt under the same cache can give a version an id another had: the
    publication time in the key tells them apart."""
    version = version_published(DefinitionFactory())
    ladders_for([version.pk], [version])
    rebuilt = copy.copy(version)
    rebuilt.published_at = version.published_at.replace(year=version.published_at.year - 1)
    _, queries = reads(lambda: ladders_for([version.pk], [rebuilt]))
    assert queries == 2


def test_a_version_without_stages_has_no_ladder_kept_or_read():
    version = version_published(DefinitionFactory(), content={"stages": []})
    assert ladders_for([version.pk]) == {}
    assert ladders_for([version.pk], [version]) == {}
    found, queries = reads(lambda: ladders_for([version.pk], [version]))
    assert (found, queries) == ({}, 0)


def test_the_lead_page_reads_its_ladder_from_the_cache_after_the_first_view(client_as):
    cycle = cycle_make()
    lead = lead_make(cycle, **QUALIFIED)
    client = client_as(cycle.definition.facilitator)
    url = reverse("feedback:lead", args=[lead.pk])
    first, cold = reads(lambda: client.get(url))
    second, warm = reads(lambda: client.get(url))
    assert warm == cold - 2
    assert without_tokens(first) == without_tokens(second)
    assert b"The qualification check" in second.content


def test_the_ladders_key_follows_the_code_that_reads_and_orders_it(monkeypatch):
    """The pickled rows are read into the definitions' models, in the order this module's
    query gives (the check's bits): a deploy that changes either file reads them again."""
    from pathlib import Path

    from feedback import checks

    read = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read.append(path) or real(path))
    checks._ladder_code.cache_clear()
    try:
        checks._ladder_code()
    finally:
        checks._ladder_code.cache_clear()
    assert {(p.parent.name, p.name) for p in read} == {
        ("definitions", "models.py"),
        ("feedback", "checks.py"),
    }
