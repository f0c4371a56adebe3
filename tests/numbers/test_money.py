"""Amounts on the numbers pages: one filter, with the deal currency and thousands separators."""

from decimal import Decimal

from numbers_app.templatetags.numbers_tags import money


def test_amounts_carry_the_currency_and_thousands_separators(settings):
    settings.DEAL_CURRENCY = "EUR"
    assert money(Decimal("1234567")) == "EUR\u00a01,234,567"
    assert money(Decimal("12500.50")) == "EUR\u00a012,500.50"
    assert money(Decimal("980.00")) == "EUR\u00a0980"
    assert money(None) == ""
