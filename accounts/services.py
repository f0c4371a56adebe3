"""Writes about people: profile preferences and personal API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, User

TOKEN_PREFIX = "acc_"


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns it with the raw secret, which is never stored nor shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the token after what will use it."})
    # The rate limit is per person, and a person needs few tokens: revoke one to add one.
    user = User.objects.select_for_update().get(pk=user.pk)
    if ApiToken.objects.active().filter(user=user).count() >= settings.API_TOKENS_PER_PERSON:
        raise ValidationError(
            {
                "name": f"You already have {settings.API_TOKENS_PER_PERSON} tokens; "
                "revoke one you no longer use first."
            }
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=raw[:12], digest=token_digest(raw))
    token.full_clean()
    token._change_reason = "Token created"
    token.save()
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    if token.user_id != by.pk:
        raise ValidationError("You can only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token._change_reason = "Token revoked"
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token matching `raw`, or None. Marks when it was last used (once a minute)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.active().select_related("user").filter(digest=token_digest(raw)).first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        # last_used_at is excluded from the token's history, so this update leaves no hole.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def profile_preferences_update(*, user: User, announcements: bool) -> User:
    user.announcements = announcements
    user._change_reason = "Preferences changed"
    user.save(update_fields=["announcements"])
    return user


READ_LINK_SALT = "accord.read-link"


def read_key_for(user: User) -> str:
    """A key that lets feed readers and intranet frames read as `user`, and do nothing else.

    Unlike an API token it carries no write rights, so it may travel in a URL. It works
    until the person replaces their links (`read_keys_replace`) or leaves.
    """
    return signing.dumps([user.pk, user.read_key_generation], salt=READ_LINK_SALT, compress=True)


def read_key_user(key: str) -> User | None:
    try:
        payload = signing.loads(key, salt=READ_LINK_SALT)
    except signing.BadSignature:
        return None
    # Keys from before generations were signed with the person's id alone: generation 0.
    pk, generation = (payload, 0) if isinstance(payload, int) else payload
    return User.objects.active().filter(pk=pk, read_key_generation=generation).first()


@transaction.atomic
def read_keys_replace(*, user: User) -> User:
    """Stop every feed and embed link the person has handed out; new ones replace them."""
    user = User.objects.select_for_update().get(pk=user.pk)
    user.read_key_generation += 1
    user._change_reason = "Feed and embed links replaced"
    user.save(update_fields=["read_key_generation"])
    return user
