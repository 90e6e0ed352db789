"""Evidence: photos and PDFs attached to an entry, judged by content, served with checks."""

from __future__ import annotations

import io
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageFile
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage as Upload
from werkzeug.test import encode_multipart

from app.domain import DomainError
from app.extensions import db
from app.followup import evidence
from app.models import Attachment, LogEntry, Placement, PlacementStatus, ReviewStatus, User
from app.storage import FileStorage, file_storage
from config import ConfigurationError
from tests.conftest import attach_file, monday, png_bytes, write_entry

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode."
)


pytestmark = pytest.mark.usefixtures("in_english")


def jpeg_bytes(size=(6, 4), **save_options) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, "orange").save(output, "JPEG", **save_options)
    return output.getvalue()


def entry_path(world, entry_id: int, suffix: str = "") -> str:
    return f"/placements/{world.placement_a.id}/log/{entry_id}{suffix}"


def upload(browser, world, entry_id: int, data: bytes, filename: str):
    """Send a file as the browser's form does. The body is built in memory: the test
    client would spool a large one to a temporary file it never closes.
    """
    boundary, body = encode_multipart(
        {
            "csrf_token": browser.token(),
            "file": Upload(io.BytesIO(data), filename, content_type="image/jpeg"),
        }
    )
    return browser.client.post(
        entry_path(world, entry_id, "/attachments"),
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        environ_base={"REMOTE_ADDR": browser.address},
        buffered=True,
    )


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_PATH"])
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


def attachment_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Attachment.id)))


def only_attachment(app) -> Attachment:
    with app.app_context():
        found = db.session.scalars(select(Attachment)).one()
        db.session.expunge(found)
        return found


@pytest.fixture
def week(app, world) -> int:
    """A week the student submitted: the trio, the school and admins read it."""
    return write_entry(app, world.placement_a, world.student_a, submit=True)


# -- attaching --------------------------------------------------------------------------


def test_the_author_attaches_a_photo_a_png_and_a_pdf_that_the_trio_sees(app, world, login_as, week):
    student = login_as(world.student_a)
    for data, name in (
        (jpeg_bytes(), "workbench.jpg"),
        (png_bytes(), "wiring.png"),
        (PDF_BYTES, "safety sheet.pdf"),
    ):
        response = upload(student, world, week, data, name)
        assert response.status_code == 302
        assert response.headers["Location"].endswith("#attachments")
    assert "Attachment added." in student.get(entry_path(world, week)).get_data(as_text=True)
    with app.app_context():
        saved = {a.filename: a for a in db.session.scalars(select(Attachment))}
    assert saved["workbench.jpg"].content_type == "image/jpeg"
    assert saved["wiring.png"].content_type == "image/png"
    assert saved["safety sheet.pdf"].content_type == "application/pdf"
    assert saved["safety sheet.pdf"].size == len(PDF_BYTES)
    assert len(stored_files(app)) == 3

    page = login_as(world.mentor_x).get(entry_path(world, week)).get_data(as_text=True)
    photo_url = entry_path(world, week, f"/attachments/{saved['workbench.jpg'].id}")
    assert f'<img src="{photo_url}" alt="workbench.jpg"' in page
    assert "safety sheet.pdf" in page
    assert "1 kB" in page
    assert "Add a photo or PDF" not in page  # only the author attaches
    timeline = login_as(world.coach_a).get(f"/placements/{world.placement_a.id}/log")
    assert "3 attachments" in timeline.get_data(as_text=True)
    assert f'href="{photo_url}"' in timeline.get_data(as_text=True)


def test_the_author_sees_the_upload_field_with_its_hint(world, login_as, week):
    page = login_as(world.student_a).get(entry_path(world, week)).get_data(as_text=True)
    assert 'type="file"' in page
    assert 'accept="image/jpeg,image/png,application/pdf"' in page
    assert 'enctype="multipart/form-data"' in page
    assert "Photos (JPEG, PNG) or PDF, at most 10 MB." in page
    assert "without their location" in page
    assert 'aria-describedby="file-hint"' in page
    assert "leerspoor-1.0.js" in page


def test_the_script_that_checks_the_size_in_the_browser_is_served(client):
    with client.get("/static/leerspoor-1.0.js") as script:
        assert script.status_code == 200
        assert "maxBytes" in script.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (EXECUTABLE, "holiday.jpg", "Only photos (JPEG, PNG) and PDFs can be attached"),
        (b"Just some notes, not a PDF.\n", "notes.pdf", "Only photos (JPEG, PNG) and PDFs"),
        (b"", "empty.png", "This file is empty."),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "broken.png", "This file is damaged or incomplete."),
        (jpeg_bytes()[:-200], "cut.jpg", "This file is damaged or incomplete."),
        (PDF_BYTES[:-8], "cut.pdf", "This file is damaged or incomplete."),
        (
            b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024),
            "scan.pdf",
            "This file is larger than 10 MB. Choose a smaller photo or PDF.",
        ),
    ],
    ids=["executable", "text", "empty", "not-a-png", "cut-jpeg", "cut-pdf", "over-10-mb"],
)
def test_a_refused_file_gets_a_message_at_the_field_and_nothing_is_stored(
    app, world, login_as, week, data, filename, message
):
    student = login_as(world.student_a)
    attach_file(app, week, world.student_a)  # what was saved before stays
    response = upload(student, world, week, data, filename)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page.split('id="file-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert 'aria-invalid="true"' in page
    assert attachment_rows(app) == 1
    assert len(stored_files(app)) == 1
    assert not [p for p in Path(app.config["UPLOAD_PATH"]).iterdir() if p.name.startswith(".")]


def test_a_photo_with_too_many_pixels_is_refused(app, world, login_as, week, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_PIXELS", 100)
    response = upload(login_as(world.student_a), world, week, png_bytes((20, 20)), "huge.png")
    assert response.status_code == 422
    assert "This photo has too many pixels." in response.get_data(as_text=True)
    assert attachment_rows(app) == 0
    assert stored_files(app) == []


def png_claiming(width: int, height: int, pixels: bytes = b"not pixels") -> bytes:
    """A PNG whose header gives its size, followed by `pixels` as its compressed data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
        )

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 6, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def decompression_bomb(width: int = 7900, height: int = 7900) -> bytes:
    """A PNG like the one of the attack: about 243 KB of compressed zeros that decode to 62
    megapixels with transparency, 250 MB of pixels.
    """
    row = bytes(1 + width * 4)  # each row: its filter byte, then four zero bytes a pixel
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return png_claiming(width, height, pixels)


@pytest.fixture
def decoded(monkeypatch) -> list[tuple[int, int]]:
    """The sizes of the images Pillow decodes from here on."""
    sizes = []
    load = ImageFile.ImageFile.load

    def recorded(image):
        sizes.append(image.size)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recorded)
    return sizes


@pytest.mark.parametrize(
    "pillows_warning",
    [
        pytest.param("error", id="pillows-warning-as-error"),
        # In production Pillow's warning is only logged: the header check itself refuses.
        pytest.param("ignore", id="pillows-warning-logged"),
    ],
)
def test_a_decompression_bomb_is_refused_before_a_pixel_is_decoded(
    app, world, login_as, week, decoded, pillows_warning
):
    bomb = decompression_bomb()
    assert len(bomb) < 250_000
    with warnings.catch_warnings():
        warnings.simplefilter(pillows_warning, Image.DecompressionBombWarning)
        response = upload(login_as(world.student_a), world, week, bomb, "bomb.png")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    error = page.split('id="file-error">', 1)[1].split("</p>", 1)[0]
    assert "This photo has too many pixels" in error
    assert decoded == []
    assert attachment_rows(app) == 0
    assert stored_files(app) == []


def test_a_header_past_pillows_own_limit_gets_the_same_message(app, world, login_as, week):
    assert Image.MAX_IMAGE_PIXELS == evidence.MAX_PIXELS
    for size in ((12_000, 12_000), (100_000, 100_000)):
        response = upload(login_as(world.student_a), world, week, png_claiming(*size), "big.png")
        assert response.status_code == 422
        assert "This photo has too many pixels" in response.get_data(as_text=True)
    assert attachment_rows(app) == 0


def test_a_photo_at_the_pixel_limits_is_taken_and_one_row_more_is_not(
    app, world, login_as, week, monkeypatch
):
    monkeypatch.setattr(evidence, "MAX_DECODED_PIXELS", 20 * 20)
    monkeypatch.setattr(evidence, "MAX_PIXELS", 40 * 40)
    student = login_as(world.student_a)
    for data, name, status in (
        (png_bytes((20, 20)), "square.png", 302),
        (png_bytes((20, 21)), "taller.png", 422),  # a PNG is decoded at its full size
        (jpeg_bytes((40, 40)), "large.jpg", 302),  # a JPEG at half its width and height
        (jpeg_bytes((40, 41)), "larger.jpg", 422),
    ):
        response = upload(student, world, week, data, name)
        assert response.status_code == status, name
        if status == 422:
            assert "This photo has too many pixels" in response.get_data(as_text=True)
    with app.app_context():
        stored = {
            a.filename: (Path(app.config["UPLOAD_PATH"]) / a.storage_key).read_bytes()
            for a in db.session.scalars(select(Attachment))
        }
    assert set(stored) == {"square.png", "large.jpg"}
    with Image.open(io.BytesIO(stored["large.jpg"])) as kept:
        assert kept.size == (20, 20)


def test_a_large_jpeg_is_decoded_at_half_size_without_its_full_size_in_memory(
    app, world, week, decoded, monkeypatch
):
    monkeypatch.setattr(evidence, "MAX_DECODED_PIXELS", 20 * 20)
    attach_file(app, week, world.student_a, jpeg_bytes((40, 30)), "wide.jpg")
    assert set(decoded) == {(20, 15)}


def test_the_pixel_limits_take_50_megapixel_photos_and_24_at_full_size():
    for width, height in ((8160, 6144), (8064, 6048), (6144, 8160)):  # 50 and 48 MP sensors
        assert width * height <= evidence.MAX_PIXELS
        assert (width // 2) * (height // 2) <= evidence.MAX_DECODED_PIXELS
    assert 5712 * 4284 <= evidence.MAX_DECODED_PIXELS  # a recent iPhone's 24 MP default


# -- how many ---------------------------------------------------------------------------


def test_an_entry_takes_the_configured_number_of_attachments_then_says_so(
    app, world, login_as, week
):
    app.config["ATTACHMENTS_PER_ENTRY"] = 2
    first = attach_file(app, week, world.student_a)
    attach_file(app, week, world.student_a)
    student = login_as(world.student_a)
    page = student.get(entry_path(world, week)).get_data(as_text=True)
    full = "This entry has 2 attachments, the most it can have. Remove one to add another."
    assert full in page
    assert 'type="file"' not in page

    response = upload(student, world, week, png_bytes(), "third.png")  # a form left open
    assert response.status_code == 422
    error = response.get_data(as_text=True).split('id="file-error">', 1)[1].split("</p>", 1)[0]
    assert full in error
    assert attachment_rows(app) == 2
    assert len(stored_files(app)) == 2

    student.post(entry_path(world, week, f"/attachments/{first}/delete"))
    assert 'type="file"' in student.get(entry_path(world, week)).get_data(as_text=True)
    assert upload(student, world, week, png_bytes(), "third.png").status_code == 302


def test_a_placement_takes_the_configured_number_of_attachments_over_its_entries(
    start, app, world, login_as, week
):
    app.config["ATTACHMENTS_PER_PLACEMENT"] = 3
    other_week = write_entry(app, world.placement_a, world.student_a, week=monday(start, 8))
    for entry in (week, week, other_week):
        attach_file(app, entry, world.student_a)
    attach_file(app, write_entry(app, world.placement_b, world.student_b), world.student_b)
    student = login_as(world.student_a)
    response = upload(student, world, other_week, png_bytes(), "fourth.png")
    assert response.status_code == 422
    error = response.get_data(as_text=True).split('id="file-error">', 1)[1].split("</p>", 1)[0]
    full = (
        "The log of this placement has 3 attachments, the most it can have. Remove one you "
        "no longer need to add another."
    )
    assert full in error
    assert attachment_rows(app) == 4
    feedback = write_entry(app, world.placement_a, world.mentor_x, "feedback")
    page = login_as(world.mentor_x).get(entry_path(world, feedback)).get_data(as_text=True)
    assert full in page
    assert 'type="file"' not in page


def test_a_full_entry_refuses_a_file_before_reading_it(app, world, week):
    app.config["ATTACHMENTS_PER_ENTRY"] = 1
    attach_file(app, week, world.student_a)

    class Unread(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the file was read")

    with app.test_request_context():
        entry = db.session.get(LogEntry, week)
        student = db.session.get(User, world.student_a.id)
        with pytest.raises(DomainError) as refused:
            evidence.add_attachment(entry, student, "photo.png", Unread())
    assert refused.value.field == "file"


def test_the_attachment_limits_default_to_10_an_entry_and_500_a_placement(monkeypatch, tmp_path):
    from config import DevelopmentConfig

    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path / "instance"))
    config = DevelopmentConfig()
    assert (config.ATTACHMENTS_PER_ENTRY, config.ATTACHMENTS_PER_PLACEMENT) == (10, 500)
    monkeypatch.setenv("LEERSPOOR_ATTACHMENTS_PER_ENTRY", "20")
    monkeypatch.setenv("LEERSPOOR_ATTACHMENTS_PER_PLACEMENT", "1000")
    config = DevelopmentConfig()
    assert (config.ATTACHMENTS_PER_ENTRY, config.ATTACHMENTS_PER_PLACEMENT) == (20, 1000)


def test_a_form_without_a_file_asks_for_one(app, world, login_as, week):
    response = login_as(world.student_a).post(entry_path(world, week, "/attachments"))
    assert response.status_code == 422
    assert "Choose a photo or a PDF first." in response.get_data(as_text=True)
    assert attachment_rows(app) == 0


def test_a_50_mb_upload_gets_a_clear_413_page_and_nothing_is_stored(app, world, login_as, week):
    response = upload(login_as(world.student_a), world, week, b"\xff\xd8\xff" * (17 << 20), "x.jpg")
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "File too large" in page
    assert "Photos and PDFs can be at most 10 MB. Nothing was saved" in page
    assert attachment_rows(app) == 0
    assert stored_files(app) == []


def test_another_too_large_request_keeps_the_general_413_text(app, world, login_as, week):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = login_as(world.student_a).post(
        entry_path(world, week, "/comments"), {"body": "x" * 4096}
    )
    assert response.status_code == 413
    assert "larger than this site accepts" in response.get_data(as_text=True)


def test_only_the_author_attaches_while_the_log_is_open(app, world, login_as, week):
    for someone in (world.mentor_x, world.coach_a, world.coordinator_a):
        response = upload(login_as(someone), world, week, png_bytes(), "x.png")
        assert response.status_code == 403
    with app.app_context():
        db.session.get(Placement, world.placement_a.id).status = PlacementStatus.COMPLETED
        db.session.commit()
    student = login_as(world.student_a)
    assert upload(student, world, week, png_bytes(), "x.png").status_code == 403
    assert "Add a photo or PDF" not in student.get(entry_path(world, week)).get_data(as_text=True)
    assert attachment_rows(app) == 0
    assert stored_files(app) == []


# -- what is stored ---------------------------------------------------------------------


def test_a_photo_loses_its_location_and_camera_and_is_turned_upright(app, world, week):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = 6  # taken sideways: turn 90° to show upright
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 3.0, 12.5)
    original = jpeg_bytes(size=(40, 20), exif=exif, comment=b"at Jan's house")
    assert b"PhoneMaker" in original

    attach_file(app, week, world.student_a, original, "IMG_0001.JPG")
    attachment = only_attachment(app)
    stored = (Path(app.config["UPLOAD_PATH"]) / attachment.storage_key).read_bytes()
    assert b"PhoneMaker" not in stored
    assert b"Jan's house" not in stored
    with Image.open(io.BytesIO(stored)) as photo:
        assert photo.format == "JPEG"
        assert dict(photo.getexif()) == {}
        assert photo.size == (20, 40)
    assert attachment.filename == "IMG_0001.JPG"
    assert attachment.size == len(stored)


def test_the_name_is_kept_but_ends_as_what_the_file_is(app):
    name = evidence.attachment_filename
    assert name("report.exe", "application/pdf") == "report.pdf"
    assert name("C:\\Users\\An\\scan", "application/pdf") == "scan.pdf"
    assert name("../../etc/passwd.png", "image/png") == "passwd.png"
    assert name("v1.2 café\x00.jpeg", "image/jpeg") == "v1.2 café.jpeg"
    assert name("", "image/png") == "upload.png"
    assert len(name("a" * 400 + ".pdf", "application/pdf")) == 255


def test_files_live_outside_the_static_folder_under_random_keys(app, world, login_as, week):
    attach_file(app, week, world.student_a, PDF_BYTES, "contract.pdf")
    attachment = only_attachment(app)
    upload_path = Path(app.config["UPLOAD_PATH"]).resolve()
    static = Path(app.static_folder).resolve()
    assert static not in upload_path.parents
    assert upload_path == Path(app.instance_path).resolve() / "uploads"
    assert [p.name for p in stored_files(app)] == [attachment.storage_key]
    assert "contract" not in attachment.storage_key
    browser = login_as(world.student_a)
    for path in (
        f"/static/{attachment.storage_key}",
        f"/static/uploads/{attachment.storage_key}",
        f"/static/../instance/uploads/{attachment.storage_key}",
    ):
        assert browser.get(path).status_code == 404


def test_storage_refuses_a_key_that_is_not_its_own(tmp_path):
    storage = FileStorage(tmp_path)
    key = "ab" * 16
    assert storage.save(key, io.BytesIO(b"data")) == 4
    assert storage.exists(key)
    with storage.open(key) as file:
        assert file.read() == b"data"
    for bad in ("../secret_key", "photo.png", "AB" * 16, ""):
        with pytest.raises(ValueError, match="storage key"):
            storage.exists(bad)
    storage.delete(key)
    storage.delete(key)  # already gone: nothing to do
    assert not storage.exists(key)


def test_an_upload_folder_inside_static_is_refused(app):
    app.config["UPLOAD_PATH"] = str(Path(app.static_folder) / "uploads")
    with app.app_context(), pytest.raises(ConfigurationError, match="outside the static"):
        file_storage()


def test_the_upload_folder_can_be_set_from_the_environment(monkeypatch, tmp_path):
    from config import DevelopmentConfig

    monkeypatch.setenv("LEERSPOOR_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("LEERSPOOR_UPLOAD_PATH", str(tmp_path / "evidence"))
    assert DevelopmentConfig().UPLOAD_PATH == str((tmp_path / "evidence").resolve())
    monkeypatch.delenv("LEERSPOOR_UPLOAD_PATH")
    assert DevelopmentConfig().UPLOAD_PATH == str(tmp_path / "instance" / "uploads")


def test_a_failing_commit_leaves_no_file_behind(app, world, week, monkeypatch):
    def failing_commit():
        raise RuntimeError("the database went away")

    with app.app_context():
        entry = db.session.get(LogEntry, week)
        student = db.session.get(User, world.student_a.id)
        monkeypatch.setattr(db.session, "commit", failing_commit)
        with pytest.raises(RuntimeError, match="went away"):
            evidence.add_attachment(entry, student, "photo.png", io.BytesIO(png_bytes()))
        monkeypatch.undo()
    assert stored_files(app) == []
    assert attachment_rows(app) == 0


def test_a_refused_file_raises_the_domain_error_for_the_field(app, world, week):
    with app.test_request_context():
        entry = db.session.get(LogEntry, week)
        student = db.session.get(User, world.student_a.id)
        with pytest.raises(DomainError) as refused:
            evidence.add_attachment(entry, student, "a.jpg", io.BytesIO(EXECUTABLE))
    assert refused.value.field == "file"
    assert stored_files(app) == []


# -- reading ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("student_a", 200),
        ("mentor_x", 200),
        ("coach_a", 200),
        ("coordinator_a", 200),
        ("admin", 200),
        ("company_coordinator_x", 403),
        ("coordinator_b", 404),
        ("mentor_y", 404),
        ("student_b", 404),
        ("outsider", 404),
    ],
)
def test_a_photo_is_served_to_those_who_read_the_entry(app, world, login_as, week, role, status):
    photo = png_bytes((5, 5), "blue")
    attachment_id = attach_file(app, week, world.student_a, photo, "board.png")
    response = login_as(world.user(role)).get(
        entry_path(world, week, f"/attachments/{attachment_id}")
    )
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "image/png"
        assert response.headers["Content-Disposition"].startswith("inline")
        assert "board.png" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        with Image.open(io.BytesIO(response.get_data())) as served:
            assert served.size == (5, 5)


def test_a_pdf_is_offered_as_a_download_under_its_name(app, world, login_as, week):
    attachment_id = attach_file(app, week, world.student_a, PDF_BYTES, "Stage-afspraken.pdf")
    response = login_as(world.coach_a).get(entry_path(world, week, f"/attachments/{attachment_id}"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == ("attachment; filename=Stage-afspraken.pdf")
    assert response.get_data() == PDF_BYTES


def test_a_coach_only_notes_attachment_is_hidden_from_student_and_mentor(app, world, login_as):
    note = write_entry(app, world.placement_a, world.coach_a, "visit_note", coach_only=True)
    attachment_id = attach_file(app, note, world.coach_a, PDF_BYTES, "home visit.pdf")
    path = entry_path(world, note, f"/attachments/{attachment_id}")
    for reader, status in (
        (world.coach_a, 200),
        (world.coordinator_a, 200),
        (world.admin, 200),
        (world.student_a, 404),
        (world.mentor_x, 404),
    ):
        assert login_as(reader).get(path).status_code == status, reader.name
    timeline = login_as(world.student_a).get(f"/placements/{world.placement_a.id}/log")
    assert "home visit.pdf" not in timeline.get_data(as_text=True)


def test_an_attachment_is_only_found_under_its_own_entry(app, world, login_as, week):
    other = write_entry(app, world.placement_a, world.mentor_x, "feedback")
    attachment_id = attach_file(app, week, world.student_a)
    response = login_as(world.mentor_x).get(
        entry_path(world, other, f"/attachments/{attachment_id}")
    )
    assert response.status_code == 404


def test_a_draft_weeks_attachment_is_only_the_students(app, world, login_as):
    draft = write_entry(app, world.placement_a, world.student_a)
    attachment_id = attach_file(app, draft, world.student_a)
    path = entry_path(world, draft, f"/attachments/{attachment_id}")
    assert login_as(world.student_a).get(path).status_code == 200
    assert login_as(world.mentor_x).get(path).status_code == 404


def test_a_missing_file_is_not_found_instead_of_an_error(app, world, login_as, week):
    attachment_id = attach_file(app, week, world.student_a)
    for path in stored_files(app):
        path.unlink()
    response = login_as(world.student_a).get(
        entry_path(world, week, f"/attachments/{attachment_id}")
    )
    assert response.status_code == 404


# -- removing ---------------------------------------------------------------------------


def test_the_uploader_removes_an_attachment_with_its_file(app, world, login_as, week):
    attachment_id = attach_file(app, week, world.student_a)
    student = login_as(world.student_a)
    page = student.get(entry_path(world, week)).get_data(as_text=True)
    assert "Remove" in page
    response = student.post(entry_path(world, week, f"/attachments/{attachment_id}/delete"))
    assert response.status_code == 302
    assert "Attachment removed." in student.get(entry_path(world, week)).get_data(as_text=True)
    assert attachment_rows(app) == 0
    assert stored_files(app) == []


def test_no_one_else_removes_an_attachment(app, world, login_as, week):
    attachment_id = attach_file(app, week, world.student_a)
    path = entry_path(world, week, f"/attachments/{attachment_id}/delete")
    for someone in (world.mentor_x, world.coach_a, world.coordinator_a, world.admin):
        browser = login_as(someone)
        assert "/delete" not in browser.get(entry_path(world, week)).get_data(as_text=True)
        assert browser.post(path).status_code == 403
    assert login_as(world.student_b).post(path).status_code == 404
    assert attachment_rows(app) == 1
    assert len(stored_files(app)) == 1


def test_a_closed_log_keeps_its_attachments(app, world, login_as, week):
    attachment_id = attach_file(app, week, world.student_a)
    with app.app_context():
        db.session.get(Placement, world.placement_a.id).status = PlacementStatus.COMPLETED
        db.session.commit()
    student = login_as(world.student_a)
    assert (
        student.post(entry_path(world, week, f"/attachments/{attachment_id}/delete")).status_code
        == 403
    )
    assert student.get(entry_path(world, week, f"/attachments/{attachment_id}")).status_code == 200
    assert attachment_rows(app) == 1


def test_new_evidence_on_an_approved_week_withdraws_the_approval(app, world, login_as):
    entry_id = write_entry(app, world.placement_a, world.student_a, submit=True)
    login_as(world.mentor_x).post(
        f"/placements/{world.placement_a.id}/log/{entry_id}/review", {"version": 1, "approve": "x"}
    )
    attach_file(app, entry_id, world.student_a)
    with app.app_context():
        week = db.session.get(LogEntry, entry_id)
        assert week.review_status == ReviewStatus.SUBMITTED
        assert week.version == 3
