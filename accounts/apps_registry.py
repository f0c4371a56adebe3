"""The apps that contribute to the shared pages (home sections, navigation, demo data).

Each may define, and the shell calls when present:
  <app>.selectors.home_sections(user) -> list of {"id", "title", "items", "empty"}
  <app>.navigation.nav_items(user) -> list of (key, url, label)
  <app>.demo.seed(people: dict[str, User]) -> str   (a one-line summary; idempotent)
  <app>.health.definition_warnings(definition) -> list of definitions.health.Warning
"""

from importlib import import_module
from importlib.util import find_spec

CONTRIBUTING_APPS = ("definitions", "meetings", "feedback", "numbers_app")


def hooks(module_name: str, function_name: str):
    """Yield each app's `function_name` from `<app>.<module_name>`, where it exists."""
    for app in CONTRIBUTING_APPS:
        if find_spec(f"{app}.{module_name}") is None:
            continue
        function = getattr(import_module(f"{app}.{module_name}"), function_name, None)
        if function is not None:
            yield function
