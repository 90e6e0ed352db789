"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import MIGRATIONS, create_app
from app.extensions import db
from config import TestingConfig


def _fresh_app(tmp_path, monkeypatch, database_url: str | None):
    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path / "instance"))
    if database_url:
        monkeypatch.setenv("LEERSPOOR_TEST_DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("LEERSPOOR_TEST_DATABASE_URL", raising=False)
    return create_app(TestingConfig)


def _empty_database() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))


BACKENDS = [
    pytest.param(None, id="sqlite"),
    pytest.param(
        os.environ.get("LEERSPOOR_TEST_DATABASE_URL"),
        id="postgresql",
        marks=pytest.mark.skipif(
            not os.environ.get("LEERSPOOR_TEST_DATABASE_URL"),
            reason="no PostgreSQL server configured (set LEERSPOOR_TEST_DATABASE_URL)",
        ),
    ),
]


@pytest.mark.parametrize("database_url", BACKENDS)
def test_upgrade_gives_the_models_schema_and_downgrade_removes_it(
    tmp_path, monkeypatch, database_url
):
    app = _fresh_app(tmp_path, monkeypatch, database_url)
    with app.app_context():
        _empty_database()
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def test_there_is_a_single_head():
    heads = ScriptDirectory(str(MIGRATIONS)).get_heads()
    assert len(heads) == 1, heads
