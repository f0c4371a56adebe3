"""Find the Chromium the browser tests drive; run as a script, fail loudly when there is none."""

import os
import shutil
import sys

CANDIDATES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]


def chromium_path() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


if __name__ == "__main__":
    path = chromium_path()
    if path is None:
        bar = "!" * 72
        sys.stderr.write(
            f"\n{bar}\n"
            "  No Chromium found: the browser tests (tests/browser/) cannot run.\n"
            "  Install Debian's Chromium:   sudo apt-get install -y chromium\n"
            "  or point at one:             CHROMIUM_PATH=/path/to/chromium make test\n"
            "  (Playwright's own browser download is not used by this project.)\n"
            f"{bar}\n\n"
        )
        sys.exit(1)
    print(f"Browser tests will drive {path}")
