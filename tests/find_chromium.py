"""Find the Chromium the browser tests drive; run as a script (`make test` does), install one
when there is none, and fail loudly, saying what to do, when that cannot be done here."""

import glob
import os
import shutil
import subprocess
import sys

CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
# Where `playwright install chromium` puts its own build.
PLAYWRIGHT_BUILDS = "~/.cache/ms-playwright/chromium-*/chrome-linux*/chrome"


def chromium_path() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    builds = sorted(glob.glob(os.path.expanduser(PLAYWRIGHT_BUILDS)), reverse=True)
    return next((path for path in builds if os.access(path, os.X_OK)), None)


def _run(command: list[str]) -> bool:
    print("  $ " + " ".join(command), flush=True)
    try:
        return (
            subprocess.run(
                command, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            ).returncode
            == 0
        )
    except OSError as error:
        print(f"    {error}")
        return False


def chromium_install() -> None:
    """Debian's chromium through apt-get when we are root, else Playwright's download."""
    if os.environ.get("CHROMIUM_PATH"):
        return  # pointed at one that is not there: installing another would hide that
    print("No Chromium found for the browser tests: installing one.", flush=True)
    apt = ["apt-get", "install", "-y", "-qq", "chromium"]
    if shutil.which("apt-get"):
        if os.geteuid() == 0:
            if _run(["apt-get", "update", "-qq"]) and _run(apt):
                return
        # Never prompt for a password: only where sudo needs none.
        elif shutil.which("sudo") and _run(["sudo", "-n", *apt]):
            return
    _run([sys.executable, "-m", "playwright", "install", "chromium"])


if __name__ == "__main__":
    path = chromium_path()
    if path is None:
        chromium_install()
        path = chromium_path()
    if path is None:
        bar = "!" * 72
        sys.stderr.write(
            f"\n{bar}\n"
            "  No Chromium found, and installing one did not work here: the browser tests\n"
            "  (tests/browser/) cannot run. Do one of these, then run `make test` again:\n"
            "    sudo apt-get install -y chromium          (Debian, Ubuntu)\n"
            "    .venv/bin/python -m playwright install chromium   (needs the network)\n"
            "    CHROMIUM_PATH=/path/to/chromium make test  (a Chromium you already have)\n"
            f"{bar}\n\n"
        )
        sys.exit(1)
    print(f"Browser tests will drive {path}")
