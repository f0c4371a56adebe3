"""One way to confirm an irreversible action: a GET on the action's own URL shows what will
happen and a button that POSTs to that URL; only the POST writes.

Without JavaScript the page's button is a GET form to the action's URL, so the person lands
on this page; with it, `static/js/confirm.js` shows the same page's body in a <dialog>.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def confirmation(
    request: HttpRequest,
    *,
    title: str,
    consequences: list[str],
    button: str,
    back_url: str,
    fields: dict[str, str] | None = None,
) -> HttpResponse:
    """The confirmation page of the action at `request.path`: `consequences` say what the POST
    will do (each sentence a list item), `button` is the confirm button's text, `fields` are
    passed on as hidden inputs. Reads only."""
    context = {
        "title": title,
        "consequences": consequences,
        "button": button,
        "action": request.path,
        "back_url": back_url,
        "fields": (fields or {}).items(),
    }
    return render(request, "core/confirm.html", context)
