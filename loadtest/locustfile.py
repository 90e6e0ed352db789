"""Simulated students, mentors and coaches for locust: each logs in through the login
form, then writes weekly logs or feedback, registrations and comments through the real
forms, as a browser does (open the form, send it, follow the redirect).

Every write carries a unique marker in its text. Each attempt is appended to the
ledger (`LOADTEST_LEDGER`, one JSON object a line) before it is sent and again with
its outcome, so the runner can compare what the server acknowledged (a 302 to the
page the form leads to) with what is in the database. The world to write into is
read from `LOADTEST_WORLD` (written by `loadtest/run.py`).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from datetime import date, timedelta
from html import unescape
from pathlib import Path

from locust import HttpUser, between, events, task

WORLD = json.loads(Path(os.environ["LOADTEST_WORLD"]).read_text())
LEDGER = Path(os.environ["LOADTEST_LEDGER"]).open("a", buffering=1)  # noqa: SIM115
# Every request's time, exact (locust's own percentiles are rounded): "name<TAB>ms".
TIMINGS = Path(os.environ["LOADTEST_TIMINGS"]).open("a", buffering=1)  # noqa: SIM115
THINK = (
    float(os.environ.get("LOADTEST_THINK_MIN", 2)),
    float(os.environ.get("LOADTEST_THINK_MAX", 5)),
)

INPUT = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
JUDGEMENT = re.compile(r"judgements-(\d+)-(\w+)")


@events.request.add_listener
def record_time(request_type: str, name: str, response_time: float, **_details) -> None:
    TIMINGS.write(f"{request_type} {name}\t{response_time:.1f}\n")


def new_marker() -> str:
    return f"LT-{uuid.uuid4().hex}"


def inputs(page: str) -> list[dict[str, str]]:
    """The attributes of every <input> of a page, unescaped."""
    return [
        {name: unescape(value) for name, value in ATTRIBUTE.findall(tag)}
        for tag in INPUT.findall(page)
    ]


def csrf_token(page: str) -> str:
    for attributes in inputs(page):
        if attributes.get("name") == "csrf_token":
            return attributes.get("value", "")
    return ""


def registration_form(page: str, marker: str) -> dict[str, str]:
    """The registration form as sent with one indicator judged (a random one, a random
    level, the marker as its note) and the others left open.
    """
    hidden: dict[str, str] = {}
    levels: dict[int, list[str]] = {}
    for attributes in inputs(page):
        name = attributes.get("name", "")
        match = JUDGEMENT.fullmatch(name)
        if match is None:
            continue
        index, part = int(match.group(1)), match.group(2)
        if part in ("indicator", "based_on"):
            hidden[name] = attributes.get("value", "")
        elif part == "level":
            levels.setdefault(index, []).append(attributes.get("value", ""))
    data = {"csrf_token": csrf_token(page), **hidden}
    if levels:
        index = random.choice(sorted(levels))
        data[f"judgements-{index}-setting"] = "workplace"
        data[f"judgements-{index}-level"] = random.choice(levels[index])
        data[f"judgements-{index}-note"] = f"Seen at work {marker}"
    return data


class Participant(HttpUser):
    """One person of a placement's trio; subclasses say which and what they write."""

    abstract = True
    wait_time = between(*THINK)
    role = ""

    def on_start(self) -> None:
        self.account = WORLD[self.role][next(COUNTERS[self.role])]
        self.targets = self.account["placements"]
        page = self.client.get("/login", name="/login").text
        with self.client.post(
            "/login",
            data={
                "csrf_token": csrf_token(page),
                "email": self.account["email"],
                "password": WORLD["password"],
                "next": "",
            },
            allow_redirects=False,
            catch_response=True,
            name="/login",
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {self.account['email']} gave {response.status_code}")

    def target(self) -> dict:
        return random.choice(self.targets)

    def write(self, kind: str, url: str, name: str, data: dict, marker: str, lands_on: str):
        """POST a form; a 302 to `lands_on` is an acknowledged write, then followed."""
        record = {"marker": marker, "kind": kind, "user": self.account["email"]}
        LEDGER.write(json.dumps({**record, "outcome": "sent"}) + "\n")
        with self.client.post(
            url, data=data, allow_redirects=False, catch_response=True, name=name
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code == 302 and lands_on in location:
                LEDGER.write(json.dumps({**record, "outcome": "acked"}) + "\n")
                response.success()
            else:
                LEDGER.write(
                    json.dumps({**record, "outcome": "failed", "status": response.status_code})
                    + "\n"
                )
                response.failure(f"{kind}: {response.status_code} {location}")
                return
        self.client.get(location, name=lands_on_name(location))

    def comment(self) -> None:
        target = self.target()
        entry_url = f"/placements/{target['placement']}/log/{target['entry']}"
        page = self.client.get(entry_url, name="/placements/[id]/log/[entry]").text
        marker = new_marker()
        self.write(
            "comment",
            entry_url + "/comments",
            "/placements/[id]/log/[entry]/comments",
            {"csrf_token": csrf_token(page), "body": f"Noted. {marker}"},
            marker,
            entry_url,
        )

    def register(self) -> None:
        url = f"/placements/{self.target()['placement']}/register"
        page = self.client.get(url, name="/placements/[id]/register").text
        marker = new_marker()
        self.write(
            "registration",
            url,
            "/placements/[id]/register",
            registration_form(page, marker),
            marker,
            "/matrix",
        )

    def write_entry(self, kind: str, sections: dict[str, str], **fields) -> None:
        placement = self.target()["placement"]
        url = f"/placements/{placement}/log/new/{kind}"
        page = self.client.get(url, name=f"/placements/[id]/log/new/{kind}").text
        marker = new_marker()
        data = {"csrf_token": csrf_token(page), **fields}
        data.update({name: f"{text} {marker}" for name, text in sections.items()})
        self.write(kind, url, f"/placements/[id]/log/new/{kind}", data, marker, "/log")


def lands_on_name(location: str) -> str:
    """The name a followed redirect is counted under: its path with ids left out."""
    path = re.sub(r"^https?://[^/]+", "", location).split("#")[0]
    return re.sub(r"/\d+", "/[id]", path)


COUNTERS = {role: itertools.count() for role in ("students", "mentors", "coaches")}


class Student(Participant):
    """Writes a weekly log (a week further back each time), registers, comments."""

    role = "students"
    fixed_count = len(WORLD["students"])

    def on_start(self) -> None:
        super().on_start()
        self.weeks_back = itertools.count()

    @task(3)
    def weekly_log(self) -> None:
        today = date.today()
        week = today - timedelta(days=today.weekday(), weeks=next(self.weeks_back))
        self.write_entry(
            "weekly_log",
            {"did": "Wired a distribution board.", "went_well": "Asked in time."},
            week=week.isoformat(),
            wellbeing="4",
            submit="Submit",
        )

    @task(2)
    def registration(self) -> None:
        self.register()

    @task(2)
    def reply(self) -> None:
        self.comment()


class Mentor(Participant):
    """Gives feedback on any of their students, registers and comments."""

    role = "mentors"
    fixed_count = len(WORLD["mentors"])

    @task(2)
    def feedback(self) -> None:
        self.write_entry(
            "feedback",
            {"went_well": "Clean cable runs.", "work_on": "Label each circuit."},
        )

    @task(2)
    def registration(self) -> None:
        self.register()

    @task(3)
    def reply(self) -> None:
        self.comment()


class Coach(Participant):
    """Records agreements, registers and comments on any of their students."""

    role = "coaches"
    fixed_count = len(WORLD["coaches"])

    @task(1)
    def agreement(self) -> None:
        self.write_entry("agreement", {"body": "Portfolio complete by Friday."})

    @task(1)
    def registration(self) -> None:
        self.register()

    @task(3)
    def reply(self) -> None:
        self.comment()
