"""A published version never changes: not through save(), delete(), a QuerySet, the admin or SQL."""

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test import RequestFactory
from django.urls import reverse

from definitions import selectors
from definitions.models import (
    Definition,
    PublishedVersionError,
    Submission,
    Version,
    VersionCriterion,
    VersionStage,
)
from tests.accounts.factories import UserFactory
from tests.definitions.factories import version_published

IMMUTABLE = [Version, VersionStage, VersionCriterion]


@pytest.fixture
def version(definition):
    return version_published(definition)


def snapshot(version):
    """Everything a version says, read afresh from the database."""
    fresh = Version.objects.get(pk=version.pk)
    return (
        fresh.number,
        fresh.change_summary,
        fresh.published_at,
        selectors.version_content(fresh),
    )


def a_row_of(model, version):
    if model is Version:
        return Version.objects.get(pk=version.pk)
    if model is VersionStage:
        return version.stages.first()
    return VersionCriterion.objects.filter(stage__version=version).first()


def a_text_field_of(model):
    return {Version: "change_summary", VersionStage: "name", VersionCriterion: "statement"}[model]


@pytest.mark.parametrize("model", IMMUTABLE, ids=lambda m: m.__name__)
def test_saving_a_published_row_again_is_refused(version, model):
    before = snapshot(version)
    row = a_row_of(model, version)
    setattr(row, a_text_field_of(model), "Quietly rewritten")

    with pytest.raises(PublishedVersionError, match="never changes"):
        row.save()
    with pytest.raises(PublishedVersionError):
        row.save(update_fields=[a_text_field_of(model)])

    assert snapshot(version) == before


@pytest.mark.parametrize("model", IMMUTABLE, ids=lambda m: m.__name__)
def test_deleting_a_published_row_is_refused(version, model):
    before = snapshot(version)

    with pytest.raises(PublishedVersionError):
        a_row_of(model, version).delete()

    assert snapshot(version) == before


@pytest.mark.parametrize("model", IMMUTABLE, ids=lambda m: m.__name__)
def test_a_queryset_update_or_delete_of_published_rows_is_refused(version, model):
    before = snapshot(version)
    rows = model.objects.filter(pk=a_row_of(model, version).pk)

    with pytest.raises(PublishedVersionError):
        rows.update(**{a_text_field_of(model): "Bulk rewritten"})
    with pytest.raises(PublishedVersionError):
        rows.delete()
    with pytest.raises(PublishedVersionError):
        model.objects.all().delete()

    assert snapshot(version) == before


def test_bulk_update_of_published_rows_is_refused(version):
    before = snapshot(version)
    stages = list(version.stages.all())
    for stage in stages:
        stage.name = "Bulk renamed"

    with pytest.raises(PublishedVersionError), transaction.atomic():
        VersionStage.objects.bulk_update(stages, ["name"])

    assert snapshot(version) == before


@pytest.mark.parametrize("model", IMMUTABLE, ids=lambda m: m.__name__)
def test_djangos_base_manager_refuses_updates_and_deletes_too(version, model):
    before = snapshot(version)
    rows = model._base_manager.filter(pk=a_row_of(model, version).pk)

    with pytest.raises(PublishedVersionError):
        rows.update(**{a_text_field_of(model): "Rewritten behind the manager's back"})
    with pytest.raises(PublishedVersionError):
        rows.delete()

    assert snapshot(version) == before


def test_an_insert_that_would_update_a_published_row_on_conflict_is_refused(version):
    before = snapshot(version)
    stage = version.stages.first()
    clash = VersionStage(
        version=version, key=stage.key, position=stage.position, level=stage.level, name="Hijack"
    )

    with pytest.raises(PublishedVersionError), transaction.atomic():
        VersionStage.objects.bulk_create(
            [clash], update_conflicts=True, unique_fields=["version", "key"], update_fields=["name"]
        )

    assert snapshot(version) == before


def test_updates_through_related_managers_are_refused_too(version, definition):
    before = snapshot(version)

    with pytest.raises(PublishedVersionError):
        definition.versions.update(change_summary="Rewritten")
    with pytest.raises(PublishedVersionError):
        version.stages.all().update(name="Rewritten")
    with pytest.raises(PublishedVersionError):
        version.stages.first().criteria.all().delete()

    assert snapshot(version) == before


def test_a_definition_or_draft_with_a_published_version_cannot_be_deleted(version, definition):
    with pytest.raises(ProtectedError), transaction.atomic():
        Definition.objects.filter(pk=definition.pk).delete()
    with pytest.raises(ProtectedError), transaction.atomic():
        Submission.objects.filter(pk=version.submission_id).delete()

    assert Version.objects.filter(pk=version.pk).exists()


def test_a_published_version_is_still_written_once(version):
    assert version.number == 1
    assert version.stages.count() == 5
    assert VersionCriterion.objects.filter(stage__version=version).count() == 9


# --- the admin -------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return UserFactory(department="other", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", [Version], ids=lambda m: m.__name__)
def test_the_admin_never_grants_add_change_or_delete_on_versions(version, superuser, model):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = site._registry[model]

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, version)
    assert not model_admin.has_delete_permission(request, version)
    assert model_admin.has_view_permission(request, version)
    for inline in model_admin.get_inline_instances(request, version):
        assert not inline.has_add_permission(request, version)
        assert not inline.has_change_permission(request, version)
        assert not inline.has_delete_permission(request, version)


def test_the_version_stages_and_criteria_are_not_editable_in_the_admin_on_their_own():
    assert VersionStage not in site._registry
    assert VersionCriterion not in site._registry


def test_the_admin_shows_a_version_with_its_stages_and_criteria_read_only(
    version, superuser, client_as
):
    client = client_as(superuser)
    url = reverse("admin:definitions_version_change", args=[version.pk])

    response = client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Marketing Qualified Lead" in page
    assert "Has a verified budget" in page
    assert 'name="_save"' not in page
    assert 'name="stages-0-name"' not in page


def test_the_admin_lists_versions_without_an_add_button_or_delete_action(
    version, superuser, client_as
):
    response = client_as(superuser).get(reverse("admin:definitions_version_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert str(version) in page or version.definition.name in page
    assert reverse("admin:definitions_version_add") not in page
    assert 'value="delete_selected"' not in page


def test_the_admin_refuses_to_add_change_or_delete_a_version(version, superuser, client_as):
    client = client_as(superuser)
    before = snapshot(version)
    change = reverse("admin:definitions_version_change", args=[version.pk])

    assert client.post(change, {"change_summary": "Rewritten"}).status_code == 403
    assert client.get(reverse("admin:definitions_version_add")).status_code == 403
    delete = reverse("admin:definitions_version_delete", args=[version.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    listing = client.post(
        reverse("admin:definitions_version_changelist"),
        {"action": "delete_selected", "_selected_action": [version.pk], "post": "yes"},
    )

    assert listing.status_code in (200, 302)
    assert snapshot(version) == before


# --- the database itself (PostgreSQL) ---------------------------------------------------------

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the refusing trigger exists on PostgreSQL only"
)


@on_postgresql
@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("definitions_version", "change_summary"),
        ("definitions_versionstage", "name"),
        ("definitions_versioncriterion", "statement"),
    ],
)
def test_postgresql_refuses_a_plain_sql_update_of_a_published_version(version, table, column):
    before = snapshot(version)

    with (
        pytest.raises(DatabaseError, match="never changes"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET {column} = %s", ["Rewritten in SQL"])

    assert snapshot(version) == before


@on_postgresql
@pytest.mark.parametrize(
    "table", ["definitions_versioncriterion", "definitions_versionstage", "definitions_version"]
)
def test_postgresql_refuses_a_plain_sql_delete_of_a_published_version(version, table):
    before = snapshot(version)

    with (
        pytest.raises(DatabaseError, match="never changes"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table}")

    assert snapshot(version) == before


@pytest.mark.parametrize("number", [1, 0])
def test_the_database_refuses_a_duplicate_or_zero_version_number(version, number):
    executive = version.definition.executive_sponsor
    submission = Submission.objects.create(
        definition=version.definition,
        content=version.submission.content,
        change_summary="Again",
        submitted_by=version.submitted_by,
        status=Submission.Status.PUBLISHED,
        reviewed_by=executive,
        reviewed_at=version.approved_at,
    )
    duplicate = Version(
        definition=version.definition,
        number=number,
        change_summary="Again",
        submitted_by=version.submitted_by,
        approved_by=executive,
        approved_at=version.approved_at,
        published_by=executive,
        submission=submission,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
