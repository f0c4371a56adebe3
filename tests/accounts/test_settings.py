"""The production settings: refuse to start without a secret, pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "ACCORD_ENV": "production",
    "SECRET_KEY": "k3Lr9vQ2xW8zT5mN1pB7yH4dF6gJ0sA2cE9uI3oP5qR8tY1wZ4xV7bN2mK6jH9g",
    "ALLOWED_HOSTS": "accord.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://accord.example.com",
    "SITE_URL": "https://accord.example.com",
    "DATABASE_URL": "sqlite:////tmp/accord-deploy-check.sqlite3",
    "CACHE_URL": "redis://cache.internal:6379/0",
}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION and k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_under_the_readme_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_warns_when_the_servers_would_not_share_a_cache_or_a_task_queue():
    env = {k: v for k, v in PRODUCTION.items() if k != "CACHE_URL"} | {"TASK_BACKEND": "immediate"}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "accord.W001" in result.stderr and "CACHE_URL" in result.stderr
    assert "accord.W002" in result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_its_site_url():
    env = {k: v for k, v in PRODUCTION.items() if k != "SITE_URL"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SITE_URL must be set" in result.stderr


def test_pages_are_kept_only_with_a_cache_every_server_shares():
    show = (
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.KEPT_PAGES)",
    )
    assert manage(*show, env=PRODUCTION).stdout.strip() == "True"
    alone = manage(*show, env={**PRODUCTION, "CACHE_URL": ""})
    assert alone.stdout.strip() == "False", alone.stderr
