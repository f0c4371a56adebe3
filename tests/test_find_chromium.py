"""`make test` on a machine without Chromium installs one, or says loudly what to do."""

import subprocess
import sys

import pytest

from tests import find_chromium


@pytest.fixture
def no_chromium(monkeypatch, tmp_path):
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    installed = {"done": False}
    monkeypatch.setattr(
        find_chromium.shutil,
        "which",
        lambda name: (
            "/usr/bin/apt-get"
            if name == "apt-get"
            else ("/usr/bin/chromium" if name == "chromium" and installed["done"] else None)
        ),
    )
    return installed


def test_as_root_it_installs_debians_chromium_with_apt_get(no_chromium, monkeypatch):
    commands = []

    def run(command, env):
        commands.append(command)
        if command[:2] == ["apt-get", "install"]:
            no_chromium["done"] = True
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(find_chromium.os, "geteuid", lambda: 0)
    monkeypatch.setattr(find_chromium.subprocess, "run", run)
    assert find_chromium.chromium_path() is None
    find_chromium.chromium_install()
    assert commands == [
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "chromium"],
    ]
    assert find_chromium.chromium_path() == "/usr/bin/chromium"


def test_without_root_it_tries_playwrights_download(no_chromium, monkeypatch):
    commands = []
    monkeypatch.setattr(find_chromium.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(
        find_chromium.subprocess,
        "run",
        lambda command, env: commands.append(command) or subprocess.CompletedProcess(command, 1),
    )
    find_chromium.chromium_install()
    assert commands == [[sys.executable, "-m", "playwright", "install", "chromium"]]


def test_a_playwright_build_is_found_where_playwright_puts_it(no_chromium, tmp_path):
    build = tmp_path / ".cache/ms-playwright/chromium-1200/chrome-linux64/chrome"
    build.parent.mkdir(parents=True)
    build.write_text("")
    build.chmod(0o755)
    assert find_chromium.chromium_path() == str(build)


def test_when_nothing_works_it_fails_loudly_saying_what_to_do(tmp_path):
    result = subprocess.run(
        [sys.executable, find_chromium.__file__],
        env={"PATH": str(tmp_path), "HOME": str(tmp_path), "CHROMIUM_PATH": str(tmp_path / "x")},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "sudo apt-get install -y chromium" in result.stderr
    assert "CHROMIUM_PATH=" in result.stderr
