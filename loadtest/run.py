"""Run the load test: prepare a database, serve the app with gunicorn on loopback, let
locust's simulated users write for a while, then check that nothing was lost.

    python -m loadtest.run --users 50 --duration 60 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/load_tests

The database named by --database-url is EMPTIED first (its public schema is dropped);
without it, a SQLite file in a temporary folder is used. The run fails (exit status 1)
when a request failed, an acknowledged write is missing or stored twice, SQLite said
"database is locked", or the 95th percentile of response times is above --max-p95.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from app.models import Comment, LogEntry, Registration
from config import _normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"LT-[0-9a-f]{32}")
LOCKED = "database is locked"


@dataclass
class Summary:
    """What a run did and whether it kept every write; `failed` names the criteria missed."""

    database: str
    url: str
    users: int
    duration_s: int
    workers: int
    requests: int = 0
    failures: int = 0
    requests_per_s: float = 0.0
    # Exact percentiles over every request, and over those after logging in (a login
    # checks a password hash, slow on purpose, and all users log in at the start).
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    p95_after_login_ms: float = 0.0
    writes_sent: int = 0
    writes_acknowledged: int = 0
    writes_by_kind: dict[str, int] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    stored_without_acknowledgement: list[str] = field(default_factory=list)
    never_sent: list[str] = field(default_factory=list)
    database_locked: int = 0
    server_errors_logged: int = 0
    slowest: list[dict] = field(default_factory=list)
    failure_messages: list[str] = field(default_factory=list)
    cpus: int = 0
    # CPU time the server and the simulated users used, so that figures measured on a
    # busy machine can be read as capacity: how much CPU one request costs.
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    server_cpu_ms_per_request: float = 0.0
    load_before: list[float] = field(default_factory=list)
    load_after: list[float] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def server_environment(workdir: Path, database_url: str, port: int) -> dict[str, str]:
    """Production settings on loopback: a secret key, a public address, cookies over
    plain HTTP, and login limits no simulated user reaches (configuration, not code).
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("LEERSPOOR_", "MAIL_", "REDIS_URL", "DATABASE_URL"))
    }
    env.update(
        LEERSPOOR_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        LEERSPOOR_PUBLIC_URL=f"http://127.0.0.1:{port}",
        LEERSPOOR_INSTANCE_PATH=str(workdir / "instance"),
        DATABASE_URL=database_url,
        SESSION_COOKIE_SECURE="false",
        # Required in production; nothing the simulated users do sends an e-mail, and the
        # login limits below are out of reach, so counting them per worker is enough.
        MAIL_SERVER="127.0.0.1",
        REDIS_URL="memory://",
        LOGIN_ATTEMPTS_PER_MINUTE="100000",
        PYTHONUNBUFFERED="1",
    )
    return env


def wait_until_serving(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped with status {server.returncode}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer on {url} within {timeout:.0f} s")


def cpu_seconds(process: subprocess.Popen) -> float:
    """User and system CPU time of a running process and its children (0 once it ended)."""
    try:
        tree = psutil.Process(process.pid)
        total = 0.0
        for member in [tree, *tree.children(recursive=True)]:
            times = member.cpu_times()
            total += times.user + times.system
    except psutil.Error:
        return 0.0
    return round(total, 1)


def stop(process: subprocess.Popen) -> None:
    """Stop a process this runner started, and its children (its own process group)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def read_ledger(path: Path) -> dict[str, dict]:
    """Each marker's last known outcome: sent (no answer recorded), acked or failed."""
    attempts: dict[str, dict] = {}
    if not path.exists():
        return attempts
    for line in path.read_text().splitlines():
        record = json.loads(line)
        attempts.setdefault(record["marker"], {}).update(record)
    return attempts


def stored_markers(database_url: str) -> Counter:
    """In how many rows (entries, comments, registrations) each marker occurs: a write
    stored twice is two rows.
    """
    found: Counter = Counter()
    engine = create_engine(database_url)
    with Session(engine) as session:
        for sections in session.scalars(select(LogEntry.sections)):
            found.update(set(MARKER.findall(json.dumps(sections))))
        for body in session.scalars(select(Comment.body)):
            found.update(set(MARKER.findall(body)))
        for note in session.scalars(select(Registration.note)):
            found.update(set(MARKER.findall(note)))
    engine.dispose()
    return found


def read_stats(prefix: Path, summary: Summary) -> None:
    """Totals and percentiles from locust's CSV files, and the slowest endpoints."""
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():
        summary.failure_messages.append("locust wrote no statistics")
        return
    rows = list(csv.DictReader(stats_file.open()))
    for row in rows:
        if row["Name"] == "Aggregated":
            summary.requests = int(row["Request Count"])
            summary.failures = int(row["Failure Count"])
            summary.requests_per_s = round(float(row["Requests/s"]), 1)
    endpoints = [row for row in rows if row["Name"] != "Aggregated"]
    endpoints.sort(key=lambda row: float(row["95%"]), reverse=True)
    summary.slowest = [
        {
            "endpoint": f"{row['Type']} {row['Name']}",
            "requests": int(row["Request Count"]),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
        }
        for row in endpoints
    ]
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        summary.failure_messages += [
            f"{row['Occurrences']}× {row['Method']} {row['Name']}: {row['Error']}"
            for row in csv.DictReader(failures_file.open())
        ]


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of `values` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)])


def read_timings(path: Path, summary: Summary) -> None:
    times, after_login = [], []
    if path.exists():
        for line in path.read_text().splitlines():
            name, _tab, milliseconds = line.rpartition("\t")
            times.append(float(milliseconds))
            if not name.endswith("/login"):
                after_login.append(float(milliseconds))
    summary.p50_ms = percentile(times, 0.50)
    summary.p95_ms = percentile(times, 0.95)
    summary.p99_ms = percentile(times, 0.99)
    summary.max_ms = percentile(times, 1.0)
    summary.p95_after_login_ms = percentile(after_login, 0.95)


def judge(summary: Summary, max_p95: float) -> None:
    checks = {
        "requests failed": summary.failures,
        "acknowledged writes lost": len(summary.lost),
        "writes stored twice": len(summary.duplicated),
        "'database is locked' errors": summary.database_locked,
        "server errors in the log": summary.server_errors_logged,
    }
    summary.failed = [f"{count} {what}" for what, count in checks.items() if count]
    if summary.requests == 0 or summary.writes_acknowledged == 0:
        summary.failed.append("nothing was written")
    if summary.p95_ms > max_p95:
        summary.failed.append(f"p95 {summary.p95_ms:.0f} ms > {max_p95:.0f} ms")


def run(args: argparse.Namespace, workdir: Path) -> Summary:
    sqlite = args.database_url is None
    database_url = _normalise_database_url(
        args.database_url or f"sqlite:///{workdir / 'instance' / 'load.db'}"
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    summary = Summary(
        database="sqlite" if sqlite else "postgresql",
        url=url,
        users=args.users,
        duration_s=args.duration,
        workers=args.workers,
        cpus=os.cpu_count() or 0,
    )
    env = server_environment(workdir, database_url, port)
    # A kept folder may hold an earlier run: start from nothing.
    shutil.rmtree(workdir / "instance", ignore_errors=True)
    for earlier in workdir.glob("*"):
        if earlier.is_file():
            earlier.unlink()
    (workdir / "instance").mkdir(parents=True)
    if not sqlite:
        empty_postgres(database_url)
    world, ledger, prefix = workdir / "world.json", workdir / "ledger.jsonl", workdir / "locust"
    timings = workdir / "timings.tsv"
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "loadtest.world", "--users", str(args.users), "--output", world],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    server_log = workdir / "gunicorn.log"
    with server_log.open("w") as log:
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_serving(url, server)
        booted = cpu_seconds(server)  # starting the workers is not serving requests
        summary.load_before = [round(x, 2) for x in os.getloadavg()]
        locust = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "loadtest" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate or max(1, args.users / 5)),
                "--run-time",
                f"{args.duration}s",
                "--stop-timeout",
                "30",
                "--host",
                url,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **env,
                "LOADTEST_WORLD": str(world),
                "LOADTEST_LEDGER": str(ledger),
                "LOADTEST_TIMINGS": str(timings),
                "LOADTEST_THINK_MIN": str(args.think[0]),
                "LOADTEST_THINK_MAX": str(args.think[1]),
            },
            stdout=subprocess.DEVNULL if args.quiet else None,
            stderr=subprocess.DEVNULL if args.quiet else None,
            start_new_session=True,
        )
        deadline = time.monotonic() + args.duration + 120
        try:
            while locust.poll() is None and time.monotonic() < deadline:
                summary.client_cpu_s = cpu_seconds(locust) or summary.client_cpu_s
                time.sleep(1)
        finally:
            stop(locust)
        summary.server_cpu_s = round(cpu_seconds(server) - booted, 1)
        summary.load_after = [round(x, 2) for x in os.getloadavg()]
    finally:
        stop(server)

    read_stats(prefix, summary)
    read_timings(timings, summary)
    attempts = read_ledger(ledger)
    acked = {marker for marker, record in attempts.items() if record["outcome"] == "acked"}
    summary.writes_sent = len(attempts)
    summary.writes_acknowledged = len(acked)
    summary.writes_by_kind = dict(
        Counter(attempts[marker]["kind"] for marker in acked).most_common()
    )
    found = stored_markers(database_url)
    summary.lost = sorted(acked - set(found))
    summary.duplicated = sorted(marker for marker, count in found.items() if count > 1)
    summary.stored_without_acknowledgement = sorted(set(found) & (set(attempts) - acked))
    summary.never_sent = sorted(set(found) - set(attempts))
    log_text = server_log.read_text(errors="replace")
    summary.database_locked = log_text.count(LOCKED) + sum(
        LOCKED in message for message in summary.failure_messages
    )
    summary.server_errors_logged = log_text.count("Traceback")
    if summary.requests:
        summary.server_cpu_ms_per_request = round(summary.server_cpu_s * 1000 / summary.requests, 1)
    judge(summary, args.max_p95)
    return summary


def report(summary: Summary) -> str:
    lines = [
        f"{summary.database}: {summary.users} users for {summary.duration_s} s, "
        f"gunicorn with {summary.workers} workers, {summary.cpus} CPUs, "
        f"load {summary.load_before} before, {summary.load_after} after; CPU used: server "
        f"{summary.server_cpu_s} s ({summary.server_cpu_ms_per_request} ms a request), "
        f"simulated users {summary.client_cpu_s} s",
        f"requests {summary.requests} ({summary.requests_per_s}/s), failures "
        f"{summary.failures}; p50 {summary.p50_ms:.0f} ms, p95 {summary.p95_ms:.0f} ms, "
        f"p99 {summary.p99_ms:.0f} ms, max {summary.max_ms:.0f} ms; p95 after logging in "
        f"{summary.p95_after_login_ms:.0f} ms",
        f"writes sent {summary.writes_sent}, acknowledged {summary.writes_acknowledged} "
        f"{summary.writes_by_kind}",
        f"lost {len(summary.lost)}, duplicated {len(summary.duplicated)}, stored without "
        f"acknowledgement {len(summary.stored_without_acknowledgement)}, never sent "
        f"{len(summary.never_sent)}, 'database is locked' {summary.database_locked}, "
        f"server errors logged {summary.server_errors_logged}",
        "slowest (p95): "
        + ", ".join(f"{s['endpoint']} {s['p95_ms']:.0f} ms" for s in summary.slowest[:4]),
    ]
    lines += [f"  failure: {message}" for message in summary.failure_messages]
    lines.append("FAILED: " + "; ".join(summary.failed) if summary.failed else "PASSED")
    return "\n".join(lines)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20, help="simulated users (default 20)")
    parser.add_argument("--duration", type=int, default=60, help="seconds (default 60)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--database-url", help="a PostgreSQL database to EMPTY and use")
    parser.add_argument("--spawn-rate", type=float, help="users started per second")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(2.0, 5.0),
        metavar=("MIN", "MAX"),
        help="seconds a user waits between two actions (default 2 5)",
    )
    parser.add_argument("--max-p95", type=float, default=500, help="ms (default 500)")
    parser.add_argument("--summary", type=Path, help="also write the summary here as JSON")
    parser.add_argument("--keep", type=Path, help="keep the logs and CSV files in this folder")
    parser.add_argument("--quiet", action="store_true", help="hide locust's own summary")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    # A SIGTERM (a test's timeout) unwinds through the `finally` that stops gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        summary = run(args, args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="leerspoor-load-") as workdir:
            summary = run(args, Path(workdir))
    print(report(summary))
    if args.summary:
        args.summary.write_text(json.dumps(asdict(summary), indent=1))
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
