"""Where uploaded files are kept: one small interface, so the bytes can move from a
folder to object storage without touching the features (as CTFd keeps its uploads).

Keys are random and never a user's file name, so no upload can choose where it lands.
The folder (config `UPLOAD_PATH`) lies outside the static folder: a file is only ever
served by a route that checks who asks.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from config import ConfigurationError

KEY_PATTERN = re.compile(r"[0-9a-f]{32,64}")


def new_key() -> str:
    """A random storage key: 32 hexadecimal characters."""
    return secrets.token_hex(16)


class FileStorage:
    """Files in one folder, each named by its key."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def save(self, key: str, stream: BinaryIO) -> int:
        """Write `stream` under `key` and return its size in bytes.

        The bytes go to a temporary file first and are renamed into place, so a failed
        write leaves nothing half-saved under the key.
        """
        target = self._path(key)
        self.root.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".partial-")
        try:
            with os.fdopen(handle, "wb") as file:
                shutil.copyfileobj(stream, file)
                size = file.tell()
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return size

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        """Remove the file; a key that holds nothing is not an error."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def _path(self, key: str) -> Path:
        if not KEY_PATTERN.fullmatch(key):
            raise ValueError(f"Not a storage key: {key!r}")
        return self.root / key


def file_storage() -> FileStorage:
    """The storage of the current app; refuses a folder the static route would serve."""
    root = Path(current_app.config["UPLOAD_PATH"]).resolve()
    static = Path(current_app.static_folder).resolve()
    if root == static or static in root.parents:
        raise ConfigurationError(f"UPLOAD_PATH must lie outside the static folder, not {root}.")
    return FileStorage(root)
