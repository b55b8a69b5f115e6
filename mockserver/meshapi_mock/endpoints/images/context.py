"""What rules and the renderer ask about an images request, resolved once.

Sizes follow the request: `size` when given; for a generation, else `aspect_ratio` and
`resolution`, else 1024x1024; for an edit, else the input image's size, grown by
`upscale_factor` (upscale) or `expand_factor` (outpaint), or reshaped to
`aspect_ratio` (reframe). Nothing is drawn larger than 4096 a side.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ...errors import MeshError
from ...imaging import MAX_SIDE, Format, ImageInfo
from ...memo import cached_attribute
from ...scripting.context import CallContext, clip
from .inputs import InputImage, decode
from .wire import ImageEditRequest, ImageGenerationRequest, parse_size

DEFAULT_MODEL = "openai/gpt-image-1"
"""The model that answers a generation naming none."""
DEFAULT_SIZE = (1024, 1024)
DEFAULT_COMPRESSION = 90
"""JPEG quality when `output_compression` is absent."""
_RESOLUTIONS = {"1k": 1024, "2k": 2048, "4k": 4096}
_RATIO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[:/xX]\s*(\d+(?:\.\d+)?)\s*$")
_FACTOR = re.compile(r"^\s*[xX]?\s*(\d+(?:\.\d+)?)\s*[xX]?\s*$")
_QUALITY_NAMES = {"auto": "medium", "standard": "medium", "hd": "high"}


@dataclass
class ImagesContext(CallContext):
    request: ImageGenerationRequest | ImageEditRequest

    def __post_init__(self) -> None:
        # Inline images are checked now, before any rule: a broken one is the client's
        # error (400) whatever a test scripted, as the gateway checks before a provider.
        _ = self.inputs

    # ------------------------------------------------------------------ the request

    @property
    def is_edit(self) -> bool:
        return isinstance(self.request, ImageEditRequest)

    @property
    def model(self) -> str:
        return self.request.model or DEFAULT_MODEL

    @property
    def prompt(self) -> str:
        return self.request.prompt

    @property
    def edit_operation(self) -> str | None:
        request = self.request
        return request.operation if isinstance(request, ImageEditRequest) else None

    @cached_attribute
    def inputs(self) -> list[InputImage]:
        request = self.request
        if isinstance(request, ImageGenerationRequest):
            given = request.image
            if given is None:
                return []
            if isinstance(given, list):
                return [decode(("image", i), value) for i, value in enumerate(given)]
            return [decode(("image",), given)]
        found = [decode(("image",), request.image)]
        if request.mask is not None:
            mask = decode(("mask",), request.mask)
            _same_size(found[0].info, mask)
            found.append(mask)
        for index, value in enumerate(request.reference_images or ()):
            found.append(decode(("reference_images", index), value))
        return found

    @property
    def n(self) -> int:
        return self.request.n or 1

    @property
    def stream(self) -> bool:
        request = self.request
        return isinstance(request, ImageGenerationRequest) and request.stream is True

    @property
    def partial_images(self) -> int:
        request = self.request
        if isinstance(request, ImageGenerationRequest) and request.partial_images:
            return request.partial_images
        return 0

    @property
    def output_format(self) -> Format:
        return self.request.output_format or "png"

    @property
    def response_format(self) -> str:
        return self.request.response_format or "url"

    @property
    def background(self) -> str:
        """What the request asked for: `transparent`, `opaque` or `auto`."""
        if self.edit_operation == "remove_background":
            return "transparent"
        return self.request.background or "auto"

    @property
    def quality(self) -> str:
        """The quality reported (and priced): `auto` and the DALL·E names mapped."""
        asked = self.request.quality or "auto"
        return _QUALITY_NAMES.get(asked, asked)

    @property
    def compression(self) -> int:
        given = self.request.output_compression
        return DEFAULT_COMPRESSION if given is None else max(given, 1)

    @property
    def seed(self) -> int | None:
        request = self.request
        seed = request.seed if isinstance(request, ImageGenerationRequest) else None
        return None if seed is None or seed < 0 else seed

    @cached_attribute
    def size(self) -> tuple[int, int]:
        request = self.request
        if request.size is not None:
            return parse_size(request.size) or DEFAULT_SIZE
        if isinstance(request, ImageGenerationRequest):
            return _generation_size(request)
        return _edit_size(request, self.inputs[0].info)

    def picture_key(self, index: int) -> bytes:
        return picture_key(
            self.edit_operation, self.prompt, self.seed, [i.digest for i in self.inputs], index
        )

    def summary(self) -> str:
        parts = [f"operation={self.operation}", f"model={self.model!r}"]
        if self.edit_operation is not None:
            parts.append(f"edit_operation={self.edit_operation}")
        parts.append(f"prompt={clip(self.prompt)!r}")
        parts.append(f"size={size_text(self.size)}")
        parts.append(f"output_format={self.output_format}")
        if self.stream:
            parts.append("stream=True")
        return ", ".join(parts)


def picture_key(
    edit_operation: str | None, prompt: str, seed: int | None, inputs: list[bytes], index: int
) -> bytes:
    """What default mode draws image `index` from: the same request, the same picture;
    another prompt, seed or input image, another picture. (Not the size or format.)"""
    parts = [
        b"generate" if edit_operation is None else b"edit:" + edit_operation.encode(),
        prompt.encode("utf-8", "surrogatepass"),
        b"" if seed is None else str(seed).encode(),
        *inputs,
        str(index).encode(),
    ]
    return hashlib.blake2b(b"\x00".join(parts), digest_size=32).digest()


def size_text(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


def _same_size(image: ImageInfo, mask: InputImage) -> None:
    if (mask.info.width, mask.info.height) != (image.width, image.height):
        problem = (
            f"is {mask.info.width}x{mask.info.height} but the image is "
            f"{image.width}x{image.height}; a mask must be the image's size"
        )
        raise MeshError(
            400,
            "invalid_request",
            f"mask {problem}.",
            details=[{"type": "invalid_image", "loc": ["body", *mask.where], "msg": problem}],
        )


def fit(width: float, height: float) -> tuple[int, int]:
    """Whole pixels, at least 1 and at most `MAX_SIDE` a side (shrunk keeping the shape)."""
    scale = min(1.0, MAX_SIDE / max(width, height))
    return max(1, min(MAX_SIDE, round(width * scale))), max(1, min(MAX_SIDE, round(height * scale)))


def _ratio(text: str | None) -> float | None:
    found = _RATIO.match(text or "")
    if found is None:
        return None
    width, height = float(found.group(1)), float(found.group(2))
    return width / height if width > 0 and height > 0 else None


def _shaped(long_side: float, ratio: float) -> tuple[int, int]:
    if ratio >= 1:
        return fit(long_side, long_side / ratio)
    return fit(long_side * ratio, long_side)


def _generation_size(request: ImageGenerationRequest) -> tuple[int, int]:
    long_side = _RESOLUTIONS.get((request.resolution or "").strip().lower())
    ratio = _ratio(request.aspect_ratio)
    if long_side is None and ratio is None:
        return DEFAULT_SIZE
    return _shaped(long_side or DEFAULT_SIZE[0], ratio or 1.0)


def _factor(value: str | float | None, default: float) -> float:
    if isinstance(value, int | float):
        number = float(value)
    else:
        found = _FACTOR.match(value or "")
        number = float(found.group(1)) if found else default
    return min(max(number, 1.0), 16.0)


def _edit_size(request: ImageEditRequest, image: ImageInfo) -> tuple[int, int]:
    width, height = float(image.width), float(image.height)
    if request.operation == "upscale":
        factor = _factor(request.upscale_factor, 2.0)
        return fit(width * factor, height * factor)
    if request.operation == "outpaint":
        factor = _factor(request.expand_factor, 1.5)
        return fit(width * factor, height * factor)
    ratio = _ratio(request.aspect_ratio)
    if request.operation == "reframe" and ratio is not None:
        return _shaped(max(width, height), ratio)
    return fit(width, height)
