"""A helper for the permission matrix every protected view gets."""

from django.test import Client

LOGIN = "login"


def assert_matrix(url: str, expectations: dict, *, method: str = "get", data=None) -> None:
    """`expectations` maps a person (None for anonymous) to a status code or LOGIN.

    LOGIN means: redirected to the sign-in page with this URL as `next`.
    """
    for user, expected in expectations.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        response = getattr(client, method)(url, data or {})
        who = "anonymous" if user is None else f"{user} ({', '.join(user.role_names)})"
        if expected == LOGIN:
            assert response.status_code == 302, f"{who}: expected a sign-in redirect"
            assert response["Location"].startswith("/accounts/sign-in/"), who
        else:
            assert response.status_code == expected, (
                f"{who}: expected {expected}, got {response.status_code}"
            )
