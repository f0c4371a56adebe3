"""A digest of the code that drew or read what the shared cache keeps."""

import hashlib
from collections.abc import Iterable
from pathlib import Path

import django


def code_digest(paths: Iterable[Path]) -> str:
    """The digest of these files and Django's version (whose model pickles and template
    engine a kept value depends on): part of a cache key, so that a deploy that changes any
    of them never reads what the code before kept."""
    digest = hashlib.sha256(django.get_version().encode())
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
