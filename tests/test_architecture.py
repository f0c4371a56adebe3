"""The layout holds: who may import whom, every URL's code in the app its prefix names, and
modules and views small enough to read. A failure names the file and line to look at."""

import ast
import inspect
import re
from functools import cache
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent
# The numbers pages' package is numbers_app (label and URL namespace "numbers"): a package
# named numbers would hide the standard library's numbers module, which decimal imports.
APPS = ("accounts", "definitions", "meetings", "feedback", "numbers_app")

# Which domain apps each app must never import. The order is the dependency order: a later
# app may use an earlier one, never the reverse. accounts is the shell: it calls the others
# up by name through accounts/apps_registry.py, never by an import.
FORBIDDEN = {
    "accounts": {"definitions", "meetings", "feedback", "numbers_app"},
    "definitions": {"meetings", "feedback", "numbers_app"},
    "meetings": {"feedback", "numbers_app"},
    "feedback": {"numbers_app"},
}

MAX_MODULE_LINES = 500
MAX_VIEW_LINES = 40


def app_files(app: str) -> list[Path]:
    """The app's own Python files; migrations are generated and are not read for size."""
    return sorted(
        path
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


@cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def imports_of(path: Path):
    """(line, top-level package) for each import in the file, function-level ones too."""
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            yield node.lineno, node.module.split(".")[0]


def where(path: Path, line: int) -> str:
    return f"{path.relative_to(ROOT)}:{line}"


# --- (a) imports -----------------------------------------------------------------------------


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_never_imports_the_apps_that_build_on_it(app):
    offending = [
        f"{where(path, line)} imports {package}"
        for path in app_files(app)
        for line, package in imports_of(path)
        if package in FORBIDDEN[app]
    ]
    assert app_files(app), f"no Python files found in {app}/"
    assert not offending, "\n".join(offending)


def test_feedback_holds_no_numbers_code():
    """The numbers pages are their own app (numbers_app/), reached through the hooks."""
    left = [str(p.relative_to(ROOT)) for p in app_files("feedback") if "numbers" in p.stem]
    assert not left, "\n".join(left)


# --- (b) every URL's code lives in the app its prefix names -----------------------------------

# /<prefix>/… → the packages its views may come from. accounts serves "/" (home, health) and
# wires Django's own sign-in views under /accounts/.
PREFIX_OWNERS = {
    "": {"accounts"},
    "healthz": {"accounts"},
    "accounts": {"accounts", "django.contrib.auth"},
    "definitions": {"definitions"},
    "meetings": {"meetings"},
    "feedback": {"feedback"},
    "numbers": {"numbers_app"},
}

# The API (config/api.py mounts each app's api.py router) is nested under the definition a
# client reads or feeds, so its first segment names no app. The rule: each operation lives in
# `<app>/api.py`, where <app> owns the resource named by the segment after the definition
# (`/api/v1/definitions/<id>/<resource>/…`); the list itself belongs to definitions. A new
# resource gets a row here, which is where a newcomer looks it up.
API_RESOURCE_OWNERS = {
    "": "definitions",  # /api/v1/definitions, the list
    "versions": "definitions",
    "submissions": "definitions",
    "check": "feedback",
    "leads": "feedback",
}
# The schema and the API's index are django-ninja's own.
API_FRAMEWORK_ROUTES = {"api/v1/", "api/v1/openapi.json"}

# The admin: each model's pages are served by its ModelAdmin, which for our apps lives in
# <app>/admin.py (the label in /admin/<label>/… is the app's); the site's own pages (index,
# login, app index, catch-all) and its redirects are Django's.
ADMIN_SITE_OWNERS = {"django"}


def url_patterns(patterns=None, prefix=""):
    """(route, callback) for every URL of the project, nested includes walked."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def api_operations(callback):
    """The functions behind a django-ninja route (its PathView's operations)."""
    from ninja.operation import PathView

    for cell in getattr(callback, "__closure__", None) or ():
        if isinstance(cell.cell_contents, PathView):
            yield from (operation.view_func for operation in cell.cell_contents.operations)


def view_module(callback) -> str:
    target = getattr(callback, "view_class", None) or getattr(callback, "func", callback)
    return target.__module__


def owned_by(module: str, owners) -> bool:
    return any(module == owner or module.startswith(owner + ".") for owner in owners)


def admin_misplacements(route, callback):
    from django.contrib.admin import ModelAdmin

    model_admin = getattr(inspect.unwrap(callback), "__self__", None)
    if not isinstance(model_admin, ModelAdmin):
        if not owned_by(view_module(callback), ADMIN_SITE_OWNERS):
            yield f"/{route} is served by {view_module(callback)}, not the admin site"
        return
    label = route.split("/")[1]
    module = type(model_admin).__module__
    if model_admin.model._meta.app_label != label:
        yield f"/{route} is the admin of {model_admin.model._meta.label}, not of {label}"
    elif label in APPS and module != f"{label}.admin":
        yield f"/{route} is served by {module}, not {label}.admin"


def url_misplacements():
    for route, callback in url_patterns():
        first = route.split("/", 1)[0]
        if first == "api":
            if route in API_FRAMEWORK_ROUTES:
                continue
            parts = route.split("/")
            resource = parts[4] if len(parts) > 4 else ""
            owner = API_RESOURCE_OWNERS.get(resource)
            functions = list(api_operations(callback))
            if owner is None or not functions:
                yield f"/{route}: no rule says which app serves it (API_RESOURCE_OWNERS)"
                continue
            for function in functions:
                if function.__module__ != f"{owner}.api":
                    yield f"/{route} is served by {function.__module__}, not {owner}.api"
        elif first == "admin":
            yield from admin_misplacements(route, callback)
        else:
            owners = PREFIX_OWNERS.get(first)
            module = view_module(callback)
            if owners is None:
                yield f"/{route}: the prefix /{first}/ belongs to no app (PREFIX_OWNERS)"
            elif not owned_by(module, owners):
                yield f"/{route} is served by {module}, not by {' or '.join(sorted(owners))}"


def test_every_url_is_served_by_the_app_its_prefix_names():
    assert list(url_patterns()), "the URLconf is empty"
    misplaced = list(url_misplacements())
    assert not misplaced, "\n".join(misplaced)


# --- (c) sizes --------------------------------------------------------------------------------


def test_no_module_of_the_apps_is_longer_than_a_reader_holds():
    too_long = [
        f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_MODULE_LINES})"
        for app in APPS
        for path in app_files(app)
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    ]
    assert not too_long, "\n".join(too_long)


def our_view_functions():
    """Every function the URLconf (and the API) calls in our apps, undecorated."""
    seen = set()
    for _route, callback in url_patterns():
        candidates = list(api_operations(callback)) or [callback]
        for candidate in candidates:
            function = inspect.unwrap(getattr(candidate, "view_class", candidate))
            module = getattr(function, "__module__", "") or ""
            if module.split(".")[0] not in APPS or not inspect.isfunction(function):
                continue
            key = (function.__code__.co_filename, function.__name__)
            if key not in seen:
                seen.add(key)
                yield Path(function.__code__.co_filename), function.__name__


def body_span(path: Path, name: str) -> tuple[int, int]:
    """(first line of the def, lines from the first statement of the body to the last)."""
    for node in ast.walk(parsed(path)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node.lineno, node.end_lineno - node.body[0].lineno + 1
    raise LookupError(f"{path}: no function {name}")


def test_no_view_is_longer_than_a_screen():
    views = list(our_view_functions())
    assert views, "no views found through the URLconf"
    too_long = [
        f"{where(path, line)} {name} has {span} lines (at most {MAX_VIEW_LINES})"
        for path, name in views
        for line, span in [body_span(path, name)]
        if span > MAX_VIEW_LINES
    ]
    assert not too_long, "\n".join(too_long)


# --- text that points outside the repository --------------------------------------------------

# The research is named (docs/research.md holds the sources once), the process steps by what
# they do; a reader of the code or the pages has no "seed 003" or "issue 7" to look up.
INTERNAL_REFERENCE = re.compile(r"\b(seed|issue|step)s? ?#?0*\d+\b", re.IGNORECASE)


def test_no_code_template_or_script_points_at_internal_documents():
    places = [
        *(path for app in APPS for path in app_files(app)),
        *(ROOT / "config").rglob("*.py"),
        *(ROOT / "templates").rglob("*.*"),
        *(ROOT / "static").rglob("*.js"),
        *(ROOT / "static").rglob("*.css"),
        ROOT / "README.md",
    ]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in places
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if INTERNAL_REFERENCE.search(line)
    ]
    assert not found, "\n".join(found)
