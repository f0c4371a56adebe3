"""The numbers app sits on top: it imports feedback and definitions, and no other app imports
it (the home section and the navigation item reach the shell through the apps registry)."""

import ast
from pathlib import Path

import pytest

from accounts.apps_registry import CONTRIBUTING_APPS, hooks
from numbers_app.navigation import nav_items
from numbers_app.selectors import home_sections

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(app: str) -> set[str]:
    found = set()
    for path in (ROOT / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
    return found


@pytest.mark.parametrize("app", ["accounts", "definitions", "meetings", "feedback", "config"])
def test_no_other_app_imports_the_numbers(app):
    assert not {m for m in imported_modules(app) if m.split(".")[0] == "numbers_app"}


def test_feedback_keeps_no_numbers_code():
    assert not [p.name for p in (ROOT / "feedback").rglob("*numbers*.py")]
    assert not [p.name for p in (ROOT / "templates" / "feedback").glob("*numbers*.html")]


def test_the_home_section_and_navigation_come_through_the_registry():
    assert "numbers_app" in CONTRIBUTING_APPS
    assert home_sections in list(hooks("selectors", "home_sections"))
    assert nav_items in list(hooks("navigation", "nav_items"))
