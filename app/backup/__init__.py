"""Backups: `leerspoor backup FILE` writes one archive holding a consistent snapshot of the
database and every uploaded file, each with its checksum; `leerspoor restore FILE` brings
it into an empty database and upload folder, after checking all of it.

`archive` is the format (a tar with `manifest.json`), `fingerprint` the row counts and
content checksums of the tables, `snapshots` how each database system takes and loads a
snapshot (SQLite's online backup API; pg_dump and pg_restore), and `services` the two
operations. docs/reliability.md describes them for whoever runs Leerspoor.
"""
