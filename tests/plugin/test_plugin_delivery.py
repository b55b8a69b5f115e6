"""The plugin's delivery settings, as a downstream project uses them (via pytester):
`--meshapi-time-scale` / `meshapi_time_scale` and `--meshapi-chaos` / `meshapi_chaos`."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function", *args
    )


SCALED = """
    import httpx

    def test_scaled(meshapi_mock):
        assert meshapi_mock.time_scale == {scale}
        meshapi_mock.chat.timing(first_chunk=2).reply("x")
        httpx.post(meshapi_mock.url + "/v1/chat/completions",
                   headers={{"Authorization": "Bearer rsk_x"}},
                   json={{"messages": [{{"role": "user", "content": "hi"}}]}})
        record = meshapi_mock.requests[-1].delivery
        assert record.time_scale == {scale}
        assert record.intended["first_chunk_ms"] == 2000 * {scale}

    def test_a_test_s_change_is_undone(meshapi_mock):
        meshapi_mock.time_scale = 3
"""


def test_the_option_scales_every_scripted_wait(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SCALED.format(scale=0.01) + "        assert True\n")
    pytester.makepyfile(
        test_after="def test_after(meshapi_mock):\n    assert meshapi_mock.time_scale == 0.01\n"
    )

    run(pytester, "--meshapi-time-scale", "0.01").assert_outcomes(passed=3)


def test_the_ini_value_scales_every_scripted_wait(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmeshapi_time_scale = 0.005\n")
    pytester.makepyfile(SCALED.format(scale=0.005))

    run(pytester).assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (
            ["--meshapi-time-scale", "0"],
            "",
            "--meshapi-time-scale: 0.0 must be from 0.0001 to 1000",
        ),
        (["--meshapi-time-scale", "slow"], "", "--meshapi-time-scale: 'slow' is not a number"),
        ([], "meshapi_time_scale = -2", "meshapi_time_scale: -2.0 must be from 0.0001 to 1000"),
        (["--meshapi-chaos", "explode=0.1"], "", "--meshapi-chaos: 'explode' is neither a fault"),
        ([], "meshapi_chaos = reset=lots", "meshapi_chaos: 'reset=lots': 'lots' is not a probab"),
    ],
)
def test_a_bad_setting_is_a_usage_error(
    pytester: pytest.Pytester, args: list[str], ini: str, message: str
) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile("def test_never(meshapi_mock):\n    pass\n")

    result = run(pytester, *args)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{message}*"])


CHAOTIC = """
    import httpx

    def chaos_of(meshapi_mock):
        return httpx.get(meshapi_mock.url + "/_mock/chaos").json()

    def test_each_test_starts_with_the_session_s_chaos(meshapi_mock):
        assert chaos_of(meshapi_mock)["faults"] == {"no_done": 1.0}
        assert chaos_of(meshapi_mock)["seed"] == 4
        body = httpx.post(meshapi_mock.url + "/v1/chat/completions",
                          headers={"Authorization": "Bearer rsk_x"},
                          json={"messages": [{"role": "user", "content": "hi"}],
                                "stream": True}).content
        assert body and not body.endswith(b"data: [DONE]\\n\\n")
        assert meshapi_mock.requests[-1].delivery.fault == {"kind": "no_done",
                                                             "source": "chaos"}
        meshapi_mock.chaos()  # turned off for the rest of this test only

    def test_the_next_test_has_it_again(meshapi_mock):
        assert chaos_of(meshapi_mock)["draws"] == 0
        assert chaos_of(meshapi_mock)["faults"] == {"no_done": 1.0}
"""


def test_the_option_sets_chaos_for_every_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(CHAOTIC)

    run(pytester, "--meshapi-chaos", "no_done=1", "--meshapi-seed", "4").assert_outcomes(passed=2)


def test_the_ini_value_sets_chaos_for_every_test(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmeshapi_chaos = no_done=1\nmeshapi_seed = 4\n")
    pytester.makepyfile(CHAOTIC)

    run(pytester).assert_outcomes(passed=2)


def test_chaos_probabilities_over_one_are_a_plain_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmeshapi_chaos = reset=0.7,503=0.7\n")
    pytester.makepyfile("def test_never(meshapi_mock):\n    pass\n")

    result = run(pytester)

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: meshapi_chaos: the probabilities add up to 1.4; at most 1"]
    )
    assert "pydantic" not in result.stderr.str()
