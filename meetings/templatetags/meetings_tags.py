"""Display helpers for the meeting pages.

The participation board is the meeting page's biggest table (a row per person invited, a
cell per question); it is drawn here from plain values, one `format_html_join` per group,
instead of a template loop and three tags per cell."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

CELL = (
    '<td class="{}"><span aria-hidden="true">{}</span><span class="visually-hidden">{}</span></td>'
)
# The two cells are constants: built (and escaped) once.
ANSWERED = format_html(CELL, "board__yes", "✓", "answered")
NOT_ANSWERED = format_html(CELL, "board__no", "–", "not answered")
PRESENT = {
    None: mark_safe('<span class="muted">not taken</span>'),
    True: "present",
    False: "absent",
}


@register.simple_tag
def board_rows(group) -> str:
    """The `<tr>` of each person in a board group: name, a cell per question, presence."""
    return format_html_join(
        "\n",
        '<tr data-person="{}" data-complete="{}"><th scope="row">{}</th>{}<td>{}</td></tr>',
        (
            (
                row.attendance.person_id,
                "yes" if row.complete else "no",
                row.attendance.person.full_name,
                mark_safe("".join(ANSWERED if yes else NOT_ANSWERED for yes in row.cells)),
                PRESENT[row.attendance.present],
            )
            for row in group.rows
        ),
    )
