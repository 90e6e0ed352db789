"""The erasure ledger: who was erased and when, by account id only (pseudonymous), in a
file beside the database rather than in it, so that restoring an older backup cannot
bring an erased person back: `erasure.reapply_ledger` erases them again.

One JSON object per line, appended and flushed to disk: {"user_id": 12, "erased_at":
"2026-11-23T10:00:00+00:00"}. Back it up separately from the database, and never
restore it from an older copy.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from flask import current_app


def ledger_path() -> Path:
    return Path(current_app.config["ERASURE_LEDGER_PATH"])


def entries() -> list[dict]:
    """Every erasure recorded, oldest first."""
    path = ledger_path()
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def erased_ids() -> set[int]:
    return {entry["user_id"] for entry in entries()}


def add(user_id: int, now: datetime) -> None:
    """Record that `user_id` was erased at `now` (once)."""
    if user_id in erased_ids():
        return
    path = ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as ledger:
        ledger.write(json.dumps({"user_id": user_id, "erased_at": now.isoformat()}) + "\n")
        ledger.flush()
        os.fsync(ledger.fileno())
