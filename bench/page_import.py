"""Import a generated file through the pages of running servers, and watch its progress.

Signs in as the demo facilitator on --base, uploads a HubSpot export of --rows leads for
the demo's open cycle, runs the dry run, presses Import, then polls the progress fragment
on --poll (another server, or the same) until the import ends, printing what each poll
showed. Every answer that is not 200 is counted. Needs the demo data (`manage.py seed_demo`)
and a task worker beside the servers.

    .venv/bin/python bench/page_import.py --base http://127.0.0.1:8000 --rows 60000
"""

import argparse
import random
import re
import sys
import time
from html.parser import HTMLParser

import requests

OWNERS = ["sam@northwind.example", "jo@northwind.example", "kwame@northwind.example"]
HEADER = "Record ID,First Name,Last Name,Email,Company Name,Job Title,Industry,"
HEADER += "Number of Employees,Lifecycle Stage,Lead Status,Contact owner,Original Source"


def generate(rows: int, prefix: str) -> bytes:
    rng = random.Random(7)
    lines = [HEADER]
    for n in range(1, rows + 1):
        lines.append(
            f"{prefix}-{n},F{n},L{n},p{n}@ex.com,Co {n},"
            + rng.choice(["VP Operations", "CFO", "Analyst", "Owner"])
            + ","
            + rng.choice(["Retail", "Logistics", "Software"])
            + f",{rng.choice([10, 250, 5000])},marketingqualifiedlead,New,"
            + f"{OWNERS[n % len(OWNERS)]},Paid Search"
        )
    return ("\r\n".join(lines) + "\r\n").encode()


class Selects(HTMLParser):
    """The selected value of every <select> in a form (the column mapping)."""

    def __init__(self):
        super().__init__()
        self.values, self._name = {}, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self._name = attrs.get("name")
            self.values.setdefault(self._name, "")
        elif tag == "option" and self._name and "selected" in attrs:
            self.values[self._name] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._name = None


def token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--poll", help="the server to poll (default: --base)")
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--every", type=float, default=0.5, help="seconds between polls")
    args = parser.parse_args()
    base, poll = args.base.rstrip("/"), (args.poll or args.base).rstrip("/")
    web = requests.Session()
    page = web.get(f"{base}/accounts/sign-in/").text
    web.post(
        f"{base}/accounts/sign-in/",
        data={
            "username": "facilitator@northwind.example",
            "password": "accord-demo-2026",
            "csrfmiddlewaretoken": token(page),
        },
        headers={"Referer": f"{base}/accounts/sign-in/"},
    ).raise_for_status()
    page = web.get(f"{base}/feedback/imports/new/").text
    cycle = re.search(r'<option value="(\d+)" selected', page).group(1)
    data = generate(args.rows, f"P{int(time.time())}")
    print(f"Uploading {args.rows} rows ({len(data) / 1024 / 1024:.1f} MB) to {base}")
    started = time.monotonic()
    response = web.post(
        f"{base}/feedback/imports/new/",
        data={"csrfmiddlewaretoken": token(page), "kind": "leads", "cycle": cycle},
        files={"file": ("page-import.csv", data, "text/csv")},
        headers={"Referer": f"{base}/feedback/imports/new/"},
    )
    response.raise_for_status()
    url = response.url
    if "/feedback/imports/new/" in url:
        sys.exit("The upload was refused: " + re.sub(r"\s+", " ", response.text)[-600:])
    selects = Selects()
    selects.feed(response.text)
    print(f"Uploaded in {time.monotonic() - started:.1f} s: {url}; dry run…")
    started = time.monotonic()
    response = web.post(
        url,
        data={"csrfmiddlewaretoken": token(response.text), "action": "dry_run", **selects.values},
        headers={"Referer": url},
    )
    response.raise_for_status()
    if "data-dry-run-ok" not in response.text:
        sys.exit("The dry run found problems.")
    print(f"Dry run passed in {time.monotonic() - started:.1f} s; importing")
    started = time.monotonic()
    response = web.post(
        url,
        data={"csrfmiddlewaretoken": token(response.text), "action": "import"},
        headers={"Referer": url},
        allow_redirects=False,
    )
    print(f"Import pressed: {response.status_code} in {time.monotonic() - started:.2f} s")
    progress_url = f"{poll}/feedback/imports/{url.rstrip('/').rsplit('/', 1)[1]}/progress/"
    failures, shown = 0, []
    while True:
        answer = web.get(progress_url)
        moment = time.monotonic() - started
        if answer.status_code != 200:
            failures += 1
            print(f"{moment:6.1f} s  HTTP {answer.status_code}")
        else:
            found = re.search(r"(\d+) of (\d+) rows written|Waiting for a worker", answer.text)
            text = found.group(0) if found else ""
            if "data-imported" in answer.text:
                text = "Imported: " + re.search(r"\d+ created[^<]*", answer.text).group(0)
            elif "data-import-errors" in answer.text:
                text = "Failed: " + re.sub(r"\s+", " ", answer.text)[:300]
            if not shown or shown[-1] != text:
                print(f"{moment:6.1f} s  {text}")
            shown.append(text)
            if text.startswith(("Imported", "Failed")):
                break
        if moment > 900:
            sys.exit("Gave up after 15 minutes.")
        time.sleep(args.every)
    print(f"{len(shown) + failures} polls of {poll}, {failures} not answered 200.")


if __name__ == "__main__":
    main()
