from django.apps import AppConfig


class NumbersConfig(AppConfig):
    """The numbers pages. The package cannot be called `numbers`, which would hide the
    standard library's `numbers` (and break `decimal`); the app's label, URL namespace and
    template folder are `numbers`."""

    name = "numbers_app"
    label = "numbers"
    verbose_name = "Numbers"
