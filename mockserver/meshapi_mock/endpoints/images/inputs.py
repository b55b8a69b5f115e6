"""Images a client sends inline: edits' `image`, `mask` and `reference_images`, and the
reference `image` of a generation.

Each is a `data:image/…;base64,…` URL, bare base64, or `{"url": …}` of either. The
gateway fetches nothing, so a remote URL is refused; so are base64 that does not decode
and bytes that are not a PNG, JPEG, WebP or GIF. Each refusal is a 400
`invalid_request` naming the field, as the gateway answers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from ...errors import MeshError
from ...imaging import ImageInfo, NotAnImage, sniff
from .wire import ImageRef

_UNTYPED = "application/octet-stream"
"""What a form's file part says when its sender did not know: the bytes will tell."""


@dataclass(frozen=True)
class InputImage:
    """An inline image that decoded: where it was, what it is, and a digest of its bytes."""

    where: tuple[str | int, ...]
    info: ImageInfo
    digest: bytes
    byte_count: int


def decode(where: tuple[str | int, ...], value: str | ImageRef) -> InputImage:
    text = value if isinstance(value, str) else value.url
    location = (*where, "url") if isinstance(value, ImageRef) else where
    payload = text.strip()
    if payload[:8].lower().startswith(("http://", "https://")):
        raise _refused(
            location,
            "is a remote URL; the gateway fetches no images, so send it inline as a "
            "data:image/...;base64,... URL or bare base64",
        )
    if payload.startswith("data:"):
        header, comma, payload = payload.partition(",")
        if not comma or not header.lower().endswith(";base64"):
            raise _refused(
                location, "is a data: URL that is not base64 (data:image/png;base64,...)"
            )
        media_type = header[5:-7].strip().lower()
        if media_type and not media_type.startswith("image/") and media_type != _UNTYPED:
            raise _refused(location, f"is a data: URL of {media_type!r}, not of an image")
    payload = "".join(payload.split())  # line breaks, as some encoders wrap base64
    if not payload:
        raise _refused(location, "is empty; send an image as a data: URL or base64")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _refused(location, f"is not valid base64 ({exc})") from None
    try:
        info = sniff(data)
    except NotAnImage as exc:
        raise _refused(location, f"holds no image ({exc})") from None
    digest = hashlib.blake2b(data, digest_size=16).digest()
    return InputImage(location, info, digest, len(data))


def _refused(where: tuple[str | int, ...], problem: str) -> MeshError:
    name = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in where)
    field = name.lstrip(".")
    return MeshError(
        400,
        "invalid_request",
        f"{field} {problem}.",
        details=[{"type": "invalid_image", "loc": ["body", *where], "msg": problem}],
    )
