"""The pytest plugin, exercised the way a downstream project uses it (via pytester)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function", *args
    )


def test_the_three_line_test_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from meshapi import ChatCompletionParams, ChatMessage

        def test_capital(meshapi_mock, meshapi_client):
            meshapi_mock.chat.reply("Paris")
            reply = meshapi_client.chat.completions.create(ChatCompletionParams(
                model="openai/gpt-4o-mini",
                messages=[ChatMessage(role="user", content="Capital of France?")],
            ))
            assert reply.choices[0].message.content == "Paris"
            meshapi_mock.assert_called_with("Capital of France")
            meshapi_mock.assert_called(times=1)
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_each_test_gets_a_clean_fake(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_first(meshapi_mock):
            meshapi_mock.chat.reply("scripted", times=None)
            httpx.post(meshapi_mock.url + "/v1/chat/completions",
                       headers={"Authorization": "Bearer rsk_x"},
                       json={"messages": [{"role": "user", "content": "hi"}]})
            assert len(meshapi_mock.requests) == 1

        def test_second(meshapi_mock, meshapi_server):
            assert meshapi_mock is meshapi_server
            assert meshapi_mock.requests == [] and meshapi_mock.rules == []
        """
    )
    run(pytester).assert_outcomes(passed=2)


UNUSED_RULE = """
    import httpx

    def test_forgets_a_rule(meshapi_mock):
        meshapi_mock.chat.when(last_user="weather").reply("sunny", name="weather-rule")
        httpx.post(meshapi_mock.url + "/v1/chat/completions",
                   headers={"Authorization": "Bearer rsk_x"},
                   json={"messages": [{"role": "user", "content": "What time is it?"}]})
"""


def test_an_unused_once_only_rule_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(UNUSED_RULE)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*1 scripted rule(s) were never used*",
            "*(weather-rule): match {'last_user': {'contains': 'weather'}}*",
            "*request #1: last_user: expected text containing 'weather', got 'What time is it?'*",
            "*Requests made (1):*",
            "*user: 'What time is it?'*",
        ]
    )
    # The report is the whole failure: no traceback through the plugin's hook above it.
    result.stdout.fnmatch_lines(
        ["*_ test_forgets_a_rule _*", "meshapi-mock: 1 scripted rule(s) were never used:"],
        consecutive=True,
    )


def test_the_unused_rule_check_can_be_switched_off(pytester: pytest.Pytester) -> None:
    marked = UNUSED_RULE.replace(
        "    def test_", "    @pytest.mark.meshapi(assert_all_called=False)\n    def test_"
    )
    pytester.makepyfile(marked.replace("import httpx", "import httpx, pytest"))
    run(pytester).assert_outcomes(passed=1)
    pytester.makeini("[pytest]\nmeshapi_assert_all_called = false\n")
    pytester.makepyfile(UNUSED_RULE)
    run(pytester).assert_outcomes(passed=1)


def test_unlimited_rules_may_go_unused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_ok(meshapi_mock):
            meshapi_mock.chat.reply("maybe", times=None)
        """
    )
    run(pytester).assert_outcomes(passed=1)


STRICT_TEST = """
    import httpx, pytest

    {marker}
    def test_unmatched(meshapi_mock):
        meshapi_mock.chat.when(model="openai/gpt-4o").reply("only for gpt-4o", times=None)
        response = httpx.post(
            meshapi_mock.url + "/v1/chat/completions",
            headers={{"Authorization": "Bearer rsk_x"}},
            json={{"model": "openai/gpt-4o-mini",
                   "messages": [{{"role": "user", "content": "hello there"}}]}},
        )
        assert response.status_code == 404  # the app under test might swallow this
"""


@pytest.mark.parametrize(
    ("marker", "args", "ini"),
    [
        ("@pytest.mark.meshapi(strict=True)", (), None),
        ("", ("--meshapi-strict",), None),
        ("", (), "[pytest]\nmeshapi_strict = true\n"),
    ],
)
def test_strict_mode_fails_on_unmatched_requests(
    pytester: pytest.Pytester, marker: str, args: tuple[str, ...], ini: str | None
) -> None:
    if ini:
        pytester.makeini(ini)
    pytester.makepyfile(STRICT_TEST.format(marker=marker))
    result = run(pytester, *args)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*meshapi-mock (strict): 1 request(s) matched no rule:*",
            "*#1 POST /v1/chat/completions -> 404 no_matching_rule model='openai/gpt-4o-mini'*",
            "*user: 'hello there'*",
            "*model: expected 'openai/gpt-4o', got 'openai/gpt-4o-mini'*",
        ]
    )


def test_without_strict_unmatched_requests_pass(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(STRICT_TEST.format(marker="").replace("== 404", "== 200"))
    run(pytester).assert_outcomes(passed=1)


def test_a_failing_body_keeps_its_error_and_gains_the_report(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_fails(meshapi_mock):
            meshapi_mock.chat.reply("never requested")
            assert 1 == 2, "the app's own failure"
        """
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the app's own failure*", "*meshapi-mock*never used*"])


def test_assertion_helpers_show_the_requests_made(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx, pytest

        def test_helpers(meshapi_mock):
            httpx.post(meshapi_mock.url + "/v1/chat/completions",
                       headers={"Authorization": "Bearer rsk_x"},
                       json={"model": "openai/gpt-4o", "messages": [
                           {"role": "user", "content": "book a table"},
                           {"role": "tool", "tool_call_id": "call_1", "content": "booked"}]})
            meshapi_mock.assert_called_with("book a table", model="openai/gpt-4o")
            meshapi_mock.assert_tool_result_sent("call_1", content="booked")
            with pytest.raises(AssertionError) as caught:
                meshapi_mock.assert_called_with("cancel")
            message = str(caught.value)
            assert "a user message containing 'cancel'" in message
            assert "user: 'book a table'" in message
            assert "(tool_call_id='call_1')" in message
            with pytest.raises(AssertionError, match="Expected 2 chat completion"):
                meshapi_mock.assert_called(times=2)
            with pytest.raises(AssertionError, match="tool_call_id 'call_2'"):
                meshapi_mock.assert_tool_result_sent("call_2")
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_marker_scenarios_and_the_weather_round_trip(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json, pytest
        from meshapi import ChatCompletionParams, ChatMessage, Tool, ToolFunction

        @pytest.mark.meshapi(scenarios=["docs/weather"], strict=True)
        def test_weather(meshapi_mock, meshapi_client):
            tools = [Tool(type="function", function=ToolFunction(
                name="get_weather", parameters={"type": "object",
                "properties": {"city": {"type": "string"}}, "required": ["city"]}))]
            messages = [ChatMessage(role="user", content="What is the weather in Paris?")]
            first = meshapi_client.chat.completions.create(
                ChatCompletionParams(model="openai/gpt-4o", messages=messages, tools=tools))
            call = first.choices[0].message.tool_calls[0]
            assert json.loads(call.function.arguments) == {"city": "Paris"}
            messages += [ChatMessage(role="assistant", tool_calls=[call]),
                         ChatMessage(role="tool", tool_call_id=call.id, content="18C sunny")]
            final = meshapi_client.chat.completions.create(
                ChatCompletionParams(model="openai/gpt-4o", messages=messages, tools=tools))
            assert "sunny" in final.choices[0].message.content
            meshapi_mock.assert_tool_result_sent(call.id)
        """
    )
    run(pytester).assert_outcomes(passed=1)


def test_scenarios_from_ini_and_command_line(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".yaml",
        local="- {match: {last_user: ping}, reply: {text: pong}, times: unlimited}\n",
    )
    pytester.makeini("[pytest]\nmeshapi_scenarios =\n    local.yaml\n")
    pytester.makepyfile(
        """
        import httpx

        def ask(mock, text):
            return httpx.post(mock.url + "/v1/chat/completions",
                              headers={"Authorization": "Bearer rsk_x"},
                              json={"messages": [{"role": "user", "content": text}]})

        def test_ini_scenario(meshapi_mock):
            assert ask(meshapi_mock, "ping").json()["choices"][0]["message"]["content"] == "pong"

        def test_cli_scenario(meshapi_mock):
            assert ask(meshapi_mock, "hi").status_code == 429
        """
    )
    run(
        pytester, "--meshapi-scenarios", "errors/rate-limited", "-k", "ini_scenario"
    ).assert_outcomes(passed=1, deselected=1)
    run(
        pytester, "--meshapi-scenarios", "errors/rate-limited", "-k", "cli_scenario"
    ).assert_outcomes(passed=1, deselected=1)


def test_seed_from_marker_and_flag(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx, pytest

        IDS = {}

        def completion_id(mock):
            return httpx.post(mock.url + "/v1/chat/completions",
                              headers={"Authorization": "Bearer rsk_x"},
                              json={"messages": [{"role": "user", "content": "hi"}]}).json()["id"]

        @pytest.mark.meshapi(seed=7)
        def test_a(meshapi_mock):
            IDS["a"] = completion_id(meshapi_mock)

        @pytest.mark.meshapi(seed=7)
        def test_b(meshapi_mock):
            IDS["b"] = completion_id(meshapi_mock)

        def test_c(meshapi_mock):
            IDS["c"] = completion_id(meshapi_mock)

        def test_compare():
            assert IDS["a"] == IDS["b"] != IDS["c"]
            print("ID_C", IDS["c"])
        """
    )
    default_run = run(pytester, "-s")
    default_run.assert_outcomes(passed=4)
    seeded_run = run(pytester, "-s", "--meshapi-seed", "7")
    seeded_run.assert_outcomes(failed=1, passed=3)  # now c uses seed 7 too: a == b == c


def test_marker_misuse_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.meshapi(strictly=True)
        def test_x(meshapi_mock):
            pass
        """
    )
    result = run(pytester)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*takes only keywords*strictly*"])


TWO_TESTS = """
    def test_one(meshapi_mock):
        pass

    def test_two(meshapi_mock):
        pass
    """


def test_a_misspelt_session_scenario_is_one_usage_error_with_a_suggestion(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(TWO_TESTS)

    result = run(pytester, "--meshapi-scenarios", "dcos")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = result.stderr.str()
    assert errors.count("dcos: no such file, folder or bundled scenario") == 1
    assert "did you mean 'docs'?" in errors
    assert "Traceback" not in errors + result.stdout.str()
    assert "test_one" not in result.stdout.str(), "no test ran to fail with it"


def test_a_too_deep_session_scenario_file_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", deep="[" * 5000 + "]" * 5000 + "\n")
    pytester.makepyfile(TWO_TESTS)

    result = run(pytester, "--meshapi-scenarios", "deep.yaml")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "deep.yaml: nested too deeply" in result.stderr.str()
    assert "RecursionError" not in result.stderr.str() + result.stdout.str()


def test_a_bad_model_in_session_scenarios_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TWO_TESTS)
    pytester.makefile(".yaml", house="models: [no-provider]\nrules: []\n")

    result = run(pytester, "--meshapi-scenarios", "house.yaml")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "house.yaml: models[0]:" in result.stderr.str()


def test_an_out_of_range_seed_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TWO_TESTS)

    result = run(pytester, "--meshapi-seed", str(2**200))

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--meshapi-seed: " in result.stderr.str() and "at most" in result.stderr.str()


MODEL_TESTS = """
import httpx

def ask(meshapi_mock, model):
    return httpx.post(meshapi_mock.url + "/v1/chat/completions",
                      headers={"Authorization": "Bearer rsk_x"},
                      json={"model": model, "messages": [{"role": "user", "content": "hi"}]})

def test_bare_id(meshapi_mock):
    print("bare:", ask(meshapi_mock, "gpt-4o-mini").status_code)

def test_unlisted_id(meshapi_mock):
    print("unlisted:", ask(meshapi_mock, "openai/gpt-9-unlisted").status_code)
"""


@pytest.mark.parametrize(
    ("args", "ini", "bare", "unlisted"),
    [
        ((), "", 404, 200),
        (("--meshapi-models", "strict"), "", 404, 404),
        (("--meshapi-models", "any"), "", 200, 200),
        ((), "meshapi_models = any", 200, 200),
        (("--meshapi-models", "strict"), "meshapi_models = any", 404, 404),
    ],
    ids=["default", "strict", "any", "ini", "flag-wins"],
)
def test_the_model_check_mode_is_a_session_setting(
    pytester: pytest.Pytester, args: tuple[str, ...], ini: str, bare: int, unlisted: int
) -> None:
    pytester.makepyfile(MODEL_TESTS)
    if ini:
        pytester.makeini(f"[pytest]\n{ini}\n")

    result = run(pytester, "-s", *args)

    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"*bare: {bare}*", f"*unlisted: {unlisted}*"])


def test_an_unknown_model_mode_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TWO_TESTS)

    result = run(pytester, "--meshapi-models", "lenient")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "--meshapi-models must be one of strict, known-providers, any" in result.stderr.str()


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.meshapi(scenarios=*"])


def test_asyncio_and_anyio_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from meshapi import ChatCompletionParams, ChatMessage

        PARAMS = ChatCompletionParams(model="openai/gpt-4o-mini",
                                      messages=[ChatMessage(role="user", content="hi")])

        @pytest.mark.asyncio
        async def test_with_pytest_asyncio(meshapi_mock, async_meshapi_client):
            meshapi_mock.chat.reply("async hello", times=2)
            reply = await async_meshapi_client.chat.completions.create(PARAMS)
            assert reply.choices[0].message.content == "async hello"
            text = ""
            async for chunk in async_meshapi_client.chat.completions.stream(PARAMS):
                if chunk.choices and chunk.choices[0].delta:
                    text += chunk.choices[0].delta.content or ""
            assert text == "async hello"

        @pytest.mark.anyio
        async def test_with_anyio(meshapi_mock, async_meshapi_client):
            meshapi_mock.chat.reply("anyio hello")
            reply = await async_meshapi_client.chat.completions.create(PARAMS)
            assert reply.choices[0].message.content == "anyio hello"

        @pytest.fixture
        def anyio_backend():
            return "asyncio"
        """
    )
    run(pytester, "-p", "asyncio").assert_outcomes(passed=2)


def test_xdist_gives_each_worker_its_own_fake(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx, pytest

        @pytest.mark.parametrize("n", range(6))
        def test_many(meshapi_mock, n):
            meshapi_mock.chat.reply(f"answer {n}")
            body = httpx.post(meshapi_mock.url + "/v1/chat/completions",
                              headers={"Authorization": "Bearer rsk_x"},
                              json={"messages": [{"role": "user", "content": "q"}]}).json()
            assert body["choices"][0]["message"]["content"] == f"answer {n}"
            assert len(meshapi_mock.requests) == 1
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*2 workers*"])


def test_subprocess_app_reaches_the_fake_through_env(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import subprocess, sys

        OPENAI_APP = '''
        from openai import OpenAI
        reply = OpenAI(max_retries=0).chat.completions.create(
            model="openai/gpt-4o-mini", messages=[{"role": "user", "content": "from openai"}])
        print(reply.choices[0].message.content)
        '''
        MESHAPI_APP = '''
        from meshapi import MeshAPI, ChatCompletionParams, ChatMessage
        message = ChatMessage(role="user", content="from meshapi")
        reply = MeshAPI().chat.completions.create(
            ChatCompletionParams(model="openai/gpt-4o-mini", messages=[message]))
        print(reply.choices[0].message.content)
        '''

        def run(code):
            done = subprocess.run([sys.executable, "-c", code.replace("\\n        ", "\\n")],
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            return done.stdout.strip()

        def test_subprocesses(meshapi_mock, meshapi_env):
            meshapi_mock.chat.when(last_user="from openai").reply("hi openai app")
            meshapi_mock.chat.when(last_user="from meshapi").reply("hi meshapi app")
            assert run(OPENAI_APP) == "hi openai app"
            assert run(MESHAPI_APP) == "hi meshapi app"
            meshapi_mock.assert_called(times=2)
            assert meshapi_env["OPENAI_BASE_URL"] == meshapi_mock.url + "/v1"
        """
    )
    run(pytester).assert_outcomes(passed=1)


STRICT_THEN_SESSION = """
    import httpx, pytest

    def ask(server):
        return httpx.post(server.url + "/v1/chat/completions",
                          headers={{"Authorization": "Bearer rsk_x"}},
                          json={{"messages": [{{"role": "user", "content": "anything"}}]}})

    @pytest.mark.meshapi(strict={marked})
    def test_marked(meshapi_mock):
        assert meshapi_mock.strict is {marked}

    def test_session_server_afterwards(meshapi_server):
        assert meshapi_server.strict is {session}
        assert ask(meshapi_server).status_code == {status}
"""


@pytest.mark.parametrize(
    ("marked", "session", "args"),
    [(True, False, ()), (False, True, ("--meshapi-strict",))],
)
def test_a_marker_does_not_leak_strictness_into_later_tests(
    pytester: pytest.Pytester, marked: bool, session: bool, args: tuple[str, ...]
) -> None:
    pytester.makepyfile(
        STRICT_THEN_SESSION.format(marked=marked, session=session, status=404 if session else 200)
    )
    run(pytester, *args).assert_outcomes(passed=2)


def test_meshapi_env_hides_a_real_token(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESHAPI_TOKEN", "rsk_real_production_token")
    pytester.makepyfile(
        """
        import os

        def test_env(meshapi_mock, meshapi_env):
            assert "MESHAPI_TOKEN" not in os.environ
            assert os.environ["MESHAPI_API_KEY"] == meshapi_env["MESHAPI_API_KEY"]
            assert os.environ["MESHAPI_BASE_URL"] == meshapi_mock.url

        def test_restored_after_the_test():
            assert os.environ["MESHAPI_TOKEN"] == "rsk_real_production_token"
            assert "MESHAPI_BASE_URL" not in os.environ
        """
    )
    monkeypatch.delenv("MESHAPI_BASE_URL", raising=False)
    run(pytester).assert_outcomes(passed=2)


def test_the_async_client_works_across_event_loops_and_is_closed(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import asyncio
        import httpx, pytest
        from meshapi import ChatCompletionParams, ChatMessage

        PARAMS = ChatCompletionParams(model="openai/gpt-4o-mini",
                                      messages=[ChatMessage(role="user", content="hi")])
        MADE = []

        class RecordingClient(httpx.AsyncClient):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                MADE.append(self)

        @pytest.fixture(autouse=True)
        def record_clients(monkeypatch):
            monkeypatch.setattr(httpx, "AsyncClient", RecordingClient)

        def test_two_event_loops(meshapi_mock, async_meshapi_client):
            # A sync test driving its own loops: no connection may outlive the first one.
            meshapi_mock.chat.reply("one")
            meshapi_mock.chat.reply("two")
            first = asyncio.run(async_meshapi_client.chat.completions.create(PARAMS))
            second = asyncio.run(async_meshapi_client.chat.completions.create(PARAMS))
            assert [first.choices[0].message.content, second.choices[0].message.content] == [
                "one", "two"]
            assert len(MADE) == 1 and not MADE[0].is_closed

        def test_the_client_was_closed_at_teardown():
            assert len(MADE) == 1 and MADE[0].is_closed
        """
    )
    run(pytester).assert_outcomes(passed=2)
