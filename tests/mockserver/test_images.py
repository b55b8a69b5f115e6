"""`/v1/images/generations` and `/v1/images/edits` over real HTTP (contract §6).

Images are decoded with Pillow and checked for format, size and content; default mode is
deterministic (same request, same bytes) and follows the prompt; streams are checked
frame by frame; edits refuse what is not an inline image; rules script images from
Python, scenario files and the admin API; the journal and strict mode see images calls.
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshapi_mock import MockServer
from meshapi_mock.scripting.scenarios import ScenarioError
from PIL import Image
from pydantic import ValidationError
from support.wire import error_of, sse_payloads

GENERATIONS = "/v1/images/generations"
EDITS = "/v1/images/edits"
MODEL = "openai/gpt-image-1"
PILLOW = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def generate(http: httpx.Client, prompt: str = "a red fox", **body: Any) -> dict[str, Any]:
    response = http.post(GENERATIONS, json={"prompt": prompt, **body})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def edit(http: httpx.Client, image: Any, **body: Any) -> httpx.Response:
    body.setdefault("prompt", "add a hat")
    return http.post(EDITS, json={"model": MODEL, "image": image, **body})


def image_bytes(item: dict[str, Any]) -> bytes:
    """The image of a `data` item, from `b64_json` or an inline `data:` URL."""
    if "b64_json" in item:
        assert "url" not in item
        return base64.b64decode(item["b64_json"], validate=True)
    header, _, payload = item["url"].partition(",")
    assert header.startswith("data:image/") and header.endswith(";base64"), header
    return base64.b64decode(payload, validate=True)


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def first_image(answer: dict[str, Any]) -> Image.Image:
    return opened(image_bytes(answer["data"][0]))


def colours(image: Image.Image) -> set[tuple[int, ...]]:
    read = getattr(image, "get_flattened_data", image.getdata)  # renamed in Pillow 12
    return set(read())


def data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = error_of(response)
    assert error["code"] == code
    return error


@pytest.fixture
def png(server: MockServer) -> bytes:
    """A 40x30 red PNG to edit."""
    return server.images.solid_image("red", size="40x30")


# --- default mode ---------------------------------------------------------------------


def test_the_default_answer_is_a_1024_png_as_an_inline_data_url(http: httpx.Client) -> None:
    answer = generate(http)

    assert set(answer) == {
        "created",
        "data",
        "background",
        "output_format",
        "quality",
        "size",
        "usage",
    }
    assert isinstance(answer["created"], int)
    [item] = answer["data"]
    assert item["url"].startswith("data:image/png;base64,")
    image = first_image(answer)
    assert (image.format, image.size, image.mode) == ("PNG", (1024, 1024), "RGB")
    assert (answer["output_format"], answer["size"], answer["background"]) == (
        "png",
        "1024x1024",
        "opaque",
    )
    usage = answer["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert (usage["input_tokens"], usage["output_tokens"]) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
    )


@pytest.mark.parametrize("output_format", ["png", "jpeg", "webp"])
@pytest.mark.parametrize("size", ["256x256", "1536x1024", "17x33"])
def test_each_format_at_the_size_asked_as_base64(
    http: httpx.Client, output_format: str, size: str
) -> None:
    answer = generate(http, size=size, output_format=output_format, response_format="b64_json")

    image = first_image(answer)
    assert image.format == PILLOW[output_format]
    assert "x".join(map(str, image.size)) == size == answer["size"]
    assert answer["output_format"] == output_format


@pytest.mark.parametrize(
    ("body", "size"),
    [
        ({"size": "auto"}, (1024, 1024)),
        ({"size": "512X256"}, (512, 256)),
        ({"size": "2K"}, (2048, 2048)),
        ({"aspect_ratio": "16:9"}, (1024, 576)),
        ({"aspect_ratio": "9:16", "resolution": "2K"}, (1152, 2048)),
        ({"resolution": "4k"}, (4096, 4096)),
        ({"aspect_ratio": "whatever"}, (1024, 1024)),
    ],
)
def test_sizes_follow_size_aspect_ratio_and_resolution(
    http: httpx.Client, body: dict[str, Any], size: tuple[int, int]
) -> None:
    answer = generate(http, **body)

    assert first_image(answer).size == size
    assert answer["size"] == f"{size[0]}x{size[1]}"


@pytest.mark.parametrize("output_format", ["png", "webp"])
def test_a_transparent_background_has_alpha(http: httpx.Client, output_format: str) -> None:
    answer = generate(http, size="256x256", background="transparent", output_format=output_format)

    image = first_image(answer)
    assert image.mode == "RGBA"
    assert {pixel[3] for pixel in colours(image)} == {0, 255}
    assert answer["background"] == "transparent"


def test_jpeg_cannot_be_transparent_so_it_is_drawn_opaque(http: httpx.Client) -> None:
    answer = generate(http, size="64x64", background="transparent", output_format="jpeg")

    assert first_image(answer).mode == "RGB"
    assert answer["background"] == "opaque"


def test_the_same_request_gives_the_same_bytes(server: MockServer, http: httpx.Client) -> None:
    body = {"size": "300x200", "output_format": "jpeg", "n": 2}
    first = generate(http, "a lighthouse", **body)
    server.reset()

    assert generate(http, "a lighthouse", **body) == first
    a, b = (image_bytes(item) for item in first["data"])
    assert a != b, "n images are n different pictures"


@pytest.mark.parametrize("output_format", ["png", "jpeg", "webp"])
def test_prompt_and_seed_choose_the_picture(http: httpx.Client, output_format: str) -> None:
    def picture(prompt: str, **extra: Any) -> bytes:
        body = {"size": "128x128", "output_format": output_format, **extra}
        return image_bytes(generate(http, prompt, **body)["data"][0])

    assert picture("a cat") != picture("a dog")
    assert picture("a cat", seed=1) != picture("a cat", seed=2)
    assert picture("a cat", seed=-1) == picture("a cat"), "-1 asks for no particular seed"
    assert picture("a cat", quality="high") == picture("a cat"), "quality is only reported"


def test_default_image_is_what_default_mode_answers(server: MockServer, http: httpx.Client) -> None:
    answer = generate(http, "a kite", size="200x100", output_format="webp", seed=7, n=2)

    second = image_bytes(answer["data"][1])

    assert second == server.images.default_image(
        "a kite", size="200x100", output_format="webp", seed=7, index=1
    )


def test_output_compression_sets_jpeg_quality(http: httpx.Client) -> None:
    def size(compression: int) -> int:
        body: dict[str, Any] = {"size": "512x512", "output_format": "jpeg"}
        answer = generate(http, **body, output_compression=compression)
        return len(image_bytes(answer["data"][0]))

    assert size(10) < size(95)


def test_usage_grows_with_size_quality_and_count(http: httpx.Client) -> None:
    def output(**body: Any) -> int:
        tokens: int = generate(http, "x", **body)["usage"]["completion_tokens"]
        return tokens

    assert output(size="1024x1024", quality="low") == 272
    assert output(size="1024x1024", quality="high") == 4160
    assert output(size="1024x1024") == 1056, "auto is priced as medium"
    assert output(size="1024x1024", quality="high", n=3) == 3 * 4160
    assert output(size="2048x1024", quality="low") == 2 * 272


def test_fields_the_official_sdk_sends_are_accepted(http: httpx.Client) -> None:
    answer = generate(
        http,
        model=MODEL,
        n=1,
        quality="high",
        moderation="low",
        sequential_image_generation="disabled",
        sequential_image_generation_options={"max_images": 1},
        guidance_scale=7.5,
        watermark=False,
        optimize_prompt_options={"mode": "standard"},
        seed=2147483647,
        stream=False,
    )

    assert answer["quality"] == "high" and len(answer["data"]) == 1


def test_reference_images_of_a_generation_must_be_images(http: httpx.Client, png: bytes) -> None:
    assert generate(http, image=data_url(png))["data"]
    assert generate(http, image=[data_url(png), base64.b64encode(png).decode()])["data"]

    error = refused(
        http.post(GENERATIONS, json={"prompt": "x", "image": ["aGk="]}), 400, "invalid_request"
    )

    assert error["details"][0]["loc"] == ["body", "image", 0]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "prompt"]),
        ({"prompt": "x", "size": "0x10"}, ["body", "size"]),
        ({"prompt": "x", "size": "4097x10"}, ["body", "size"]),
        ({"prompt": "x", "size": "large"}, ["body", "size"]),
        ({"prompt": "x", "n": 0}, ["body", "n"]),
        ({"prompt": "x", "n": 11}, ["body", "n"]),
        ({"prompt": "x", "n": "2"}, ["body", "n"]),
        ({"prompt": "x", "output_format": "gif"}, ["body", "output_format"]),
        ({"prompt": "x", "response_format": "png"}, ["body", "response_format"]),
        ({"prompt": "x", "output_compression": 101}, ["body", "output_compression"]),
        ({"prompt": "x", "partial_images": 4}, ["body", "partial_images"]),
        ({"prompt": "x", "background": "clear"}, ["body", "background"]),
        ({"prompt": "x", "seed": -2}, ["body", "seed"]),
        ({"prompt": "x", "guidance_scale": 0.5}, ["body", "guidance_scale"]),
        ({"prompt": "x", "stream": "yes"}, ["body", "stream"]),
    ],
)
def test_bad_generation_bodies_are_422_naming_the_field(
    http: httpx.Client, body: dict[str, Any], loc: list[Any]
) -> None:
    error = refused(http.post(GENERATIONS, json=body), 422, "validation_error")

    assert loc in [detail["loc"][: len(loc)] for detail in error["details"]]


def test_401_without_a_key(server: MockServer) -> None:
    response = httpx.post(server.url + GENERATIONS, json={"prompt": "x"})

    refused(response, 401, "unauthorized")


# --- streaming ------------------------------------------------------------------------


def test_a_stream_sends_partial_images_then_the_image(http: httpx.Client) -> None:
    body = {"prompt": "a boat", "stream": True, "partial_images": 2, "size": "128x96"}
    response = http.post(GENERATIONS, json=body)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    chunks = sse_payloads(response.content)  # LF framing, ends with [DONE]
    assert [c["status"] for c in chunks] == ["in_progress", "in_progress", "completed"]
    assert [c["type"] for c in chunks] == [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    assert [c.get("partial_image_index") for c in chunks] == [0, 1, None]
    envelope = {(c["id"], c["object"], c["created"], c["model"]) for c in chunks}
    assert len(envelope) == 1 and chunks[0]["object"] == "image.chunk"
    images = [image_bytes(c["data"][0]) for c in chunks]
    assert [base64.b64decode(c["b64_json"]) for c in chunks] == images, "OpenAI's copy agrees"
    assert all(opened(image).size == (128, 96) for image in images)
    assert len(set(images)) == 3, "each partial image shows more"
    final = http.post(GENERATIONS, json={**body, "stream": False}).json()
    assert image_bytes(final["data"][0]) == images[-1]
    assert chunks[-1]["usage"] == final["usage"]


def test_a_stream_of_n_images_ends_each_with_a_completed_chunk(http: httpx.Client) -> None:
    body = {"prompt": "x", "stream": True, "n": 3, "size": "16x16", "response_format": "b64_json"}
    chunks = sse_payloads(http.post(GENERATIONS, json=body).content)

    assert [c["status"] for c in chunks] == ["completed"] * 3
    assert all("b64_json" in c["data"][0] for c in chunks)
    whole = http.post(GENERATIONS, json={**body, "stream": False}).json()
    assert [c["data"][0] for c in chunks] == whole["data"]
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        assert sum(c["usage"][key] for c in chunks) == whole["usage"][key]


def test_a_scripted_error_comes_before_the_stream(server: MockServer, http: httpx.Client) -> None:
    server.images.when(stream=True).error(503, retry_after=1)

    response = http.post(GENERATIONS, json={"prompt": "x", "stream": True})

    refused(response, 503, "upstream_error")
    assert response.headers["retry-after"] == "1"


# --- edits ----------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["data_url", "bare", "ref", "ref_bare", "wrapped_lines"])
def test_an_edit_takes_its_image_inline_in_every_form(
    http: httpx.Client, png: bytes, form: str
) -> None:
    encoded = base64.b64encode(png).decode()
    image = {
        "data_url": data_url(png),
        "bare": encoded,
        "ref": {"url": data_url(png)},
        "ref_bare": {"url": encoded},
        "wrapped_lines": "\n".join(encoded[i : i + 20] for i in range(0, len(encoded), 20)),
    }[form]

    response = edit(http, image)

    assert response.status_code == 200, response.text
    answer = response.json()
    assert first_image(answer).size == (40, 30), "an edit keeps the input's size"
    assert answer["usage"]["input_tokens_details"]["image_tokens"] > 0


@pytest.mark.parametrize(
    ("extra", "size"),
    [
        ({"operation": "upscale"}, (80, 60)),
        ({"operation": "upscale", "upscale_factor": "4x"}, (160, 120)),
        ({"operation": "outpaint", "prompt": "more sky", "expand_factor": 2}, (80, 60)),
        ({"operation": "outpaint", "prompt": "more sky", "expand_factor": "1.5"}, (60, 45)),
        ({"operation": "reframe", "aspect_ratio": "1:1"}, (40, 40)),
        ({"operation": "inpaint", "size": "64x32"}, (64, 32)),
    ],
)
def test_edit_sizes_follow_the_operation(
    http: httpx.Client, png: bytes, extra: dict[str, Any], size: tuple[int, int]
) -> None:
    response = edit(http, data_url(png), **extra)

    assert response.status_code == 200, response.text
    assert first_image(response.json()).size == size


def test_remove_background_answers_a_transparent_png(http: httpx.Client, png: bytes) -> None:
    response = edit(http, data_url(png), operation="remove_background", prompt="")

    answer = response.json()
    assert answer["background"] == "transparent"
    assert first_image(answer).mode == "RGBA"


def test_an_edit_follows_its_input(server: MockServer, http: httpx.Client, png: bytes) -> None:
    blue = server.images.solid_image("blue", size="40x30")

    def edited(source: bytes) -> bytes:
        return image_bytes(edit(http, data_url(source)).json()["data"][0])

    assert edited(png) == edited(png)
    assert edited(png) != edited(blue)


def test_a_mask_of_the_image_size_is_taken(
    server: MockServer, http: httpx.Client, png: bytes
) -> None:
    mask = server.images.solid_image("transparent", size="40x30")
    assert edit(http, data_url(png), operation="inpaint", mask=data_url(mask)).status_code == 200

    other = server.images.solid_image("transparent", size="41x30")
    error = refused(
        edit(http, data_url(png), mask={"url": data_url(other)}), 400, "invalid_request"
    )

    assert "41x30" in error["message"] and "40x30" in error["message"]
    assert error["details"][0]["loc"] == ["body", "mask", "url"]


@pytest.mark.parametrize(
    ("image", "said"),
    [
        ("https://cdn.test/cat.png", "remote URL"),
        ({"url": "http://cdn.test/cat.png"}, "remote URL"),
        ("data:image/png;base64,not base64!", "not valid base64"),
        ("abc", "not valid base64"),
        ("", "is empty"),
        ("aGVsbG8gd29ybGQ=", "holds no image"),
        ("data:text/plain;base64,aGVsbG8=", "not of an image"),
        ("data:image/png,rawbytes", "not base64"),
    ],
)
def test_an_edit_refuses_what_is_not_an_inline_image(
    http: httpx.Client, image: Any, said: str
) -> None:
    error = refused(edit(http, image), 400, "invalid_request")

    assert said in error["message"]
    assert error["details"][0]["loc"][:2] == ["body", "image"]


def test_a_bad_reference_image_is_named(http: httpx.Client, png: bytes) -> None:
    response = edit(http, data_url(png), operation="mix", reference_images=[data_url(png), "x"])

    error = refused(response, 400, "invalid_request")
    assert error["message"].startswith("reference_images[1] ")


def test_a_broken_image_is_refused_whatever_a_rule_says(
    server: MockServer, http: httpx.Client
) -> None:
    server.images.reply("red", times=None)

    refused(edit(http, "https://cdn.test/cat.png"), 400, "invalid_request")
    assert server.rules[0].call_count == 0


@pytest.mark.parametrize("operation", ["edit", "outpaint", "mix"])
def test_edits_that_need_a_prompt_say_so(http: httpx.Client, png: bytes, operation: str) -> None:
    error = refused(
        edit(http, data_url(png), operation=operation, prompt=""), 422, "validation_error"
    )

    assert error["details"][0]["loc"] == ["body", "prompt"]
    assert operation in error["details"][0]["msg"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"image": "x"}, ["body", "model"]),
        ({"model": MODEL}, ["body", "image"]),
        ({"model": MODEL, "image": "x", "operation": "colorize"}, ["body", "operation"]),
        ({"model": MODEL, "image": ["x"]}, ["body", "image"]),
        ({"model": MODEL, "image": "x", "prompt": "p", "n": 0}, ["body", "n"]),
        (
            {"model": MODEL, "image": "x", "prompt": "p", "mask_feather": -1},
            ["body", "mask_feather"],
        ),
    ],
)
def test_bad_edit_bodies_are_422(http: httpx.Client, body: dict[str, Any], loc: list[Any]) -> None:
    error = refused(http.post(EDITS, json=body), 422, "validation_error")

    assert loc in [detail["loc"][: len(loc)] for detail in error["details"]]


def test_an_edit_as_a_form_upload(http: httpx.Client, png: bytes) -> None:
    """The `openai` SDK uploads edits as multipart forms: the same request, read as one."""
    response = http.post(
        EDITS,
        data={"model": MODEL, "prompt": "hat", "n": "2", "response_format": "b64_json"},
        files=[("image[]", ("a.png", png, "image/png")), ("image[]", ("b.png", png, "image/png"))],
    )

    assert response.status_code == 200, response.text
    answer = response.json()
    assert len(answer["data"]) == 2 and first_image(answer).size == (40, 30)
    refused(
        http.post(EDITS, data={"model": MODEL, "prompt": "hat", "n": "zero"}, files={"image": png}),
        422,
        "validation_error",
    )
    broken = http.post(
        EDITS,
        content=b"--x\r\nnothing",
        headers={"content-type": "multipart/form-data; boundary=y"},
    )
    refused(broken, 400, "invalid_request")


# --- scripting from Python ------------------------------------------------------------


def test_reply_scripts_a_solid_colour(server: MockServer, http: httpx.Client) -> None:
    server.images.reply("#ff8000")

    answer = generate(http, size="32x16", output_format="webp")

    assert colours(first_image(answer).convert("RGBA")) == {(255, 128, 0, 255)}
    assert server.rules[0].to_wire()["reply"] == {"colour": "#ff8000"}, "no image in the rule"


def test_reply_overrides_size_format_and_reports(server: MockServer, http: httpx.Client) -> None:
    server.images.reply(
        [0, 0, 255],
        size="8x4",
        output_format="jpeg",
        quality="high",
        revised_prompt="A blue square.",
        created=1700000000,
        usage={"prompt_tokens": 3, "completion_tokens": 5},
    )

    answer = generate(http, n=2)

    assert [first_image(answer).format, first_image(answer).size] == ["JPEG", (8, 4)]
    assert [item["revised_prompt"] for item in answer["data"]] == ["A blue square."] * 2
    assert (answer["created"], answer["quality"], answer["output_format"]) == (
        1700000000,
        "high",
        "jpeg",
    )
    assert answer["usage"]["total_tokens"] == 8


def test_scripted_images_are_sent_in_order(server: MockServer, http: httpx.Client) -> None:
    exact = server.images.solid_image("green", size="3x3", output_format="jpeg")
    server.images.reply(
        images=[
            "red",
            {"b64_json": base64.b64encode(exact).decode(), "revised_prompt": "given"},
            {"url": "https://cdn.test/remote.png"},
            {},
        ]
    )

    answer = generate(http, n=1, size="10x10")

    red, given, remote, default = answer["data"]
    assert colours(opened(image_bytes(red))) == {(255, 0, 0)}
    assert given["url"].startswith("data:image/jpeg;base64,"), "its own type, read from it"
    assert image_bytes(given) == exact and given["revised_prompt"] == "given"
    assert remote == {"url": "https://cdn.test/remote.png"}
    assert opened(image_bytes(default)).size == (10, 10)


def test_reply_bytes_sends_exact_files(server: MockServer, http: httpx.Client) -> None:
    files = [b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", server.images.solid_image("red")]
    server.images.reply_bytes(*files, revised_prompt="exact")

    answer = generate(http, response_format="b64_json")

    assert [image_bytes(item) for item in answer["data"]] == files


def test_reject_is_the_providers_safety_refusal(server: MockServer, http: httpx.Client) -> None:
    server.images.when(prompt="gore").reject()

    error = refused(http.post(GENERATIONS, json={"prompt": "some gore"}), 400, "invalid_request")

    assert "safety system" in error["message"]
    assert error["provider_error"]["code"] == "moderation_blocked"
    assert generate(http, "a flower")["data"], "other prompts still draw"


def test_match_on_what_the_request_asks(server: MockServer, http: httpx.Client, png: bytes) -> None:
    server.images.when(operation="edit", edit_operation="upscale").reply("blue", times=None)
    server.images.when(operation="edit").reply("green", times=None)
    server.images.when(size="64x64", output_format="webp").reply("yellow", times=None)
    server.images.when(size="auto").reply("cyan", times=None)
    server.images.when(response_format="b64_json", n=2).reply("magenta", times=None)
    server.images.when(background="transparent", quality="low").reply("white", times=None)

    def colour(response: httpx.Response) -> tuple[int, ...]:
        assert response.status_code == 200, response.text
        (found,) = colours(first_image(response.json()).convert("RGB"))
        return found

    def post(**body: Any) -> httpx.Response:
        return http.post(GENERATIONS, json={"prompt": "x", **body})

    assert colour(edit(http, data_url(png), operation="upscale")) == (0, 0, 255)
    assert colour(edit(http, data_url(png))) == (0, 128, 0)
    assert colour(post(size="64x64", output_format="webp")) == (255, 255, 0)
    assert colour(post(size="auto")) == (0, 255, 255)
    assert colour(post(response_format="b64_json", n=2)) == (255, 0, 255)
    assert colour(post(background="transparent", quality="low", size="8x8")) == (255, 255, 255)
    assert len(colours(first_image(generate(http, size="8x8")))) > 1, "default mode"


def test_nth_times_predicate_and_respond(server: MockServer, http: httpx.Client) -> None:
    server.images.when(nth=2).reply("red")
    server.images.when(predicate=lambda request: request.n == 3).reply("blue", times=None)
    server.images.respond(lambda request: ["black", {"colour": "white"}], times=None)

    def shades(**body: Any) -> list[set[tuple[int, ...]]]:
        answer = generate(http, size="4x4", **body)
        return [colours(opened(image_bytes(item))) for item in answer["data"]]

    assert shades() == [{(0, 0, 0)}, {(255, 255, 255)}], "respond: a list is the images"
    assert shades() == [{(255, 0, 0)}], "the 2nd request"
    assert shades(n=3) == [{(0, 0, 255)}] * 3


def test_a_stream_of_scripted_images(server: MockServer, http: httpx.Client) -> None:
    server.images.when(stream=True).reply("red", model="acme/painter")

    body = {"prompt": "x", "stream": True, "partial_images": 1, "size": "4x4"}
    chunks = sse_payloads(http.post(GENERATIONS, json=body).content)

    assert [c["model"] for c in chunks] == ["acme/painter"] * 2
    assert all(colours(opened(image_bytes(c["data"][0]))) == {(255, 0, 0)} for c in chunks)


@pytest.mark.parametrize(
    "reply",
    [
        {"colour": "reddish"},
        {"colour": "red", "images": ["red"], "error": {"status": 500}},
        {"images": [{"colour": "red", "url": "https://x.test/a.png"}]},
        {"images": [{"b64_json": "not base64!"}]},
        {"size": "0x0"},
        {"size": "5000x10"},
        {"output_format": "gif"},
        {"usage": {"prompt_tokens": -1}},
        {"text": "chat's"},
    ],
)
def test_nonsense_replies_are_refused_when_scripted(
    server: MockServer, http: httpx.Client, reply: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        server.images.reply_with(**reply)
    response = http.post("/_mock/rules", json={"endpoint": "images", "reply": reply})
    refused(response, 422, "validation_error")
    assert server.rules == []


@pytest.mark.parametrize(
    "match",
    [
        {"operation": "generation"},
        {"edit_operation": "colorize"},
        {"output_format": "gif"},
        {"n": 0},
        {"last_user": "chat's"},
    ],
)
def test_nonsense_criteria_are_refused_when_scripted(
    server: MockServer, http: httpx.Client, match: dict[str, Any]
) -> None:
    response = http.post("/_mock/rules", json={"endpoint": "images", "match": match, "reply": {}})

    refused(response, 422, "validation_error")
    with pytest.raises((ValidationError, TypeError)):  # TypeError: not a keyword of when()
        server.images.when(**match)
    assert server.rules == []


def test_color_is_accepted_as_colour(server: MockServer, http: httpx.Client) -> None:
    server.add_rules({"endpoint": "images", "reply": {"color": "blue"}})

    assert colours(first_image(generate(http, size="2x2"))) == {(0, 0, 255)}


def test_strict_mode_refuses_default_images_and_names_near_misses(
    server: MockServer, http: httpx.Client
) -> None:
    server.strict = True
    server.images.when(prompt="cat", size="256x256").reply("red")

    response = http.post(GENERATIONS, json={"prompt": "a dog", "size": "512x512"})

    error = refused(response, 404, "no_matching_rule")
    assert "prompt: expected text containing 'cat', got 'a dog'" in error["message"]
    assert "size: expected '256x256', got '512x512'" in error["message"]
    assert server.unmatched_requests()


# --- scenario files, the admin API, the journal ----------------------------------------


def test_rules_from_a_scenario_file(server: MockServer, http: httpx.Client, tmp_path: Path) -> None:
    path = tmp_path / "images.yaml"
    path.write_text(
        """
rules:
  - endpoint: images
    name: logo
    match: {prompt: logo, operation: generate}
    reply: {colour: "#123456", size: 16x16, output_format: webp}
    times: unlimited
  - endpoint: images
    match: {edit_operation: upscale}
    reply: {error: {status: 501, code: model_capability_not_supported}}
  - endpoint: images
    match: {prompt: {regex: "^unsafe"}}
    reply: {error: {status: 400, message: rejected by the safety system}}
""",
        encoding="utf-8",
    )

    loaded = server.load(path)

    assert [rule.endpoint for rule in loaded] == ["images"] * 3
    image = first_image(generate(http, "our logo"))
    assert (image.format, image.size) == ("WEBP", (16, 16))
    assert colours(image.convert("RGB")) == {(0x12, 0x34, 0x56)}
    png = server.images.solid_image("red")
    refused(edit(http, data_url(png), operation="upscale"), 501, "model_capability_not_supported")
    refused(http.post(GENERATIONS, json={"prompt": "unsafe"}), 400, "invalid_request")


def test_a_scenario_file_with_a_bad_colour_is_refused(server: MockServer, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("rules:\n  - endpoint: images\n    reply: {colour: '#12'}\n", encoding="utf-8")

    with pytest.raises(ScenarioError, match="colour"):
        server.load(path)


def test_rules_from_the_admin_api(http: httpx.Client) -> None:
    posted = http.post(
        "/_mock/rules",
        json={
            "endpoint": "images",
            "match": {"prompt": "fox", "output_format": "png"},
            "reply": {"images": ["red", "blue"], "revised_prompt": "Two foxes."},
            "times": 2,
        },
    )

    assert posted.status_code == 201, posted.text
    [rule] = posted.json()
    assert rule["reply"] == {
        "images": [{"colour": "#ff0000"}, {"colour": "#0000ff"}],
        "revised_prompt": "Two foxes.",
    }
    answer = generate(http, "a fox", size="2x2")
    assert [colours(opened(image_bytes(i))) for i in answer["data"]] == [
        {(255, 0, 0)},
        {(0, 0, 255)},
    ]
    assert http.get("/_mock/requests").json()[-1]["matched"] == rule["id"]


def test_the_journal_records_images_calls(
    server: MockServer, http: httpx.Client, png: bytes
) -> None:
    rule = server.images.when(prompt="scripted").reply("red")

    generate(http, "scripted", size="2x2")
    http.post(GENERATIONS, json={"prompt": "streamed", "stream": True, "size": "2x2"})
    edit(http, data_url(png))

    scripted, streamed, edited = server.images.requests
    assert [(e.operation, e.matched, e.stream) for e in (scripted, streamed, edited)] == [
        ("generate", rule.id, False),
        ("generate", "default", True),
        ("edit", "default", False),
    ]
    assert edited.path == EDITS and edited.body["prompt"] == "add a hat"
    assert server.images.call_count == 3
    wire = http.get("/_mock/requests", params={"endpoint": "images", "operation": "edit"}).json()
    assert [entry["path"] for entry in wire] == [EDITS]


def test_openapi_describes_both_operations(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    generation = document["paths"][GENERATIONS]["post"]
    edits = document["paths"][EDITS]["post"]

    content = generation["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/event-stream"}
    assert {"400", "401", "422", "429", "501"} <= set(edits["responses"])
    request = schemas["ImageGenerationRequest"]
    assert request["required"] == ["prompt"]
    assert request["properties"]["size"]["anyOf"][0]["pattern"].startswith("^(?:auto|")
    edit_schema = schemas["ImageEditRequest"]
    assert set(edit_schema["required"]) == {"model", "image"}
    assert edit_schema["allOf"][0]["then"]["required"] == ["prompt"]


# --- a property over sizes and formats ---------------------------------------------------


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    width=st.integers(1, 96),
    height=st.integers(1, 96),
    output_format=st.sampled_from(["png", "jpeg", "webp"]),
    response_format=st.sampled_from(["url", "b64_json"]),
    background=st.sampled_from(["transparent", "opaque", "auto"]),
    prompt=st.text(max_size=20),
)
def test_any_size_and_format_decodes_as_asked(
    http: httpx.Client,
    width: int,
    height: int,
    output_format: str,
    response_format: str,
    background: str,
    prompt: str,
) -> None:
    body = {
        "size": f"{width}x{height}",
        "output_format": output_format,
        "response_format": response_format,
        "background": background,
    }
    answer = generate(http, prompt, **body)

    [item] = answer["data"]
    assert set(item) == {"b64_json" if response_format == "b64_json" else "url"}
    image = opened(image_bytes(item))
    assert (image.format, image.size) == (PILLOW[output_format], (width, height))
    assert json.loads(json.dumps(answer)) == answer
