"""Navigation shown to each person: only what their role may use."""

from django.urls import reverse

from accounts.apps_registry import hooks


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("home", reverse("home"), "What needs me")]
    for nav_items in hooks("navigation", "nav_items"):
        items.extend(nav_items(user))
    if user.is_staff:
        items.append(("admin", reverse("admin:index"), "Admin"))
    path = request.path
    return {
        "nav_items": [
            {"key": key, "url": url, "label": label, "current": _is_current(path, url)}
            for key, url, label in items
        ]
    }


def _is_current(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)
