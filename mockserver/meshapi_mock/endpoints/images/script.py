"""The images scripting face: rules that read like the sentence a tester would say.

mock.images.reply("red")                                  # every image solid red
mock.images.when(prompt="cat").reply(size="256x256", output_format="webp")
mock.images.when(operation="edit", edit_operation="upscale").reply_bytes(png_bytes)
mock.images.when(prompt="gore").reject()                  # the provider's safety system
mock.images.default_image("a cat")                        # what default mode draws
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ...imaging import MAX_SIDE, Drawing, Format, draw, parse_colour
from ...scripting.rulebook import Predicate, Rule
from ...scripting.script import Script, Times
from ...scripting.spec import TextCriterion
from .context import DEFAULT_COMPRESSION, picture_key
from .vocabulary import ImagesMatch, ImageSpec, ImagesReply, ImagesUsageSpec
from .wire import parse_size

ColourLike = str | Sequence[int]
ImageLike = ImageSpec | Mapping[str, Any] | str
"""An image of a reply: a spec, its fields, or a colour."""
SAFETY_MESSAGE = (
    "Your request was rejected as a result of our safety system. Your prompt may contain "
    "text that is not allowed by our safety system."
)


class ImagesScript(Script[ImagesMatch]):
    """Scripts `POST /v1/images/generations` and `/v1/images/edits`."""

    endpoint = "images"
    match_model = ImagesMatch
    reply_model = ImagesReply

    def when(
        self,
        *,
        operation: Literal["generate", "edit"] | None = None,
        model: str | None = None,
        prompt: TextCriterion | None = None,
        edit_operation: str | None = None,
        size: str | None = None,
        output_format: Format | None = None,
        response_format: Literal["url", "b64_json"] | None = None,
        quality: str | None = None,
        background: Literal["transparent", "opaque", "auto"] | None = None,
        n: int | None = None,
        stream: bool | None = None,
        headers: Mapping[str, str | TextCriterion] | None = None,
        nth: int | None = None,
        predicate: Predicate | None = None,
    ) -> ImagesScript:
        """Only requests meeting every given criterion. `operation` is `generate` or `edit`;
        `edit_operation` the kind of edit (`inpaint`, `upscale`…); `prompt`: a string means
        'contains'."""
        given: dict[str, Any] = {
            "operation": operation,
            "model": model,
            "prompt": prompt,
            "edit_operation": edit_operation,
            "size": size,
            "output_format": output_format,
            "response_format": response_format,
            "quality": quality,
            "background": background,
            "n": n,
            "stream": stream,
            "headers": dict(headers) if headers is not None else None,
            "nth": nth,
        }
        return self._narrow(given, predicate)

    def reply(
        self,
        colour: ColourLike | None = None,
        *,
        images: Sequence[ImageLike] | None = None,
        size: str | None = None,
        output_format: Format | None = None,
        background: Literal["transparent", "opaque"] | None = None,
        quality: str | None = None,
        revised_prompt: str | None = None,
        model: str | None = None,
        created: int | None = None,
        usage: ImagesUsageSpec | Mapping[str, Any] | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Answer with drawn images: solid `colour` ones, or these `images` (colours, exact
        `b64_json`, URLs), at `size` and in `output_format` when given."""
        return self._add(
            {
                "colour": list(colour)
                if colour is not None and not isinstance(colour, str)
                else colour,
                "images": [_image(i) for i in images] if images is not None else None,
                "size": size,
                "output_format": output_format,
                "background": background,
                "quality": quality,
                "revised_prompt": revised_prompt,
                "model": model,
                "created": created,
                "usage": usage,
            },
            times,
            name,
            priority,
        )

    def reply_bytes(
        self,
        *images: bytes,
        revised_prompt: str | None = None,
        usage: ImagesUsageSpec | Mapping[str, Any] | None = None,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Answer with exactly these image files, one `data` item each (the rule holds them
        as base64, so keep them small)."""
        specs = [{"b64_json": base64.b64encode(data).decode("ascii")} for data in images]
        return self._add(
            {"images": specs, "revised_prompt": revised_prompt, "usage": usage},
            times,
            name,
            priority,
        )

    def reject(
        self,
        message: str = SAFETY_MESSAGE,
        *,
        times: Times = 1,
        name: str | None = None,
        priority: int = 0,
    ) -> Rule:
        """Refuse as a provider's safety system does: 400 `invalid_request` (contract §6),
        with the provider's own error alongside."""
        return self.error(
            400,
            code="invalid_request",
            message=message,
            provider_error={"code": "moderation_blocked", "type": "image_generation_user_error"},
            times=times,
            name=name,
            priority=priority,
        )

    @staticmethod
    def default_image(
        prompt: str,
        *,
        size: str = "1024x1024",
        output_format: Format = "png",
        seed: int | None = None,
        index: int = 0,
        transparent: bool = False,
        output_compression: int | None = None,
    ) -> bytes:
        """The bytes default mode answers for a generation of `prompt` (image `index`)."""
        width, height = parse_size(size) or (1024, 1024)
        assert max(width, height) <= MAX_SIDE
        drawing = Drawing(
            width,
            height,
            output_format,
            key=picture_key(None, prompt, None if seed is None or seed < 0 else seed, [], index),
            transparent=transparent,
            quality=DEFAULT_COMPRESSION
            if output_compression is None
            else max(output_compression, 1),
        )
        return draw(drawing)

    @staticmethod
    def solid_image(
        colour: ColourLike, *, size: str = "64x64", output_format: Format = "png"
    ) -> bytes:
        """A solid image, e.g. to send as an edit's input or to script with `reply_bytes`."""
        width, height = parse_size(size) or (1024, 1024)
        return draw(Drawing(width, height, output_format, colour=parse_colour(colour)))


def _image(image: ImageLike) -> Any:
    if isinstance(image, ImageSpec):
        return image.model_dump(exclude_none=True)
    return image if isinstance(image, str) else dict(image)
