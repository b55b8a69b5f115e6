"""The fake's own image encoders, checked by a real decoder (Pillow).

PNG and lossless WebP must give back exactly the pixels drawn; JPEG is lossy, so it is
held to small errors away from edges and to solid colours within a step or two. Every
image must open with the format and size asked for, and the same drawing must always
give the same bytes. The header reader that checks uploaded images is tested against
files Pillow writes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from meshapi_mock.imaging import (
    FORMATS,
    Drawing,
    Format,
    NotAnImage,
    Picture,
    draw,
    encode,
    kind,
    parse_colour,
    picture,
    sniff,
)
from meshapi_mock.imaging.huffman import canonical_codes, code_lengths
from meshapi_mock.imaging.jpeg import ZIGZAG
from meshapi_mock.imaging.picture import paint, scene
from PIL import Image

PILLOW_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def pixels(source: Picture) -> list[tuple[int, ...]]:
    """Every pixel of a picture, row by row, as RGBA."""
    out: list[tuple[int, ...]] = []
    for row in source.rows:
        start = 0
        for end, colour in row:
            out.extend([colour] * (end - start))
            start = end
    return out


def flat(image: Image.Image) -> list[tuple[int, ...]]:
    """Every pixel (Pillow 12 renamed `getdata`)."""
    read = getattr(image, "get_flattened_data", image.getdata)
    return list(read())


def decoded_rgba(data: bytes) -> list[tuple[int, ...]]:
    return flat(opened(data).convert("RGBA"))


def lossless(drawing: Drawing) -> None:
    """The file decodes to exactly the picture drawn."""
    assert drawing.format in ("png", "webp")
    expected = pixels(picture(drawing))
    assert decoded_rgba(draw(drawing)) == expected


SIZES = [(1, 1), (2, 3), (17, 5), (16, 16), (33, 65), (127, 129), (128, 128), (300, 200)]


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("transparent", [False, True], ids=["opaque", "transparent"])
def test_every_format_opens_at_the_size_asked(
    format: Format, width: int, height: int, transparent: bool
) -> None:
    drawing = Drawing(width, height, format, key=b"a red fox", transparent=transparent)

    image = opened(draw(drawing))

    assert image.format == PILLOW_FORMATS[format]
    assert image.size == (width, height)
    has_alpha = picture(drawing).has_alpha
    assert ("A" in image.mode) == (has_alpha and format != "jpeg")
    if format != "jpeg":
        lossless(drawing)


@pytest.mark.parametrize("format", ["png", "webp"])
def test_a_transparent_background_is_alpha_zero_behind_opaque_shapes(format: Format) -> None:
    drawing = Drawing(256, 256, format, key=b"shapes", transparent=True)

    alphas = {pixel[3] for pixel in decoded_rgba(draw(drawing))}

    assert alphas == {0, 255}


def test_jpeg_has_no_alpha_so_transparent_asks_are_drawn_opaque() -> None:
    drawing = Drawing(64, 64, "jpeg", key=b"shapes", transparent=True)

    assert opened(draw(drawing)).mode == "RGB"
    assert not picture(drawing).has_alpha


@pytest.mark.parametrize(
    "colour", [(255, 0, 0, 255), (0, 128, 0, 255), (12, 200, 99, 255), (0, 0, 0, 255)]
)
@pytest.mark.parametrize("format", FORMATS)
def test_a_solid_colour_decodes_to_that_colour(
    colour: tuple[int, int, int, int], format: Format
) -> None:
    data = draw(Drawing(40, 24, format, colour=colour))

    decoded = set(decoded_rgba(data))

    if format == "jpeg":  # YCbCr rounding: within a step or two
        assert all(max(abs(a - b) for a, b in zip(p, colour, strict=True)) <= 2 for p in decoded)
    else:
        assert decoded == {colour}


def test_jpeg_composites_a_see_through_colour_over_white() -> None:
    half_red = (255, 0, 0, 128)

    (pixel,) = set(flat(opened(draw(Drawing(16, 16, "jpeg", colour=half_red)))))

    assert abs(pixel[0] - 255) <= 2 and all(abs(c - 127) <= 3 for c in pixel[1:])


@pytest.mark.parametrize("size", [(256, 256), (1024, 768)])
def test_jpeg_stays_close_to_the_picture(size: tuple[int, int]) -> None:
    drawing = Drawing(*size, "jpeg", key=b"a lighthouse")
    expected = pixels(picture(drawing))
    got = decoded_rgba(draw(drawing))

    errors = [
        max(abs(a - b) for a, b in zip(g[:3], e[:3], strict=True))
        for g, e in zip(got, expected, strict=True)
    ]

    assert sum(errors) / len(errors) < 3
    assert sorted(errors)[int(len(errors) * 0.95)] <= 6, "only edges may stray further"


def test_lower_jpeg_quality_makes_smaller_files() -> None:
    sizes = [len(draw(Drawing(512, 512, "jpeg", key=b"q", quality=q))) for q in (10, 50, 90, 100)]

    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


@pytest.mark.parametrize("format", FORMATS)
def test_the_largest_size_is_drawn(format: Format) -> None:
    image = opened(draw(Drawing(4096, 4096, format, key=b"big")))

    assert image.size == (4096, 4096)


def test_sizes_beyond_the_limit_are_refused() -> None:
    with pytest.raises(ValueError, match=r"1\.\.4096"):
        draw(Drawing(4097, 10))
    with pytest.raises(ValueError, match=r"1\.\.4096"):
        draw(Drawing(0, 10))


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("format", FORMATS)
def test_the_same_drawing_gives_the_same_bytes(format: Format) -> None:
    drawing = Drawing(200, 120, format, key=b"same")
    first = draw(drawing)
    draw.cache_clear()

    assert draw(drawing) == first
    assert encode(picture(drawing), format) == first


@pytest.mark.parametrize("format", FORMATS)
def test_another_key_draws_another_picture(format: Format) -> None:
    a = draw(Drawing(200, 120, format, key=b"a cat"))
    b = draw(Drawing(200, 120, format, key=b"a dog"))

    assert a != b


def test_the_scene_never_changes() -> None:
    """A stored default image stays valid: the scene depends on its key alone."""
    drawing = Drawing(8, 6, "png", key=b"stable")

    assert picture(drawing).rows[0] == (
        (5, (23, 6, 99, 255)),
        (6, (86, 220, 129, 255)),
        (7, (252, 191, 96, 255)),
        (8, (23, 6, 99, 255)),
    )
    assert picture(drawing).rows[5] == ((8, (176, 40, 146, 255)),)


def test_fewer_shapes_lead_up_to_the_scene() -> None:
    full = scene(256, 256, b"k", transparent=True)
    partials = [scene(256, 256, b"k", transparent=True, shapes=n) for n in range(3)]

    assert pixels(partials[0]) == [(0, 0, 0, 0)] * 256 * 256
    assert len({tuple(pixels(p)) for p in [*partials, full]}) == 4


# --------------------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(1, 90),
    height=st.integers(1, 90),
    format=st.sampled_from(FORMATS),
    transparent=st.booleans(),
    key=st.binary(max_size=16),
)
def test_any_small_drawing_decodes_to_its_size_and_format(
    width: int, height: int, format: Format, transparent: bool, key: bytes
) -> None:
    drawing = Drawing(width, height, format, key=key, transparent=transparent)

    image = opened(draw(drawing))

    assert (image.format, image.size) == (PILLOW_FORMATS[format], (width, height))
    if format != "jpeg":
        lossless(drawing)


runs = st.lists(
    st.tuples(st.integers(1, 40), st.tuples(*[st.integers(0, 255)] * 4)), min_size=1, max_size=6
)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(runs, min_size=1, max_size=8), format=st.sampled_from(["png", "webp"]))
def test_any_picture_of_runs_round_trips_exactly(
    rows: list[list[tuple[int, tuple[int, int, int, int]]]], format: Format
) -> None:
    """Arbitrary runs, colours and alphas (repeated rows included) come back as drawn."""
    width = max(sum(length for length, _ in row) for row in rows)
    built = []
    for row in rows:
        ends, end = [], 0
        for length, colour in row:
            end += length
            ends.append((end, colour))
        last = ends[-1]
        ends[-1] = (width, last[1])
        built.append(tuple(ends))
    source = Picture(width, len(built), tuple(built))

    assert decoded_rgba(encode(source, format)) == pixels(source)


# --------------------------------------------------------------------------- building blocks


def test_painting_splits_and_merges_runs() -> None:
    red, blue = (255, 0, 0, 255), (0, 0, 255, 255)

    assert paint([(10, red)], 2, 5, blue) == [(2, red), (5, blue), (10, red)]
    assert paint([(10, red)], 0, 10, blue) == [(10, blue)]
    assert paint([(5, red), (10, blue)], 3, 5, blue) == [(3, red), (10, blue)]


@settings(max_examples=60, deadline=None)
@given(
    counts=st.dictionaries(st.integers(0, 300), st.integers(1, 10**6), min_size=2, max_size=280),
    limit=st.sampled_from([7, 15, 16]),
)
def test_prefix_codes_are_complete_and_within_the_limit(counts: dict[int, int], limit: int) -> None:
    lengths = code_lengths(counts, limit)

    assert set(lengths) == set(counts)
    assert max(lengths.values()) <= limit
    assert math.fsum(2.0**-n for n in lengths.values()) == 1.0
    codes = canonical_codes(lengths)
    as_bits = {format(codes[s], f"0{lengths[s]}b") for s in codes}
    assert not any(a != b and b.startswith(a) for a in as_bits for b in as_bits), "prefix-free"


def test_zigzag_visits_every_coefficient_along_antidiagonals() -> None:
    assert sorted(ZIGZAG) == list(range(64))
    assert ZIGZAG[:10] == (0, 1, 8, 16, 9, 2, 3, 10, 17, 24)
    assert ZIGZAG[-1] == 63


@pytest.mark.parametrize(
    ("value", "rgba"),
    [
        ("#f00", (255, 0, 0, 255)),
        ("#ff000080", (255, 0, 0, 128)),
        ("#0A0b0C", (10, 11, 12, 255)),
        ("Red", (255, 0, 0, 255)),
        ("transparent", (0, 0, 0, 0)),
        ([1, 2, 3], (1, 2, 3, 255)),
        ((1, 2, 3, 4), (1, 2, 3, 4)),
    ],
)
def test_colours_in_every_accepted_form(value: object, rgba: tuple[int, ...]) -> None:
    assert parse_colour(value) == rgba  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["", "#12", "#ggg", "reddish", [1, 2], [0, 0, 256], [1.5, 2, 3]])
def test_colours_in_no_known_form_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="colour"):
        parse_colour(value)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- reading headers


def pillow_files() -> Iterator[tuple[str, bytes]]:
    source = Image.new("RGBA", (37, 23), (10, 20, 30, 255))
    saves: list[tuple[str, dict[str, Any]]] = [
        ("PNG", {}),
        ("JPEG", {"quality": 80}),
        ("WEBP", {"lossless": True}),
        ("WEBP", {"quality": 50}),  # lossy: a VP8 chunk
        ("GIF", {}),
    ]
    for name, options in saves:
        buffer = io.BytesIO()
        image = source.convert("RGB") if name in ("JPEG", "GIF") else source
        image.save(buffer, name, **options)
        yield f"{name}{options}", buffer.getvalue()
    buffer = io.BytesIO()
    source.save(buffer, "WEBP", lossless=True, exif=b"Exif\x00\x00")  # a VP8X header
    yield "WEBP-extended", buffer.getvalue()
    buffer = io.BytesIO()
    source.convert("RGB").save(buffer, "JPEG", progressive=True, exif=b"Exif\x00\x00")
    yield "JPEG-progressive-exif", buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data"), list(pillow_files()), ids=lambda v: v if isinstance(v, str) else ""
)
def test_headers_of_other_encoders_are_read(name: str, data: bytes) -> None:
    info = sniff(data)

    assert (info.width, info.height) == (37, 23)
    assert info.format == name.split("{")[0].split("-")[0].lower()
    assert kind(data) == info.format


@pytest.mark.parametrize("format", FORMATS)
def test_our_own_headers_are_read(format: Format) -> None:
    info = sniff(draw(Drawing(321, 123, format, key=b"k")))

    assert (info.format, info.width, info.height) == (format, 321, 123)


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"", "not a PNG, JPEG, WebP or GIF"),
        (b"hello world", "not a PNG, JPEG, WebP or GIF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "truncated"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "no frame header"),
        (b"RIFF\x00\x00\x00\x00WEBPVP9 ", "no VP8"),
        (b"GIF89a\x00\x00\x00\x00", "0x0"),
    ],
)
def test_what_is_not_an_image_says_why(data: bytes, said: str) -> None:
    with pytest.raises(NotAnImage, match=said):
        sniff(data)
