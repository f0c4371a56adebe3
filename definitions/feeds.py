"""The Atom feed of a definition's versions."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.utils.feedgenerator import Atom1Feed

from definitions.models import Definition, Version
from definitions.publication import absolute


class PlainTextAtomFeed(Atom1Feed):
    """Atom whose entry summaries are plain text (`type="text"`), not HTML.

    Django writes descriptions as `type="html"`: escaped once, so a reader that renders
    the entry would run markup someone typed into a change summary or a name.
    """

    def add_item_elements(self, handler, item):
        description = item.get("description")
        super().add_item_elements(handler, {**item, "description": None})
        if description is not None:
            handler.addQuickElement("summary", description, {"type": "text"})


class VersionFeed(Feed):
    feed_type = PlainTextAtomFeed

    def get_object(self, request, pk: int):
        return get_object_or_404(Definition, pk=pk)

    def title(self, definition):
        return f"{definition.name}: published versions"

    def link(self, definition):
        return definition.get_absolute_url()

    def subtitle(self, definition):
        return "Every published version of the lead definition, newest first."

    def items(self, definition):
        return (
            Version.objects.for_definition(definition)
            .latest_first()
            .select_related("definition", "approved_by")[:50]
        )

    def item_title(self, version):
        return f"Version {version.number}"

    def item_description(self, version):
        return f"{version.change_summary} (approved by {version.approved_by})"

    def item_link(self, version):
        return version.get_absolute_url()

    def item_guid(self, version):
        return absolute(version.get_absolute_url())

    def item_pubdate(self, version):
        return version.published_at

    def item_updateddate(self, version):
        return version.published_at
