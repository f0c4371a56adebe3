"""Template filters for the numbers pages."""

from django import template

from feedback.rounding import percent_points

register = template.Library()


@register.filter
def pct(value) -> str:
    """A ratio as whole percentage points, rounded half up ("" for no data)."""
    points = percent_points(value)
    return "" if points is None else str(points)
