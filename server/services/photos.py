"""Field report photos: a real image or nothing, its location stripped unless the worker chose
to share it, kept on disk with a thumbnail.

A photo is decoded in full (Pillow) before anything is stored: a truncated file, a renamed
PDF or a decompression bomb is a 4xx naming ``photo``. Stripping re-encodes the pixels with no
metadata at all (EXIF with its GPS block, XMP, text chunks): a location can hide in more than
one place, and the camera's serial number is nobody's business either. The orientation is
applied first, so the picture still stands upright. A shared location keeps the file as taken.
Files are written under a random name (temporary name, then rename), so a reader never sees
half a photo; the report row only names them after that.
"""

from __future__ import annotations

import io
import os
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from PIL import ImageOps
from PIL import UnidentifiedImageError

from server.errors import ApiError

#: Decoded formats accepted, with their media type and file extension.
FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"),
           "WEBP": ("image/webp", ".webp")}
MAX_PIXELS = 50_000_000  # a 50-megapixel camera; beyond that, a bomb rather than a photo
THUMBNAIL_PX = 320


class PhotoTooLarge(ApiError):
    status = 413


class NotAnImage(ApiError):
    status = 415


@dataclass(frozen=True)
class Photo:
    """A checked photo, ready to store."""

    data: bytes
    thumbnail: bytes
    media_type: str
    extension: str
    width: int
    height: int
    location_kept: bool


def prepare(raw: bytes, keep_location: bool, max_bytes: int) -> Photo:
    """Check and clean an uploaded photo (see the module's docstring)."""
    if len(raw) > max_bytes:
        raise PhotoTooLarge("photo too large", {"photo": f"larger than {max_bytes} bytes"})
    if not raw:
        raise NotAnImage("not an image", {"photo": "empty file"})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw))
            fmt = img.format
            if fmt not in FORMATS:
                raise NotAnImage("not an image", {"photo": "must be a JPEG, PNG or WebP image"})
            if img.width * img.height > MAX_PIXELS:
                raise PhotoTooLarge("photo too large",
                                    {"photo": f"more than {MAX_PIXELS:,} pixels"})
            img.load()  # the whole picture: a truncated or corrupt file fails here
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoTooLarge("photo too large", {"photo": "too many pixels"}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise NotAnImage("not an image", {"photo": "not a readable JPEG, PNG or WebP image"}) \
            from None
    upright = ImageOps.exif_transpose(img)
    media_type, extension = FORMATS[fmt]
    data = raw if keep_location else _encode(upright, fmt)
    return Photo(data, _thumbnail(upright), media_type, extension, upright.width,
                 upright.height, keep_location)


def _encode(img: Image.Image, fmt: str) -> bytes:
    """The pixels again, with no metadata but the colour profile (no EXIF, XMP or text)."""
    clean = img.copy()
    icc = img.info.get("icc_profile")  # colours, not identity: kept
    clean.info = {}
    if fmt == "JPEG" and clean.mode not in ("RGB", "L", "CMYK"):
        clean = clean.convert("RGB")
    out = io.BytesIO()
    options = {"quality": 90} if fmt in ("JPEG", "WEBP") else {}
    if icc:
        options["icc_profile"] = icc
    clean.save(out, fmt, **options)
    return out.getvalue()


def _thumbnail(img: Image.Image) -> bytes:
    small = img.copy()
    small.info = {}
    small.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    if small.mode != "RGB":
        small = small.convert("RGB")
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def store(photo: Photo, folder: Path, when) -> tuple[str, str]:
    """Write the photo and its thumbnail; their paths relative to ``folder``."""
    sub = Path(f"{when:%Y}") / f"{when:%m}"
    (folder / sub).mkdir(parents=True, exist_ok=True)
    name = secrets.token_hex(16)
    paths = (sub / f"{name}{photo.extension}", sub / f"{name}.thumb.jpg")
    for rel, data in zip(paths, (photo.data, photo.thumbnail), strict=True):
        tmp = folder / rel.with_name(rel.name + ".part")
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, folder / rel)
    return str(paths[0]), str(paths[1])


def remove(folder: Path, *relative: str | None) -> None:
    """Delete stored files (a report that did not commit must leave nothing behind)."""
    for rel in relative:
        if rel:
            (folder / rel).unlink(missing_ok=True)


def resolve(folder: Path, relative: str) -> Path | None:
    """The file of a stored path, if it is still inside ``folder`` and exists."""
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder.resolve()) or not path.is_file():
        return None
    return path
