"""Reading rendered pages as HTML, not as text: the templates are laid out by djlint, which
may put attributes and cells on lines of their own, so tests ask the parsed markup."""

from html.parser import HTMLParser


class _First(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: tuple[str, dict] | None = None

    def handle_starttag(self, tag, attrs):
        if self.found is None:
            self.found = (tag, dict(attrs))


def first_element(html: str) -> tuple[str, dict]:
    """The first element's tag and attributes (e.g. of an htmx fragment)."""
    parser = _First()
    parser.feed(html)
    assert parser.found, "no element in the markup"
    return parser.found


class _Rows(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows: list[tuple[dict, list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append((dict(attrs), []))
        elif tag in ("td", "th") and self.rows:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.rows[-1][1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str) -> list[tuple[dict, list[str]]]:
    """Every table row of the page: its attributes and its cells' text (spaces collapsed)."""
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def row_where(html: str, **attributes: str) -> list[str]:
    """The cells of the one row whose attributes include these (`data_department="sales"`
    for data-department)."""
    wanted = {name.replace("_", "-"): value for name, value in attributes.items()}
    found = [
        cells
        for attrs, cells in table_rows(html)
        if all(attrs.get(k) == v for k, v in wanted.items())
    ]
    assert len(found) == 1, f"{len(found)} rows with {wanted}"
    return found[0]
