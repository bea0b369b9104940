"""The users that benchmarks/load.py lets locust run (not a benchmark of its own).

LOAD_PLAN names the JSON file load.py wrote: the neighbours to log in as (each user takes the next), and for each
a few posts to open and the match whose conversation it reads. Every page must answer 200 without a redirect:
a log-in page instead of the feed is an error.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path

from locust import FastHttpUser, constant, task

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
SLUG = PLAN["slug"]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_next_person = itertools.count()


class _Client(FastHttpUser):
    abstract = True
    wait_time = constant(0)  # closed loop without think time: the figure is throughput

    def page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")


class Neighbour(_Client):
    """A logged-in neighbour who is a broker and treasurer too."""

    weight = 6

    def on_start(self) -> None:
        self.me = PLAN["users"][next(_next_person) % len(PLAN["users"])]
        form = self.client.get("/login", name="login")
        token = CSRF.search(form.text)
        with self.client.post("/login", name="login", allow_redirects=False, catch_response=True, data={
                "csrf_token": token.group(1) if token else "", "email": self.me["email"],
                "password": PLAN["password"]}) as response:
            if response.status_code != 302:
                response.failure(f"log-in answered {response.status_code}")

    @task
    def feed(self) -> None:
        self.page("/posts", "feed")

    @task
    def post(self) -> None:
        self.page(f"/posts/{random.choice(self.me['posts'])}", "post")

    @task
    def my_help(self) -> None:
        self.page("/my/posts", "my help")

    @task
    def conversation(self) -> None:
        self.page(f"/matches/{self.me['match']}", "conversation")

    @task
    def broker_queue(self) -> None:
        self.page(f"/broker/{SLUG}", "broker queue")

    @task
    def pot_overview(self) -> None:
        self.page(f"/pot/{SLUG}/books", "pot overview")


class Visitor(_Client):
    """Someone not logged in, on the home page."""

    weight = 1

    @task
    def home(self) -> None:
        self.page("/", "home (anonymous)")


class Bare(_Client):
    """The floor: the bare one-query page that load.py mounts beside the app (a run of its own)."""

    @task
    def bare(self) -> None:
        self.page("/bench/bare", "bare page")
