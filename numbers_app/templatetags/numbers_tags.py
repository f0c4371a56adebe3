"""Template filters for the numbers pages: percentages through feedback.rounding only."""

from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.html import format_html

from feedback.rounding import percent, percent_points

register = template.Library()


@register.filter
def pct(value) -> str:
    """A ratio as whole percentage points, rounded half up ("" for no data)."""
    points = percent_points(value)
    return "" if points is None else str(points)


@register.filter(name="percent")
def percent_shown(value) -> str:
    """A ratio as "13%" (rounded half up), or a muted "no data" when there is nothing to divide."""
    if value is None:
        return format_html('<span class="muted">{}</span>', percent(value))
    return percent(value)


@register.filter
def money(value) -> str:
    """An amount with the deal currency and thousands separators: "USD 12,500" (cents only
    when there are any); "" for no amount. The one formatting of amounts on the numbers pages."""
    if value in (None, ""):
        return ""
    amount = Decimal(str(value))
    digits = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{settings.DEAL_CURRENCY}\u00a0{digits}"
