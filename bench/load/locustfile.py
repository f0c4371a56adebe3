"""The mixed journey (60 % reads of the main pages, 20 % htmx review saves, 20 % votes), or one
page at a time (LOAD_PAGE=name), against the server the load run started.

Each simulated person is one of the generated company's sales reps, signed in through a
session the run wrote (`world.json`), over the load balancer's HTTPS header.
"""

import json
import os
import random
import secrets
from pathlib import Path

from locust import HttpUser, constant_throughput, task

WORLD = json.loads((Path(__file__).parent / "world.json").read_text())
PAGE = os.environ.get("LOAD_PAGE", "")
RATE = float(os.environ.get("LOAD_RATE_PER_USER", "0"))


class Person(HttpUser):
    wait_time = constant_throughput(RATE) if RATE else (lambda self: 0)

    def on_start(self):
        self.me = random.choice(WORLD["reps"])
        token = secrets.token_hex(16)
        self.client.cookies.set("sessionid", self.me["session"])
        self.client.cookies.set("csrftoken", token)
        self.client.headers.update(
            {
                "X-Forwarded-Proto": "https",
                "X-CSRFToken": token,
                "Origin": f"https://{WORLD['host']}",
                "Referer": f"https://{WORLD['host']}/",
            }
        )
        self.decision = 0

    def get(self, name: str, url: str, **kwargs):
        # A redirect (to the sign-in page, say) is a failure, not the page.
        with self.client.get(
            url, name=name, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    def read(self, name: str):
        urls = {
            "home": "/",
            "definition": WORLD["definition"],
            "proposal": WORLD["proposal"],
            "proposals list": WORLD["proposals"],
            "meetings list": WORLD["meetings"],
            "meeting": WORLD["meeting"],
            "review queue": self.me["queue"],
            "lead": random.choice(self.me["leads"])[1],
            "numbers (cached)": WORLD["numbers"],
            "bare response": "/bench/bare/",
            "layout only": "/bench/layout/",
        }
        self.get(name, urls[name])

    def save(self):
        lead, _ = random.choice(self.me["leads"])
        self.decision += 1
        accept = self.decision % 2 == 0
        body = {
            f"lead-{lead}-agrees_with_stage": "yes" if accept else "no",
            f"lead-{lead}-decision": "accepted" if accept else "recycled",
        }
        if not accept:
            body[f"lead-{lead}-reasons"] = WORLD["reason"]
        headers = {"HX-Request": "true", "HX-Target": f"lead-{lead}"}
        url = f"{self.me['queue']}{lead}/"
        with self.client.post(
            url,
            body,
            headers=headers,
            name="review save",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200 or "errorlist" in response.text:
                response.failure(f"{response.status_code}")

    def vote(self):
        body = {"position": random.choice(["agree", "live_with"]), "comment": ""}
        headers = {"HX-Request": "true", "HX-Target": "voting"}
        with self.client.post(
            WORLD["vote"],
            body,
            headers=headers,
            name="vote",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task
    def journey(self):
        if PAGE == "review save":
            return self.save()
        if PAGE == "vote":
            return self.vote()
        if PAGE:
            return self.read(PAGE)
        roll = random.random()
        if roll < 0.6:
            self.read(
                random.choice(
                    [
                        "home",
                        "definition",
                        "proposal",
                        "proposals list",
                        "review queue",
                        "lead",
                        "numbers (cached)",
                        "meetings list",
                        "meeting",
                    ]
                )
            )
        elif roll < 0.8:
            self.save()
        else:
            self.vote()
