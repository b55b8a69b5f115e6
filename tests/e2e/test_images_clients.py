"""Images through real clients: the bundled SDK (sync and async), the official `meshapi`
0.1.11 SDK in its own environment, and the `openai` SDK (generate, stream and edit).

Each client's images are decoded here with Pillow and checked for format and size; the
fake's journal shows what each client sent.
"""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from meshapi import (
    AsyncMeshAPI,
    ImageEditParams,
    ImageGenerationParams,
    ImageRef,
    InvalidRequestError,
    MeshAPI,
    MeshAPIError,
)
from meshapi_mock import MockServer
from openai import AsyncOpenAI, BadRequestError, OpenAI
from openai.types import ImageGenCompletedEvent, ImageGenPartialImageEvent
from PIL import Image
from support.official_sdk import official_python, run_script

MODEL = "openai/gpt-image-1"


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def colours(image: Image.Image) -> set[tuple[int, ...]]:
    read = getattr(image, "get_flattened_data", image.getdata)  # renamed in Pillow 12
    return set(read())


def data_url(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


@pytest.fixture
def client(server: MockServer) -> Iterator[MeshAPI]:
    with MeshAPI(base_url=server.url, token="rsk_test", max_retries=0) as meshapi:
        yield meshapi


@pytest.fixture
def openai_client(server: MockServer) -> Iterator[OpenAI]:
    with OpenAI(base_url=server.url + "/v1", api_key="rsk_test", max_retries=0) as openai:
        yield openai


# --- the bundled SDK ------------------------------------------------------------------


def test_bundled_sdk_generates_images_in_each_format(client: MeshAPI) -> None:
    for output_format, pillow in [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")]:
        result = client.images.generate(
            ImageGenerationParams(prompt="a fox", size="96x64", output_format=output_format, n=2)
        )

        images = [opened(item.image_bytes()) for item in result.data]
        assert [(i.format, i.size) for i in images] == [(pillow, (96, 64))] * 2
        assert (result.output_format, result.size) == (output_format, "96x64")
        assert result.usage is not None and result.usage.total_tokens > 0


def test_bundled_sdk_streams_partial_images(server: MockServer, client: MeshAPI) -> None:
    params = ImageGenerationParams(prompt="a boat", size="32x32", partial_images=2)

    chunks = list(client.images.stream(params))

    assert [c.status for c in chunks] == ["in_progress", "in_progress", "completed"]
    assert all(c.object == "image.chunk" and c.model == MODEL for c in chunks)
    final = chunks[-1].data[0].image_bytes()
    assert opened(final).size == (32, 32)
    assert final == client.images.generate(params).data[0].image_bytes()
    assert [e.stream for e in server.images.requests] == [True, False]


def test_bundled_sdk_edits_an_inline_image(server: MockServer, client: MeshAPI) -> None:
    png = server.images.solid_image("red", size="20x10")

    result = client.images.edit(
        ImageEditParams(model=MODEL, image=ImageRef(url=data_url(png)), operation="upscale")
    )

    assert opened(result.data[0].image_bytes()).size == (40, 20)
    sent = server.images.requests[-1].body
    assert sent["image"] == {"url": data_url(png)} and sent["prompt"] == ""


def test_bundled_sdk_sees_refusals_as_errors(server: MockServer, client: MeshAPI) -> None:
    with pytest.raises(InvalidRequestError) as remote:
        client.images.edit(ImageEditParams(model=MODEL, image="https://cdn.test/a.png", prompt="x"))
    server.images.when(prompt="gore").reject()
    with pytest.raises(MeshAPIError) as unsafe:
        client.images.generate(ImageGenerationParams(prompt="gore"))

    assert remote.value.status == 400 and "remote URL" in remote.value.message
    assert (unsafe.value.status, unsafe.value.error_code) == (400, "invalid_request")


def test_bundled_async_sdk(server: MockServer) -> None:
    server.images.when(prompt="blue").reply("blue")
    png = server.images.solid_image("red", size="8x8")

    async def run() -> tuple[bytes, list[str | None], bytes]:
        async with AsyncMeshAPI(base_url=server.url, token="rsk_test", max_retries=0) as c:
            blue = await c.images.generate(ImageGenerationParams(prompt="blue", size="4x4"))
            chunks = [
                chunk
                async for chunk in c.images.stream(
                    ImageGenerationParams(prompt="x", size="4x4", partial_images=1)
                )
            ]
            edited = await c.images.edit(
                ImageEditParams(model=MODEL, image=data_url(png), prompt="x")
            )
            return (
                blue.data[0].image_bytes(),
                [chunk.status for chunk in chunks],
                edited.data[0].image_bytes(),
            )

    blue, statuses, edited = asyncio.run(run())

    assert colours(opened(blue)) == {(0, 0, 255)}
    assert statuses == ["in_progress", "completed"]
    assert opened(edited).size == (8, 8)


# --- the official SDK, 0.1.11 ------------------------------------------------------------


@pytest.fixture(scope="module")
def official() -> Path:
    return official_python()


def test_official_sdk_generates_streams_and_edits(official: Path, server: MockServer) -> None:
    server.images.when(prompt="logo").reply("#00ff00", size="6x6", output_format="webp")
    png = server.images.solid_image("red", size="12x8")

    seen = run_script(
        official,
        """
import base64
from meshapi import MeshAPI, ImageGenerationParams, ImageEditParams, ImageRef
client = MeshAPI(base_url=URL, token="rsk_official", max_retries=0)
made = client.images.generate(
    ImageGenerationParams(prompt="a fox", size="64x48", output_format="jpeg", n=2)
)
logo = client.images.generate(ImageGenerationParams(prompt="our logo"))
chunks = list(client.images.stream(ImageGenerationParams(prompt="a boat", size="16x16",
                                                         partial_images=1)))
edited = client.images.edit(ImageEditParams(model="openai/gpt-image-1",
                                            image=ImageRef(url=PNG), operation="upscale"))
b64 = lambda data: base64.b64encode(data).decode()
emit({
    "made": [b64(item.image_bytes()) for item in made.data],
    "size": made.size, "usage": made.usage.total_tokens,
    "logo": b64(logo.data[0].image_bytes()),
    "chunks": [[c.object, c.status, len(c.data)] for c in chunks],
    "final": b64(chunks[-1].data[0].image_bytes()),
    "edited": b64(edited.data[0].image_bytes()),
})
""",
        URL=server.url,
        PNG=data_url(png),
    )

    made = [opened(base64.b64decode(b)) for b in seen["made"]]
    assert [(m.format, m.size) for m in made] == [("JPEG", (64, 48))] * 2
    assert seen["size"] == "64x48" and seen["usage"] > 0
    logo = opened(base64.b64decode(seen["logo"]))
    assert (logo.format, logo.size) == ("WEBP", (6, 6))
    assert seen["chunks"] == [["image.chunk", "in_progress", 1], ["image.chunk", "completed", 1]]
    assert opened(base64.b64decode(seen["final"])).size == (16, 16)
    assert opened(base64.b64decode(seen["edited"])).size == (24, 16)
    assert server.images.requests[0].headers["x-meshapi-sdk"] == "python/0.1.11"


# --- the openai SDK -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output_format", "pillow"), [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")]
)
def test_openai_sdk_generates_base64_images(
    openai_client: OpenAI, output_format: Literal["png", "jpeg", "webp"], pillow: str
) -> None:
    result = openai_client.images.generate(
        model=MODEL,
        prompt="a lighthouse",
        response_format="b64_json",
        output_format=output_format,
        size="1536x1024",
        quality="low",
    )

    assert result.data is not None
    image = opened(base64.b64decode(result.data[0].b64_json or ""))
    assert (image.format, image.size) == (pillow, (1536, 1024))
    assert (result.output_format, result.size, result.quality) == (
        output_format,
        "1536x1024",
        "low",
    )
    assert result.usage is not None and result.usage.output_tokens == 272 * 3 // 2


def test_openai_sdk_without_response_format_gets_a_data_url(openai_client: OpenAI) -> None:
    """MeshAPI inlines images as `data:` URLs unless asked for base64 (contract §6)."""
    result = openai_client.images.generate(model=MODEL, prompt="x", size="16x16")

    assert result.data is not None and result.data[0].b64_json is None
    assert (result.data[0].url or "").startswith("data:image/png;base64,")


def test_openai_sdk_streams_partial_and_completed_events(openai_client: OpenAI) -> None:
    stream = openai_client.images.generate(
        model=MODEL, prompt="a kite", stream=True, partial_images=2, size="64x64"
    )

    events = list(stream)

    assert [type(e) for e in events] == [
        ImageGenPartialImageEvent,
        ImageGenPartialImageEvent,
        ImageGenCompletedEvent,
    ]
    partials = [e for e in events if isinstance(e, ImageGenPartialImageEvent)]
    assert [e.partial_image_index for e in partials] == [0, 1]
    completed = events[-1]
    assert isinstance(completed, ImageGenCompletedEvent)
    assert opened(base64.b64decode(completed.b64_json)).size == (64, 64)
    assert (
        completed.usage.total_tokens == completed.usage.input_tokens + completed.usage.output_tokens
    )
    assert (completed.output_format, completed.size, completed.background) == (
        "png",
        "64x64",
        "opaque",
    )


def test_openai_sdk_edits_with_a_form_upload(server: MockServer, openai_client: OpenAI) -> None:
    png = server.images.solid_image("red", size="30x20")
    mask = server.images.solid_image("transparent", size="30x20")

    result = openai_client.images.edit(
        model=MODEL,
        image=("photo.png", png, "image/png"),
        mask=("mask.png", mask, "image/png"),
        prompt="add a hat",
        response_format="b64_json",
        n=2,
    )

    assert result.data is not None and len(result.data) == 2
    assert opened(base64.b64decode(result.data[0].b64_json or "")).size == (30, 20)
    sent = server.images.requests[-1]
    assert sent.headers["content-type"].startswith("multipart/form-data")
    assert sent.operation == "edit"


def test_openai_sdk_sees_a_refused_upload(openai_client: OpenAI) -> None:
    with pytest.raises(BadRequestError) as caught:
        openai_client.images.edit(model=MODEL, image=("a.txt", b"hello", "text/plain"), prompt="x")

    assert caught.value.status_code == 400
    assert "not of an image" in str(caught.value)


def test_openai_async_sdk_generates(server: MockServer) -> None:
    server.images.reply("yellow")

    async def run() -> bytes:
        async with AsyncOpenAI(base_url=server.url + "/v1", api_key="rsk_test", max_retries=0) as c:
            result = await c.images.generate(
                model=MODEL, prompt="x", size="4x4", response_format="b64_json"
            )
            assert result.data is not None
            return base64.b64decode(result.data[0].b64_json or "")

    image = opened(asyncio.run(run()))
    assert colours(image.convert("RGB")) == {(255, 255, 0)}
