"""The one decorator views use to ask for a permission."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden

from accounts.roles import roles_needing


def permission_required(perm: str, *, action: str):
    """Require sign-in, then `perm`; a refusal is a 403 page naming the role that is needed.

    `action` completes the sentence "Only a <role> can ...".
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            permission_require(request.user, perm, action=action)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def permission_require(user, perm: str, *, action: str) -> None:
    """Raise PermissionDenied naming the role that is needed, unless `user` holds `perm`.

    Services call this for the rules about roles; views get it through the decorator.
    """
    if not user.has_perm(perm):
        raise PermissionDenied(refusal_message(perm, action))


def refusal_message(perm: str, action: str) -> str:
    roles = roles_needing(perm)
    who = " or ".join(f"the {role} role" for role in roles) or "a permission you do not have"
    return f"To {action}, you need {who}."


def login_or_read_key_required(view):
    """For read-only exports (feed, Markdown, JSON, embed): a signed-in session, or a read
    key in `?key=` (from the version page) for feed readers and frames that carry no session.
    A read key grants reading only; an API token is never accepted in a URL."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            from accounts.services import read_key_user

            key = request.GET.get("key", "")
            if not key:
                return redirect_to_login(request.path)
            reader = read_key_user(key)
            if reader is None:
                return HttpResponseForbidden(
                    "This read link is not valid. Copy a fresh one from the version page.",
                    content_type="text/plain",
                )
            request.user = reader
        return view(request, *args, **kwargs)

    return wrapped
