"""Export then import: every cell comes back as it went out, formulas neutralised."""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedback import csv_io

# Any text a CRM or a person could put in a cell (no lone surrogates: not encodable).
cells = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=8))
@example([["R0", "'=", "'-"]])
def test_any_cell_survives_export_then_import_except_the_neutralised_prefix(rows):
    # The first column is a reference, as in every real export, so no row is blank.
    rows = [[f"R{i}", *row[1:]] for i, row in enumerate(rows)]
    data = csv_io.csv_write(["Reference", "Company", "Note"], rows)
    table = csv_io.csv_read(data)
    assert table.header == ["Reference", "Company", "Note"]
    assert [cells for _, cells in table.rows] == [
        [csv_io.cell_neutralise(cell) for cell in row] for row in rows
    ]
    for _, read in table.rows:
        for cell in read:
            assert not csv_io.cell_runs(cell)
            # The import takes the apostrophe off again: the value comes back as it went.
    assert [[csv_io.cell_unneutralise(cell) for cell in cells] for _, cells in table.rows] == rows


# What a spreadsheet could take for a formula: the ASCII starts, their full-width and small
# forms, the minus sign, and any of them behind spaces or invisible characters.
FORMULA_STARTS = ["=", "+", "-", "@", "\uff1d", "\ufe66", "\uff0b", "\ufe62", "\uff0d", "\ufe63"]
FORMULA_STARTS += ["\u2212", "\uff20", "\ufe6b"]
PREFIXES = ["", " ", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00a0", " \u200b"]


@given(cells)
# A value that already reads like a neutralised formula gets an apostrophe of its own.
@example("'=")
@example("'=1+1")
@example("''+cmd|' /C calc'!A0")
@example("'\u200b=1")
@settings(max_examples=1000)
def test_a_neutralised_cell_never_starts_a_formula(value):
    neutralised = csv_io.cell_neutralise(value)
    assert not csv_io.cell_runs(neutralised)
    assert csv_io.cell_unneutralise(neutralised) == value


@given(
    st.sampled_from(PREFIXES),
    st.sampled_from(FORMULA_STARTS),
    st.sampled_from(["1+1", 'HYPERLINK("http://evil")', "cmd|' /C calc'!A0", "SUM(A1)", "A1"]),
)
def test_every_formula_start_is_neutralised_even_behind_invisible_characters(prefix, start, body):
    value = prefix + start + body
    assert csv_io.cell_neutralise(value) == "'" + value


def test_known_formula_starts_are_neutralised_and_numbers_are_not():
    for value in ["=1+1", "@SUM(A1)", "\tx", "\rx", "-2+3+cmd|' /C calc'!A0", "+A1", "-"]:
        assert csv_io.cell_neutralise(value) == "'" + value
    # Phone numbers and signed numbers run nothing: they go out as they are.
    for value in ["Acme", "+49 30 1234567", "+1 (555) 010-0199", "-12.5", "+1", "-1", "+44 20"]:
        assert csv_io.cell_neutralise(value) == value


EMAIL_PARTS = st.sampled_from(
    ["a", "A.b", "x+y", "o'neil", "", ".", "..", "-", "é", " ", '"q"', "[1.2.3.4]", "1.2.3.4"]
)


@settings(max_examples=400)
@given(
    st.one_of(
        st.text(max_size=20),
        st.builds(
            lambda user, domain, tld: f"{user}@{domain}{tld}",
            EMAIL_PARTS,
            st.sampled_from(["example", "ex-ample", "-bad", "xn--d1acufc", "localhost", "", "é"]),
            st.sampled_from([".com", ".c", ".co.uk", "", ".", ".123", ".com."]),
        ),
    )
)
def test_an_email_cell_is_accepted_exactly_when_django_accepts_it(text):
    """The import's e-mail check is Django's validate_email with its domain check
    remembered; it must not drift from Django's."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    raw = text.strip()
    try:
        validate_email(raw)
        django_accepts = True
    except ValidationError:
        django_accepts = False
    try:
        parsed = csv_io.parse_email(text)
    except csv_io.CellError:
        assert raw and not django_accepts
    else:
        assert parsed == raw.lower()
        assert django_accepts or not raw
