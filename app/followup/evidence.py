"""Evidence: photos and PDFs attached to a log entry.

A file is judged by its content, never by its name: its first bytes must be those of a
JPEG, a PNG or a PDF, and a photo must decode. Photos are saved again without their
metadata (the place a phone recorded, the camera, the time): the students are minors.
A refused file leaves nothing behind, and a file whose row the database refuses is
removed again. Services raise `DomainError("file", …)` and own the commit.
"""

from __future__ import annotations

import io
import re
import unicodedata
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from PIL import Image, ImageOps
from sqlalchemy import func, select

from app import audit, signals
from app.domain import DomainError
from app.extensions import db
from app.followup.entries import evidence_changed
from app.models import Attachment, LogEntry, User
from app.storage import file_storage, new_key

MAX_ATTACHMENT_MB = 10
MAX_ATTACHMENT_SIZE = MAX_ATTACHMENT_MB * 1024 * 1024
# A file of a few hundred kB can claim any number of pixels, and Pillow keeps 4 bytes a
# pixel once decoded, twice that for the moment a photo is turned upright. So the size is
# read from the file's header and checked before a single pixel is decoded
# (docs/security.md has the measurements):
# - the largest photo taken is 8192 × 6144: the full resolution of a 50-megapixel phone
#   camera (8160 × 6144; 48 MP ones make 8064 × 6048);
MAX_PIXELS = 8192 * 6144
# - the most pixels decoded at once is a 24 MP photo at full size (5712 × 4284, a recent
#   iPhone's default): 100 MB, 200 MB while turned upright. A larger JPEG is decoded at
#   half its width and height directly by libjpeg, and kept so (a 50 MP photo becomes
#   12.5 MP); a PNG cannot be decoded smaller, so a larger one is refused.
MAX_DECODED_PIXELS = 25_000_000
# Pillow's own guard, for every image it opens in this process: it warns past this many
# pixels and refuses to open past twice as many.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
JPEG_QUALITY = 90

PDF = "application/pdf"
# What a file starts with, and what it then is.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", PDF),
)
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
EXTENSIONS = {"image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",), PDF: (".pdf",)}
ACCEPTED_TYPES = ",".join(EXTENSIONS)
# What a photo keeps when it is saved again: its colours and transparency, no more.
KEPT_IMAGE_INFO = ("icc_profile", "transparency")

TOO_LARGE_MESSAGE = _l(
    "This file is larger than %(limit)d MB. Choose a smaller photo or PDF.",
    limit=MAX_ATTACHMENT_MB,
)
DAMAGED_MESSAGE = _l("This file is damaged or incomplete. Try again, or choose another file.")
TOO_MANY_PIXELS_MESSAGE = _l("This photo has too many pixels. Choose a smaller copy of it.")


def content_type_of(data: bytes) -> str | None:
    """The type the bytes are, by their signature; None for anything else."""
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def add_attachment(entry: LogEntry, uploader: User, filename: str, stream: BinaryIO) -> Attachment:
    """Check a file by its content, store it and attach it to `entry`.

    The caller has checked that `uploader` may change the entry. Like a change of its
    text, new evidence withdraws a mentor's approval of the week (see `evidence_changed`).
    An entry or a log that holds all the attachments it may is refused before the file is
    read.
    """
    _check_room_for_one_more(entry)
    data, content_type = checked_file(stream)
    return store_attachment(entry, uploader, filename, data, content_type)


def checked_file(stream: BinaryIO) -> tuple[bytes, str]:
    """The file's bytes as they are kept (a photo without its metadata) and its type;
    raises `DomainError("file", …)` for a file that is refused. Nothing is stored yet, so
    a form that writes an entry and attaches a photo checks the photo before anything.
    """
    data = stream.read(MAX_ATTACHMENT_SIZE + 1)
    if not data:
        raise DomainError("file", _l("This file is empty. Choose the photo or PDF again."))
    if len(data) > MAX_ATTACHMENT_SIZE:
        raise DomainError("file", TOO_LARGE_MESSAGE)
    content_type = content_type_of(data)
    if content_type is None:
        raise DomainError(
            "file",
            _l(
                "Only photos (JPEG, PNG) and PDFs can be attached, and this file is neither, "
                "whatever its name says."
            ),
        )
    if content_type == PDF:
        _check_pdf(data)
    else:
        data = _photo_without_metadata(data, PILLOW_FORMATS[content_type])
    return data, content_type


def store_attachment(
    entry: LogEntry, uploader: User, filename: str, data: bytes, content_type: str
) -> Attachment:
    """Store a file `checked_file` accepted and attach it to `entry` (see `add_attachment`)."""
    _check_room_for_one_more(entry)
    storage = file_storage()
    key = new_key()
    size = storage.save(key, io.BytesIO(data))
    attachment = Attachment(
        entry_id=entry.id,
        uploader_id=uploader.id,
        filename=attachment_filename(filename, content_type),
        content_type=content_type,
        size=size,
        storage_key=key,
    )
    db.session.add(attachment)
    withdrawn = evidence_changed(entry)
    try:
        db.session.commit()
    except BaseException:
        # No row points to the file: remove it rather than keep a stray copy of a photo.
        db.session.rollback()
        storage.delete(key)
        raise
    if withdrawn:  # the week waits for the mentor again, as after a change of its text
        signals.week_submitted.send(entry)
    return attachment


def attachments_full(entry: LogEntry) -> str | None:
    """Why `entry` takes no more attachments (it or its placement's log holds all it may),
    or None when it has room.

    Counted before the file is stored: uploads sent at the same moment can each find room
    for the last one, so a log can end a few over; the limit bounds what piles up, not a
    race.
    """
    per_entry = current_app.config["ATTACHMENTS_PER_ENTRY"]
    if len(entry.attachments) >= per_entry:
        return lazy_ngettext(
            "This entry has %(num)d attachment, the most it can have. Remove it to add another.",
            "This entry has %(num)d attachments, the most it can have. Remove one to add another.",
            per_entry,
        )
    per_placement = current_app.config["ATTACHMENTS_PER_PLACEMENT"]
    in_log = db.session.scalar(
        select(func.count(Attachment.id))
        .join(LogEntry, Attachment.entry_id == LogEntry.id)
        .where(LogEntry.placement_id == entry.placement_id)
    )
    if in_log >= per_placement:
        return lazy_ngettext(
            "The log of this placement has %(num)d attachment, the most it can have. Remove "
            "it to add another.",
            "The log of this placement has %(num)d attachments, the most it can have. Remove "
            "one you no longer need to add another.",
            per_placement,
        )
    return None


def _check_room_for_one_more(entry: LogEntry) -> None:
    reason = attachments_full(entry)
    if reason is not None:
        raise DomainError("file", reason)


def open_attachment(attachment: Attachment) -> BinaryIO:
    """The stored bytes; raises FileNotFoundError when the file has gone missing."""
    return file_storage().open(attachment.storage_key)


def remove_attachment(attachment: Attachment, remover: User) -> None:
    """Remove the attachment's row, then its file; the audit log keeps what was removed.

    In this order a failed commit keeps both; a failed file removal leaves only bytes
    that nothing links to or serves.
    """
    key = attachment.storage_key
    entry = attachment.entry
    audit.record(remover, "attachment_removed", entry, attachment=attachment.id)
    db.session.delete(attachment)
    withdrawn = evidence_changed(entry)
    db.session.commit()
    file_storage().delete(key)
    if withdrawn:
        signals.week_submitted.send(entry)


def attachment_filename(filename: str | None, content_type: str) -> str:
    """The uploader's file name without folders or control characters, ending in the
    extension of what the file really is (a PDF named `report.exe` becomes `report.pdf`).
    """
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in name if not unicodedata.category(c).startswith("C")).strip()
    extensions = EXTENSIONS[content_type]
    stem, suffix = re.fullmatch(r"(.*?)(\.[A-Za-z0-9]{1,5})?", name).groups()
    extension = suffix if suffix and suffix.lower() in extensions else extensions[0]
    stem = stem.strip(" .") or "upload"
    return stem[: 255 - len(extension)] + extension


def _check_pdf(data: bytes) -> None:
    """A PDF ends with its end-of-file marker; a file cut short in transit does not."""
    if b"%%EOF" not in data[-1024:]:
        raise DomainError("file", DAMAGED_MESSAGE)


def _photo_without_metadata(data: bytes, pillow_format: str) -> bytes:
    """Decode the photo, turn it upright and encode it again without its metadata.

    Opening reads the header only; the pixels are counted from it before any is decoded,
    and a large JPEG is then decoded at half its width and height.
    """
    try:
        image = Image.open(io.BytesIO(data), formats=[pillow_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # Pillow refuses past twice MAX_PIXELS, and warns past it: where warnings are
        # errors (the test suite) the warning arrives here too. Either way, too large.
        raise DomainError("file", TOO_MANY_PIXELS_MESSAGE) from error
    except Exception as error:  # Pillow raises many kinds of errors on damaged files
        raise DomainError("file", DAMAGED_MESSAGE) from error
    with image:
        if image.width * image.height > MAX_PIXELS:
            raise DomainError("file", TOO_MANY_PIXELS_MESSAGE)
        try:
            if image.width * image.height > MAX_DECODED_PIXELS and pillow_format == "JPEG":
                image.draft(None, (image.width // 2, image.height // 2))
        except Exception as error:
            raise DomainError("file", DAMAGED_MESSAGE) from error
        if image.width * image.height > MAX_DECODED_PIXELS:
            # A PNG (it cannot be decoded smaller), or a JPEG libjpeg could not scale.
            raise DomainError("file", TOO_MANY_PIXELS_MESSAGE)
        try:
            image.load()
            # In place: a copy would hold the pixels twice (a photo taken upright needs no
            # turning, so no second copy at all).
            ImageOps.exif_transpose(image, in_place=True)
            image.info = {k: image.info[k] for k in KEPT_IMAGE_INFO if k in image.info}
            output = io.BytesIO()
            if pillow_format == "JPEG":
                image.save(
                    output,
                    "JPEG",
                    quality=JPEG_QUALITY,
                    icc_profile=image.info.get("icc_profile"),
                )
            else:
                image.save(output, "PNG")
        except Exception as error:  # a truncated or malformed photo fails while decoding
            raise DomainError("file", DAMAGED_MESSAGE) from error
    return output.getvalue()
