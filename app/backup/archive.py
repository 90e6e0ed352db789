"""The backup archive: a tar file (gzip-compressed when its name ends in .gz or .tgz)
holding, in this order,

- `database.sqlite` (a SQLite database file) or `database.dump` (pg_dump's custom format),
- `uploads/<key>` for every uploaded file, named by its storage key,
- `manifest.json`: the format and its version, when and by which version of Leerspoor the
  backup was made, the schema revision, the database system, each table's row count and
  content checksum, and the size and SHA-256 of the database member and of every file.

The manifest comes last because it describes what was written before it. A reader
checks every member against it; a member it does not list makes the archive damaged.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Literal

from pydantic import BaseModel, Field, ValidationError

from app.storage import KEY_PATTERN

FORMAT = "leerspoor-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads/"
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.dump"}
CHUNK = 1024 * 1024


class ArchiveError(Exception):
    """The archive cannot be written, or is not a whole Leerspoor backup."""


class FileRecord(BaseModel):
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class TableRecord(BaseModel):
    rows: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Manifest(BaseModel):
    """What an archive holds; the reader trusts nothing in the archive that this does not
    describe with a checksum.
    """

    format: Literal["leerspoor-backup"] = FORMAT
    format_version: int = FORMAT_VERSION
    created_at: datetime
    app_version: str
    alembic_revision: str
    dialect: Literal["sqlite", "postgresql"]
    database: FileRecord
    tables: dict[str, TableRecord]
    uploads: dict[str, FileRecord]

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.dialect]

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables.values())

    @property
    def upload_bytes(self) -> int:
        return sum(upload.size for upload in self.uploads.values())


class _HashingReader:
    """A file read once from start to end, adding what passes to a SHA-256."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


def _compressed(path: Path) -> bool:
    return path.name.endswith((".gz", ".tgz"))


class ArchiveWriter:
    """Writes an archive under a temporary name beside `path` and renames it into place
    only when it is complete, so `path` is never a half-written backup. The file can be
    read by its owner only: it holds personal data.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.partial-")
        self._temporary = Path(temporary)
        self._file = os.fdopen(handle, "wb")
        self._tar = tarfile.open(fileobj=self._file, mode="w:gz" if _compressed(path) else "w")  # noqa: SIM115  (closed in close/abort)

    def add_file(self, name: str, source: Path) -> FileRecord:
        """Add the file at `source` as member `name`; its size and checksum as written."""
        with source.open("rb") as stream:
            return self.add_stream(name, stream, os.fstat(stream.fileno()))

    def add_stream(self, name: str, stream: BinaryIO, stat: os.stat_result) -> FileRecord:
        member = tarfile.TarInfo(name)
        member.size = stat.st_size
        member.mtime = int(stat.st_mtime)
        member.mode = 0o600
        reader = _HashingReader(stream)
        self._tar.addfile(member, reader)
        return FileRecord(size=reader.size, sha256=reader.digest.hexdigest())

    def close(self, manifest: Manifest) -> None:
        """Add the manifest, make the archive durable and put it in place."""
        data = manifest.model_dump_json(indent=2).encode()
        member = tarfile.TarInfo(MANIFEST)
        member.size = len(data)
        member.mtime = int(manifest.created_at.timestamp())
        member.mode = 0o600
        self._tar.addfile(member, io.BytesIO(data))
        self._tar.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._temporary, self.path)

    def abort(self) -> None:
        """Remove what was written; `path` is left as it was."""
        self._tar.close()
        self._file.close()
        self._temporary.unlink(missing_ok=True)


class ArchiveReader:
    """Reads an archive and its manifest; every member it hands out has been checked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("rb")
        try:
            self._tar = tarfile.open(fileobj=self._file, mode="r:*")  # noqa: SIM115  (closed in close)
            self._members = {member.name: member for member in self._tar.getmembers()}
        except (tarfile.TarError, EOFError, OSError) as error:
            self._file.close()
            raise ArchiveError(f"{path} is not a readable backup archive ({error}).") from error

    def close(self) -> None:
        self._tar.close()
        self._file.close()

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def manifest(self) -> Manifest:
        """The manifest, once its format is one this code reads. The members are checked
        against it by `check_members` and `extract`.
        """
        raw = self._read_small(MANIFEST)
        try:
            described = json.loads(raw)
        except ValueError as error:
            raise ArchiveError(f"The manifest of {self.path} is damaged ({error}).") from error
        if not isinstance(described, dict) or described.get("format") != FORMAT:
            raise ArchiveError(f"{self.path} is not a Leerspoor backup (no Leerspoor manifest).")
        version = described.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ArchiveError(
                f"{self.path} is in backup format {version}, newer than the format "
                f"{FORMAT_VERSION} this version of Leerspoor reads; restore it with the "
                f"version that made it ({described.get('app_version', 'unknown')}) or newer."
            )
        try:
            manifest = Manifest.model_validate(described)
        except ValidationError as error:
            raise ArchiveError(f"The manifest of {self.path} is damaged: {error}") from error
        for key in manifest.uploads:
            if not KEY_PATTERN.fullmatch(key):
                raise ArchiveError(f"The manifest of {self.path} lists a file named {key!r}.")
        return manifest

    def check_members(self, manifest: Manifest) -> None:
        """The archive holds exactly the plain files its manifest lists."""
        expected = {MANIFEST, manifest.database_member} | {
            UPLOADS + key for key in manifest.uploads
        }
        unexpected = sorted(set(self._members) - expected)
        missing = sorted(expected - set(self._members))
        if missing or unexpected:
            raise ArchiveError(
                f"{self.path} is damaged: "
                + "; ".join(
                    part
                    for part in (
                        missing and f"missing {', '.join(missing[:5])}",
                        unexpected and f"not in its manifest: {', '.join(unexpected[:5])}",
                    )
                    if part
                )
                + "."
            )
        for name in expected:
            if not self._members[name].isreg():
                raise ArchiveError(f"{self.path} is damaged: {name} is not a plain file.")

    def _read_small(self, name: str) -> bytes:
        member = self._members.get(name)
        if member is None or not member.isreg():
            raise ArchiveError(f"{self.path} is not a Leerspoor backup (no {name}).")
        try:
            return self._tar.extractfile(member).read()
        except (tarfile.TarError, EOFError, OSError) as error:
            raise ArchiveError(f"{self.path} is damaged ({error}).") from error

    def extract(self, name: str, record: FileRecord, target: Path) -> None:
        """Write member `name` to `target` and check it against `record`; a member that
        differs is removed again and makes the archive damaged.
        """
        try:
            with self._tar.extractfile(self._members[name]) as source, target.open("wb") as sink:
                reader = _HashingReader(source)
                shutil.copyfileobj(reader, sink, CHUNK)
        except (tarfile.TarError, EOFError) as error:
            target.unlink(missing_ok=True)
            raise ArchiveError(
                f"{self.path} is damaged: {name} cannot be read ({error})."
            ) from error
        except OSError as error:
            target.unlink(missing_ok=True)
            raise ArchiveError(f"{name} cannot be written to {target.parent}: {error}") from error
        if reader.size != record.size or reader.digest.hexdigest() != record.sha256:
            target.unlink(missing_ok=True)
            raise ArchiveError(
                f"{self.path} is damaged: {name} does not match its checksum in the manifest."
            )
