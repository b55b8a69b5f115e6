"""The plugin's expectations hold for every endpoint, not only chat (via pytester)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(
        "-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function", *args
    )


def test_an_unused_rule_of_another_endpoint_fails_with_its_requests(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import httpx

        def test_forgets_a_models_rule(meshapi_mock):
            meshapi_mock.models.when(operation="get", model="openai/*").error(
                503, name="flaky-catalogue"
            )
            httpx.get(meshapi_mock.url + "/v1/models/anthropic/claude-3.5-haiku",
                      headers={"Authorization": "Bearer rsk_x"})
        """
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*1 scripted rule(s) were never used*",
            "*flaky-catalogue*",
            "*request #1: model: expected 'openai/*', got 'anthropic/claude-3.5-haiku'*",
            "*GET /v1/models/anthropic/claude-3.5-haiku -> 200*",
        ]
    )


def test_strict_mode_reports_an_unmatched_request_of_any_synthetic_endpoint(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import httpx
        import pytest

        @pytest.mark.meshapi(strict=True)
        def test_strict(meshapi_mock):
            meshapi_mock.models.error(500, times=None)
            answer = httpx.post(meshapi_mock.url + "/v1/chat/completions",
                                headers={"Authorization": "Bearer rsk_x"},
                                json={"messages": [{"role": "user", "content": "hi"}]})
            assert answer.status_code == 404
            assert httpx.get(meshapi_mock.url + "/v1/models",
                             headers={"Authorization": "Bearer rsk_x"}).status_code == 500
        """
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*(strict): 1 request(s) matched no rule*",
            "*POST /v1/chat/completions -> 404 no_matching_rule*",
            "*endpoint: expected 'models', got 'chat'*",
        ]
    )
