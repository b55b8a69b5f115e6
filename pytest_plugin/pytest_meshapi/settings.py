"""Per-test settings from the marker, the command line and the ini file (in that order)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import pytest

MARKER = "meshapi"
MARKER_HELP = (
    "meshapi(scenarios=[...], strict=False, seed=None, assert_all_called=True): "
    "configure the fake MeshAPI server for this test"
)
_MARKER_KEYS = {"scenarios", "strict", "seed", "assert_all_called"}


@dataclass(frozen=True)
class TestSettings:
    """What one test asked of the fake."""

    __test__ = False  # not a test class, despite the name

    strict: bool = False
    seed: int | None = None
    assert_all_called: bool = True
    scenarios: tuple[str, ...] = field(default_factory=tuple)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("meshapi", "meshapi-mock: the fake MeshAPI server")
    group.addoption(
        "--meshapi-strict",
        action="store_true",
        default=None,
        help="fail tests whose requests match no scripted rule",
    )
    group.addoption(
        "--meshapi-scenarios",
        action="append",
        default=[],
        metavar="PATH",
        help="scenario file, folder or bundled name loaded for every test (repeatable)",
    )
    group.addoption("--meshapi-seed", type=int, default=None, help="seed for ids in replies")
    group.addoption(
        "--meshapi-models",
        default=None,
        metavar="MODE",
        help="which model ids requests may name: strict, known-providers (default) or any",
    )
    group.addoption(
        "--meshapi-time-scale",
        default=None,
        metavar="FACTOR",
        help="multiply every scripted wait (0.01: slow streams run 100x faster)",
    )
    group.addoption(
        "--meshapi-chaos",
        default=None,
        metavar="FAULTS",
        help="faults and statuses drawn per request, e.g. disconnect=0.1,429=0.05 "
        "(seeded by --meshapi-seed)",
    )
    parser.addini("meshapi_time_scale", "multiply every scripted wait by this factor", default="1")
    parser.addini(
        "meshapi_chaos", "faults and statuses drawn per request (name=probability,...)", default=""
    )
    parser.addini(
        "meshapi_strict", "fail tests whose requests match no rule", type="bool", default=False
    )
    parser.addini(
        "meshapi_scenarios", "scenarios loaded for every test", type="linelist", default=[]
    )
    parser.addini("meshapi_seed", "seed for ids in replies", default="0")
    parser.addini(
        "meshapi_models",
        "which model ids requests may name: strict, known-providers or any",
        default="known-providers",
    )
    parser.addini(
        "meshapi_assert_all_called",
        "fail tests that leave a scripted once-only rule unused",
        type="bool",
        default=True,
    )


def session_scenarios(config: pytest.Config) -> tuple[str, ...]:
    """Scenarios for every test: ini entries resolve against the rootdir."""
    from_ini = [_resolve(str(p), config.rootpath) for p in config.getini("meshapi_scenarios")]
    from_cli = [_resolve(p, Path.cwd()) for p in config.getoption("meshapi_scenarios")]
    return tuple(from_ini + from_cli)


def check_session_settings(config: pytest.Config) -> None:
    """Refuse session-wide settings that cannot work once, at the start, as a usage error:
    found only by the session's fake, they would fail every test with the same traceback."""
    session_seed(config)
    session_models(config)
    session_time_scale(config)
    session_chaos(config)
    locations = session_scenarios(config)
    if not locations:
        return
    from meshapi_mock.scripting.scenarios import ScenarioError, load_files

    try:
        load_files(locations)
    except ScenarioError as exc:
        problems = "\n".join(f"  {problem}" for problem in exc.problems)
        raise pytest.UsageError(
            "meshapi-mock cannot load the scenarios for every test "
            f"(--meshapi-scenarios, ini meshapi_scenarios):\n{problems}"
        ) from None


def session_models(config: pytest.Config) -> Literal["strict", "known-providers", "any"]:
    """`--meshapi-models` or the `meshapi_models` ini value, checked as the CLI checks it."""
    from meshapi_mock.config import MODEL_MODES

    given = config.getoption("meshapi_models")
    raw = str(given if given is not None else config.getini("meshapi_models")).strip()
    if raw not in MODEL_MODES:
        what = "--meshapi-models" if given is not None else "meshapi_models"
        choices = ", ".join(MODEL_MODES)
        raise pytest.UsageError(f"{what} must be one of {choices}, got {raw!r}")
    return cast(Literal["strict", "known-providers", "any"], raw)


def _option_or_ini(config: pytest.Config, name: str) -> tuple[str, str]:
    """(the raw value, what the user wrote it as): the option wins over the ini value."""
    given = config.getoption(name)
    if given is not None:
        return str(given).strip(), "--" + name.replace("_", "-")
    return str(config.getini(name)).strip(), name


def session_time_scale(config: pytest.Config) -> float:
    """`--meshapi-time-scale` or `meshapi_time_scale`, checked as the CLI checks it."""
    from meshapi_mock.config import time_scale

    raw, what = _option_or_ini(config, "meshapi_time_scale")
    try:
        return time_scale(float(raw or "1"))
    except ValueError as exc:
        reason = f"{raw!r} is not a number" if "could not convert" in str(exc) else str(exc)
        raise pytest.UsageError(f"{what}: {reason}") from None


def session_chaos(config: pytest.Config) -> Any:
    """`--meshapi-chaos` or `meshapi_chaos` as chaos settings (None when empty)."""
    from meshapi_mock.config import chaos

    raw, what = _option_or_ini(config, "meshapi_chaos")
    if not raw:
        return None
    try:
        return chaos(raw)
    except ValueError as exc:
        raise pytest.UsageError(f"{what}: {exc}") from None


def session_seed(config: pytest.Config) -> int:
    from meshapi_mock.config import SEED

    seed = config.getoption("meshapi_seed")
    raw = str(seed if seed is not None else config.getini("meshapi_seed")).strip() or "0"
    what = "--meshapi-seed" if seed is not None else "meshapi_seed"
    try:
        number = int(raw)
    except ValueError:
        raise pytest.UsageError(f"{what} must be an integer, got {raw!r}") from None
    try:
        return SEED(number)
    except ValueError as exc:
        raise pytest.UsageError(f"{what}: {exc}") from None


def session_strict(config: pytest.Config) -> bool:
    flag = config.getoption("meshapi_strict")
    return bool(flag) if flag is not None else bool(config.getini("meshapi_strict"))


def for_item(item: pytest.Item) -> TestSettings:
    config = item.config
    strict = session_strict(config)
    assert_all_called = bool(config.getini("meshapi_assert_all_called"))
    seed: int | None = None
    scenarios: list[str] = []
    for marker in reversed(list(item.iter_markers(MARKER))):  # closest marker wins
        unknown = set(marker.kwargs) - _MARKER_KEYS
        if unknown or marker.args:
            raise pytest.UsageError(
                f"@pytest.mark.meshapi takes only keywords {sorted(_MARKER_KEYS)}; "
                f"got {sorted(unknown) or list(marker.args)} on {item.nodeid}"
            )
        strict = bool(marker.kwargs.get("strict", strict))
        assert_all_called = bool(marker.kwargs.get("assert_all_called", assert_all_called))
        if marker.kwargs.get("seed") is not None:
            seed = int(marker.kwargs["seed"])
        names = marker.kwargs.get("scenarios", ())
        if isinstance(names, str | Path):
            names = [names]
        base = item.path.parent
        scenarios.extend(_resolve(str(n), base, config.rootpath) for n in names)
    return TestSettings(strict, seed, assert_all_called, tuple(scenarios))


def _resolve(name: str, *bases: Path) -> str:
    """A path relative to one of `bases` if it exists there, else the name as given."""
    for base in bases:
        candidate = base / name
        if candidate.exists():
            return str(candidate)
    return name
