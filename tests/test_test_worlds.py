"""The test worlds' own machinery: what makes two identical databases read as identical,
so a walk world built once is written back instead of built again (`reuse_state`).
"""

from __future__ import annotations

from app.extensions import db
from app.models import User
from tests.conftest import empty_database, table_rows, write_rows


def test_a_database_reads_the_same_after_a_row_changed_and_changed_back(app, world):
    """PostgreSQL moves an updated row to the end of its table; read in key order, the
    database is the same as before.
    """
    with app.app_context():
        before = table_rows()
        for name in ("Student A.", world.student_a.name):
            db.session.get(User, world.student_a.id).name = name
            db.session.commit()
        assert table_rows() == before


def test_rows_written_back_read_as_they_were_and_new_rows_follow_their_ids(app, world):
    with app.app_context():
        before = table_rows()
        empty_database()
        write_rows(before)
        assert table_rows() == before
        user = User(email="new@a.example", name="New")
        db.session.add(user)
        db.session.commit()
        users = before["user_account"]
        at = users.columns.index("id")
        assert user.id == max(row[at] for row in users.values) + 1
