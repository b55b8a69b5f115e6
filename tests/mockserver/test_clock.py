"""The fake's clock: real time as it passes plus what a test advanced, back to its epoch on
reset; reachable from Python (`server.clock`) and the admin API (`/_mock/clock`)."""

from __future__ import annotations

import math

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from meshapi_mock import MockServer
from meshapi_mock.clock import MAX_ADVANCE, Clock
from support.wire import error_of


class Source:
    """A monotonic source the test moves by hand."""

    def __init__(self) -> None:
        self.value = 100.0

    def __call__(self) -> float:
        return self.value


def test_the_clock_follows_real_time_from_its_epoch() -> None:
    source = Source()
    clock = Clock(1_000, source)

    assert clock.now() == 1_000
    source.value += 2.5
    assert clock.now() == 1_002.5 and clock.elapsed() == 2.5


def test_advance_adds_to_real_time_and_reset_rewinds_both() -> None:
    source = Source()
    clock = Clock(1_000, source)

    assert clock.advance(10) == 1_010
    source.value += 1
    assert clock.now() == 1_011 and clock.offset == 10

    clock.reset()
    assert clock.now() == 1_000 and clock.offset == 0


@given(steps=st.lists(st.floats(0, 1e6) | st.integers(0, 10**6), max_size=10))
def test_advances_add_up_and_the_clock_never_goes_back(steps: list[float]) -> None:
    clock = Clock(0, Source())
    seen = [clock.now()]
    for step in steps:
        seen.append(clock.advance(step))

    assert seen == sorted(seen)
    assert math.isclose(clock.now(), sum(steps), abs_tol=1e-6)


@pytest.mark.parametrize("seconds", [-1, math.nan, math.inf, MAX_ADVANCE + 1, True, "3", None])
def test_advance_refuses_what_is_not_a_step_forward(seconds: object) -> None:
    clock = Clock(0, Source())

    with pytest.raises((TypeError, ValueError)):
        clock.advance(seconds)  # type: ignore[arg-type]
    assert clock.now() == 0


def test_the_servers_clock_starts_at_its_created_epoch_and_resets_with_it() -> None:
    with MockServer(created=2_000_000_000) as server:
        assert 2_000_000_000 <= server.clock.now() < 2_000_000_000 + 600
        server.clock.advance(3_600)
        assert server.clock.now() >= 2_000_003_600

        server.reset()

        assert server.clock.offset == 0 and server.clock.now() < 2_000_000_000 + 600


def test_the_admin_api_reads_and_advances_the_clock(server: MockServer, http: httpx.Client) -> None:
    before = http.get("/_mock/clock").json()

    moved = http.post("/_mock/clock/advance", json={"seconds": 90.5})

    assert moved.status_code == 200
    assert moved.json()["offset"] == 90.5 == server.clock.offset
    assert moved.json()["now"] >= before["now"] + 90.5
    assert set(before) == {"now", "elapsed", "offset"}


@pytest.mark.parametrize(
    "body", [{"seconds": -5}, {"seconds": "5"}, {"seconds": 1, "x": 2}, {}, [5], {"seconds": None}]
)
def test_the_admin_api_refuses_a_bad_step(
    server: MockServer, http: httpx.Client, body: object
) -> None:
    response = http.post("/_mock/clock/advance", json=body)

    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"
    assert server.clock.offset == 0


def test_the_clock_runs_at_the_time_scale_and_keeps_what_went_by() -> None:
    source = Source()
    clock = Clock(0, source, time_scale=0.01)

    source.value += 0.02
    assert clock.elapsed() == pytest.approx(2.0)
    clock.set_time_scale(1.0)
    source.value += 3
    assert clock.elapsed() == pytest.approx(5.0) and clock.offset == 0
    clock.reset()
    assert clock.elapsed() == 0 and clock.time_scale == 1.0


def test_a_background_response_finishes_on_the_scaled_clock(http: httpx.Client) -> None:
    """Scripted as queued 1 s, in progress 2 s: at 0.01x it is done after ~30 ms."""
    with (
        MockServer(time_scale=0.01) as server,
        httpx.Client(base_url=server.url, headers=http.headers) as client,
    ):
        server.responses.reply("done", progress={"queued": 1, "in_progress": 2})
        created = client.post(
            "/v1/responses", json={"model": "openai/gpt-4o", "input": "hi", "background": True}
        ).json()
        statuses = {created["status"]}
        deadline = server.clock.now() + 60  # scripted seconds: far more than enough
        while "completed" not in statuses and server.clock.now() < deadline:
            statuses.add(client.get(f"/v1/responses/{created['id']}").json()["status"])

    assert statuses >= {"queued", "completed"}


def test_a_test_s_time_scale_moves_the_clock_until_reset(server: MockServer) -> None:
    server.time_scale = 0.001
    assert server.clock.time_scale == 0.001
    server.reset()
    assert server.clock.time_scale == server.state.config.time_scale == 1.0
