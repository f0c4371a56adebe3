"""Navigation shown to each person: only what their role may use."""

from django.urls import reverse

from accounts.apps_registry import hooks


def navigation(request):
    """The person's navigation, worked out only if the template shows it (an htmx partial
    does not), and once per request however many templates it renders."""
    return {"nav_items": lambda: _nav_items(request)}


def _nav_items(request) -> list[dict]:
    cached = getattr(request, "_accord_nav_items", None)
    if cached is None:
        cached = request._accord_nav_items = _nav_items_compute(request)
    return cached


def _nav_items_compute(request) -> list[dict]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = [("home", reverse("home"), "What needs me")]
    for nav_items in hooks("navigation", "nav_items"):
        items.extend(nav_items(user))
    if user.is_staff:
        items.append(("admin", reverse("admin:index"), "Admin"))
    path = request.path
    return [
        {"key": key, "url": url, "label": label, "current": _is_current(path, url)}
        for key, url, label in items
    ]


def _is_current(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)
