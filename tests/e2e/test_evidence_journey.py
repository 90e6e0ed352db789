"""Evidence on a phone: a too-large file is stopped before it is sent, a photo is
attached, and the mentor sees it in the entry.

Student and mentor read English here, so the test does not wait on the translations.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import User
from tests.conftest import png_bytes, write_entry

pytestmark = pytest.mark.e2e


def test_a_large_file_is_stopped_on_the_phone_and_a_photo_reaches_the_mentor(app, world, phone):
    with app.app_context():
        for user in db.session.scalars(select(User)):
            user.locale = "en"
        db.session.commit()
    week = write_entry(app, world.placement_a, world.student_a, submit=True)
    entry = f"/placements/{world.placement_a.id}/log/{week}"
    posts = []
    phone.page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )

    phone.log_in("student_a", "student@a.example")
    phone.goto(entry)
    field = phone.page.get_by_label("Add a photo or PDF")
    large = {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": bytes(11 << 20)}
    field.set_input_files(large)
    expect(phone.page.locator("#file-error")).to_have_text(
        "This file is larger than 10 MB. Choose a smaller photo or PDF."
    )
    posts.clear()
    phone.page.get_by_role("button", name="Attach").click()
    expect(field).to_be_focused()
    assert posts == []  # nothing was sent
    phone.check("attachment-too-large")

    field.set_input_files(
        {"name": "board.png", "mimeType": "image/png", "buffer": png_bytes((80, 60))}
    )
    expect(phone.page.locator("#file-error")).to_have_count(0)
    phone.page.get_by_role("button", name="Attach").click()
    expect(phone.page.get_by_role("status")).to_have_text("Attachment added.")
    phone.check("entry-with-photo")
    phone.page.get_by_role("button", name="Log out").click()

    phone.log_in("mentor_x", "mentor@x.example")
    phone.goto(entry)
    photo = phone.page.get_by_role("img", name="board.png")
    expect(photo).to_be_visible()
    # decode() waits until the photo has arrived: visible is not yet loaded.
    assert photo.evaluate("image => image.decode().then(() => image.naturalWidth)") == 80
    expect(phone.page.get_by_role("button", name="Remove board.png")).to_have_count(0)
    phone.check("entry-photo-for-mentor")
