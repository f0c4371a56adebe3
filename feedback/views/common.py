"""What the feedback views share: the facilitator permission, reading all feedback, CSV."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse

from feedback import csv_io, permissions

FACILITATE = "feedback.facilitate"


def feedback_reader_required(view):
    """Facilitators and executives read everyone's feedback; others get a 403 saying so."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not permissions.reads_all_feedback(request.user):
            raise PermissionDenied(
                "To read everyone's feedback, you need the Facilitator role or the Executive role."
            )
        return view(request, *args, **kwargs)

    return wrapped


def errors_of(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [m for messages_ in error.message_dict.values() for m in messages_]
    return list(error.messages)


def csv_response(filename: str, header, rows) -> HttpResponse:
    response = HttpResponse(csv_io.csv_write(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
