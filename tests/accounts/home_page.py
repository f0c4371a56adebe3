"""The home page's sections as a person reads them: parsed from the rendered page, so tests
check what the templates draw, whatever way the markup is laid out."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.urls import reverse


@dataclass
class Item:
    label: str = ""
    url: str = ""
    detail: str = ""


@dataclass
class Section:
    id: str
    title: str = ""
    items: list[Item] = field(default_factory=list)
    empty: str = ""


def _clean(text: str) -> str:
    return " ".join(text.split())


class _HomeParser(HTMLParser):
    """Collects each `<section id=…>`: its heading, each list item's link (label and
    address) and the rest of the item (the detail), and the sentence shown when empty."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, Section] = {}
        self.section: Section | None = None
        self.depth = 0
        self.where = ""  # "title", "label", "detail", "empty"
        self.buffer: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "section" and attributes.get("id") and self.section is None:
            self.section = self.sections[attributes["id"]] = Section(attributes["id"])
            self.depth = 0
            return
        if self.section is None:
            return
        if tag == "section":
            self.depth += 1
        elif tag == "h3":
            self._start("title")
        elif tag == "li":
            self.section.items.append(Item())
            self._start("detail")
        elif tag == "a" and self.where == "detail" and not self.section.items[-1].url:
            self._flush()
            self.section.items[-1].url = attributes.get("href", "")
            self._start("label")
        elif tag == "p" and "muted" in (attributes.get("class") or "") and not self.where:
            self._start("empty")

    def handle_endtag(self, tag):
        if self.section is None:
            return
        if tag == "section":
            if self.depth:
                self.depth -= 1
            else:
                self._flush()
                self.section = None
        elif (
            (tag == "h3" and self.where == "title")
            or (tag == "li" and self.where == "detail")
            or (tag == "p" and self.where == "empty")
        ):
            self._flush()
        elif tag == "a" and self.where == "label":
            self._flush()
            self._start("detail")

    def handle_data(self, data):
        if self.where:
            self.buffer.append(data)

    def _start(self, where: str):
        self.where, self.buffer = where, []

    def _flush(self):
        text, where = _clean("".join(self.buffer)), self.where
        self.where, self.buffer = "", []
        if where == "title":
            self.section.title = text
        elif where == "empty":
            self.section.empty = text
        elif where == "label":
            self.section.items[-1].label = text
        elif where == "detail":
            item = self.section.items[-1]
            item.detail = _clean(f"{item.detail} {text}")


def sections_in(html: str) -> dict[str, Section]:
    parser = _HomeParser()
    parser.feed(html)
    return parser.sections


def home_sections_of(client) -> dict[str, Section]:
    """The sections of the home page as `client` (signed in as the person) sees it."""
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return sections_in(response.content.decode())
