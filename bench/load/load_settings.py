"""The production settings, plus the two bare pages the load run compares every page with."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
