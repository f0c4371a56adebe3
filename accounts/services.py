"""Writes about people: profile preferences and personal API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken, Department, User

TOKEN_PREFIX = "acc_"

# The roles that approve and publish the definition; their holders vote on it too.
EXECUTIVE_PERMISSIONS = ("approve_version", "publish_version")
EXECUTIVE_NEEDS_DEPARTMENT = (
    "An executive votes on the definition, and a vote counts in its voter's department: "
    "choose marketing or sales for this person, or remove the Executive role."
)


def person_roles_validate(*, department: str, groups) -> None:
    """Refuse an executive outside marketing and sales (their vote would count nowhere)."""
    if department in (Department.MARKETING, Department.SALES):
        return
    executive = any(
        group.permissions.filter(
            content_type__app_label="definitions", codename__in=EXECUTIVE_PERMISSIONS
        ).exists()
        for group in groups
    )
    if executive:
        raise ValidationError({"department": EXECUTIVE_NEEDS_DEPARTMENT})


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


def _last_use_key(token_id: int) -> str:
    return f"accounts:token:{token_id}:last-used"


def api_token_authenticate(raw: str, *, writes: bool = True) -> ApiToken | None:
    """The active token matching `raw`, or None. Marks when it was last used (once a
    minute): in the database for a request that writes anyway, in the shared cache for a
    read (a GET writes nothing to the database)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.active().select_related("user").filter(digest=token_digest(raw)).first()
    )
    if token is None:
        return None
    now = timezone.now()
    if not writes:
        cache.set(_last_use_key(token.pk), now, None)
    elif token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        # last_used_at is excluded from the token's history, so this update leaves no hole.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def tokens_with_last_use(tokens) -> list[ApiToken]:
    """The tokens, each `last_used_at` the later of its stored and its cached (read) use."""
    tokens = list(tokens)
    cached = cache.get_many([_last_use_key(token.pk) for token in tokens])
    for token in tokens:
        seen = cached.get(_last_use_key(token.pk))
        if seen and (token.last_used_at is None or seen > token.last_used_at):
            token.last_used_at = seen
    return tokens


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
