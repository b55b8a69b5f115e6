"""`meshapi-mock serve | validate | scenarios | schema`: the fake from a shell.

Every mistake on the command line is a usage error that names the flag (exit 2), never
a traceback: argument types check ranges, and an unknown flag is reported by the
sub-command it was given to, with the closest flag it might have meant. Abbreviated
flags are not guessed: `--fixture` is a mistake to point out, not `--fixtures`.
"""

from __future__ import annotations

import argparse
import difflib
import json
import logging
import re
import signal
import sys
import textwrap
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

from . import config as settings
from ._version import __version__
from .app import create_app
from .catalogue import CatalogueError
from .cli_args import (
    allowed_host,
    api_key,
    chaos_settings,
    env_port,
    host_name,
    plural,
    port_number,
    positive_seconds,
    scenario_location,
    seconds_or_off,
    time_factor,
    whole,
)
from .config import ServerConfig
from .delivery.spec import FAULTS
from .runner import FakeServer, base_url, bind_socket, is_wildcard, uvicorn_config
from .scripting.scenarios import ScenarioError, ScenarioProblem, json_schema, load_files
from .state import MockState

DEFAULTS = ServerConfig()


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keep the epilog's line breaks; each help text names its own default."""


class _Parser(argparse.ArgumentParser):
    """Names an unknown flag even where argparse would first say that a required argument
    is missing (`validate --bogus`): the flag is the mistake to point out."""

    unknown_flags: Sequence[str] = ()
    """Flags given to this (sub-)command that it does not take (`parse_args` finds them)."""

    def error(self, message: str) -> NoReturn:
        if self.unknown_flags and message.startswith("the following arguments are required"):
            message = f"{_unrecognized(self, self.unknown_flags)} (and {message})"
        super().error(message)


def _bundled_names_epilog() -> str:
    from meshapi_fixtures import names

    listing = textwrap.fill(
        ", ".join(names()),
        width=78,
        initial_indent="  ",
        subsequent_indent="  ",
        break_on_hyphens=False,
    )
    return (
        f"bundled scenario names for --fixtures:\n{listing}\n"
        "`meshapi-mock scenarios` says what each holds."
    )


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = _Parser(
        prog="meshapi-mock",
        description="A scripted fake MeshAPI server.",
        formatter_class=_HelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"meshapi-mock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="run the fake until interrupted",
        description="Run the fake MeshAPI server until Ctrl+C or SIGTERM.",
        epilog=_bundled_names_epilog(),
        formatter_class=_HelpFormatter,
        allow_abbrev=False,
    )
    serve.add_argument(
        "--host", type=host_name, default="127.0.0.1", help="address to bind (default: %(default)s)"
    )
    serve.add_argument(
        "--port",
        type=port_number,
        default=env_port(8000),
        help="TCP port, 0 picks a free one (default: %(default)s, or $MESHAPI_MOCK_PORT)",
    )
    serve.add_argument(
        "--fixtures",
        type=scenario_location,
        nargs="+",
        action="extend",
        default=[],
        metavar="PATH",
        help="scenario files, folders or bundled scenario names (below), loaded at start and "
        "on every reset (default: none)",
    )
    serve.add_argument(
        "--token",
        nargs="+",
        action="extend",
        default=[],
        type=api_key,
        metavar="KEY",
        help="accept only these bearer keys (default: any rsk_ key); also guards /_mock/*",
    )
    serve.add_argument(
        "--admin-token",
        type=api_key,
        metavar="KEY",
        default=None,
        help="bearer key that /_mock/* requires (default: open unless --token is given)",
    )
    serve.add_argument(
        "--allow-host",
        nargs="+",
        action="extend",
        default=[],
        type=allowed_host,
        metavar="NAME",
        help="Host header names accepted besides the bound address and loopback names; "
        "'*.example.com' accepts any name under example.com, '*' any name (default: none)",
    )
    serve.add_argument(
        "--strict",
        action="store_true",
        help="unmatched requests get an error instead of a default-mode answer (default: off)",
    )
    serve.add_argument(
        "--models",
        choices=settings.MODEL_MODES,
        default=DEFAULTS.models,
        help="model ids requests may name: only catalogue ids, any provider/name of a "
        "catalogue provider, or anything (default: %(default)s)",
    )
    serve.add_argument(
        "--model-catalogue",
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE",
        help="YAML or JSON files of models added to the built-in catalogue (default: none)",
    )
    serve.add_argument(
        "--seed",
        type=whole(settings.SEED),
        default=DEFAULTS.seed,
        help="seed for ids in replies (default: %(default)s)",
    )
    serve.add_argument(
        "--journal-limit",
        type=whole(settings.JOURNAL_LIMIT),
        default=DEFAULTS.journal_limit,
        metavar="N",
        help=f"requests kept in the journal, 1 to {settings.MAX_JOURNAL_LIMIT} "
        "(default: %(default)s)",
    )
    serve.add_argument(
        "--journal-bytes",
        type=whole(settings.BYTE_COUNT),
        default=DEFAULTS.journal_max_bytes,
        metavar="BYTES",
        help="request bytes (heads and bodies) the journal keeps in all; the oldest "
        "requests lose theirs first (default: %(default)s)",
    )
    serve.add_argument(
        "--journal-body-bytes",
        type=whole(settings.BYTE_COUNT),
        default=DEFAULTS.journal_body_bytes,
        metavar="BYTES",
        help="bytes of one request body the journal keeps; longer ones are kept truncated "
        "(default: %(default)s)",
    )
    serve.add_argument(
        "--responses-bytes",
        type=whole(settings.BYTE_COUNT),
        default=DEFAULTS.responses_max_bytes,
        metavar="BYTES",
        help="bytes of created responses (with their input) kept for GET /v1/responses/{id} "
        "and previous_response_id; the oldest are forgotten first (default: %(default)s)",
    )
    serve.add_argument(
        "--request-timeout",
        type=seconds_or_off,
        default=DEFAULTS.request_timeout,
        metavar="SECONDS",
        help="time a client has to send a whole request before a 408; 0 turns it off "
        "(default: %(default)s)",
    )
    serve.add_argument(
        "--regex-timeout",
        type=positive_seconds,
        default=DEFAULTS.regex_timeout,
        metavar="SECONDS",
        help="time one rule's regex may take on one request (default: %(default)s)",
    )
    serve.add_argument(
        "--time-scale",
        type=time_factor,
        default=DEFAULTS.time_scale,
        metavar="FACTOR",
        help="multiply every scripted wait: 0.01 for a fast suite, 1 for a demo "
        "(default: %(default)s)",
    )
    serve.add_argument(
        "--chaos",
        type=chaos_settings,
        default=None,
        metavar="FAULTS",
        help="faults and error statuses drawn per request with these probabilities, "
        "e.g. disconnect=0.1,reset=0.05,429=0.1 (seeded by --seed; default: none); faults: "
        + ", ".join(FAULTS),
    )
    serve.add_argument(
        "--log-requests",
        action="store_true",
        help="log one line per request to stderr (default: off)",
    )

    validate = commands.add_parser(
        "validate",
        help="check scenario files; non-zero exit on errors",
        description="Check scenario files, folders or bundled names without serving them.",
        formatter_class=_HelpFormatter,
        allow_abbrev=False,
    )
    validate.add_argument("paths", type=scenario_location, nargs="+", metavar="PATH")

    scenarios = commands.add_parser(
        "scenarios",
        help="list the bundled scenarios",
        description="List the bundled scenario names that --fixtures and the plugin accept.",
        formatter_class=_HelpFormatter,
        allow_abbrev=False,
    )
    scenarios.add_argument("--json", action="store_true", help="print them as JSON")

    commands.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files, for editors.",
        formatter_class=_HelpFormatter,
    )
    return parser, dict(commands.choices)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse, reporting unknown flags on the sub-command's own usage with a suggestion."""
    parser, subparsers = _parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    _refuse_flags_before_the_command(parser, subparsers, argv)
    _find_unknown_flags(subparsers, argv)
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        sub = subparsers[args.command]
        sub.error(_unrecognized(sub, unknown))
    return args


def _unrecognized(parser: argparse.ArgumentParser, unknown: Sequence[str]) -> str:
    """`unrecognized arguments: …`, with the flag the first one may have meant."""
    message = "unrecognized arguments: " + " ".join(unknown)
    first = unknown[0].split("=", 1)[0]
    close = difflib.get_close_matches(first, _flags(parser), n=1) if first.startswith("-") else []
    if close:
        message += f" (did you mean {close[0]}?)"
    return message


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    return [flag for action in parser._actions for flag in action.option_strings]


_NEGATIVE_NUMBER = re.compile(r"-\d+|-\d*\.\d+")
"""What argparse reads as a value, not a flag (the parsers have no flags like it)."""


def _find_unknown_flags(subparsers: dict[str, argparse.ArgumentParser], argv: list[str]) -> None:
    """Tell the command's parser which of its arguments are flags it does not take, as
    argparse would read them: `_Parser.error` names them first."""
    command = next((i for i, arg in enumerate(argv) if not arg.startswith("-")), None)
    if command is None or argv[command] not in subparsers:
        return
    sub = subparsers[argv[command]]
    known = set(_flags(sub))
    unknown: list[str] = []
    for arg in argv[command + 1 :]:
        if arg == "--":
            break
        flag = arg.startswith("-") and arg != "-" and " " not in arg
        if flag and not _NEGATIVE_NUMBER.fullmatch(arg) and arg.split("=", 1)[0] not in known:
            unknown.append(arg)
    if isinstance(sub, _Parser):
        sub.unknown_flags = unknown


def _refuse_flags_before_the_command(
    parser: argparse.ArgumentParser,
    subparsers: dict[str, argparse.ArgumentParser],
    argv: list[str],
) -> None:
    """Name an unknown flag given before the command (argparse would only say the command
    is missing), and say which command takes it, if one does."""
    own = set(_flags(parser))
    for arg in argv:
        if not arg.startswith("-") or arg in ("-", "--"):
            return  # the command: what follows is its business
        name = arg.split("=", 1)[0]
        if name in own:
            continue
        owners = [command for command, sub in subparsers.items() if name in _flags(sub)]
        if owners:
            hint = f" ({name} goes after the command: meshapi-mock {owners[0]} {arg} …)"
        else:
            close = difflib.get_close_matches(name, sorted(own), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
        parser.error(f"unrecognized arguments: {arg}{hint}")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.command == "validate":
        return _validate(args.paths)
    if args.command == "scenarios":
        return _scenarios(as_json=args.json)
    if args.command == "schema":
        print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
        return 0
    return _serve(args)


class _CliLogHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The CLI's own stderr handler on the `meshapi_mock` logger, installed once per run."""


def _log_to_stderr(level: int) -> None:
    logger = logging.getLogger("meshapi_mock")
    for handler in [h for h in logger.handlers if isinstance(h, _CliLogHandler)]:
        logger.removeHandler(handler)
    handler = _CliLogHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)


def _validate(paths: list[str]) -> int:
    _log_to_stderr(logging.WARNING)
    try:
        loaded = load_files(paths)
    except ScenarioError as exc:
        _print_problems(exc.problems)
        return 1
    rules = sum(len(file.rules) for file in loaded)
    models = sum(len(file.models) for file in loaded)
    added = f" (+{plural(models, 'model')})" if models else ""
    print(f"ok: {plural(rules, 'rule')}{added} in {plural(len(loaded), 'file')}")
    return 0


def _scenarios(as_json: bool) -> int:
    from .scenario_catalog import bundled_scenarios

    listing = bundled_scenarios()
    if as_json:
        print(json.dumps([entry.to_json() for entry in listing], indent=2, ensure_ascii=False))
        return 0
    width = max(len(entry.name) for entry in listing)
    for entry in listing:
        print(f"{entry.name:<{width}}  {plural(entry.rules, 'rule'):>8}  {entry.summary}")
    return 0


def _print_problems(problems: Sequence[ScenarioProblem]) -> None:
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)


def _config(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        tokens=tuple(args.token),
        admin_token=args.admin_token,
        allowed_hosts=tuple(args.allow_host),
        strict=args.strict,
        models=args.models,
        model_catalogue=tuple(args.model_catalogue),
        seed=args.seed,
        journal_limit=args.journal_limit,
        journal_max_bytes=args.journal_bytes,
        journal_body_bytes=args.journal_body_bytes,
        responses_max_bytes=args.responses_bytes,
        request_timeout=args.request_timeout,
        regex_timeout=args.regex_timeout,
        log_requests=args.log_requests,
        time_scale=args.time_scale,
        chaos=args.chaos,
        fixtures=tuple(args.fixtures),
    )


def _serve(args: argparse.Namespace) -> int:
    _log_to_stderr(logging.INFO if args.log_requests else logging.WARNING)
    config = _config(args)
    try:
        state = MockState(config)
    except ScenarioError as exc:
        # A location that names nothing is a mistake on the command line: a usage error
        # naming the flag. What a file holds is the file's mistake, reported as validate does.
        _print_problems([p for p in exc.problems if not p.location])
        named = [str(p) for p in exc.problems if p.location]
        if named:
            _parser()[1]["serve"].error("argument --fixtures: " + "; ".join(named))
        return 2
    except CatalogueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        print(f"error: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    details = [plural(len(state.rules), "scripted rule")]
    if is_wildcard(host):
        details.append(f"listening on all addresses ({host})")
    if config.strict:
        details.append("strict")
    if config.tokens or config.admin_token:
        details.append("admin API needs a token")
    if config.models != DEFAULTS.models:
        details.append(f"models: {config.models}")
    print(
        f"meshapi-mock {__version__} serving on {base_url(host, port)} "
        f"({', '.join(details)}); Ctrl+C to stop",
        flush=True,
    )
    server = FakeServer(uvicorn_config(create_app(state)), state)
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal into
    # the handlers it found; no-op ones let us finish with a message and exit code 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _ignore)
    server.run(sockets=[sock])
    print("meshapi-mock stopped", flush=True)
    return 0


def _ignore(signum: int, frame: FrameType | None) -> None:
    """Placeholder handler; uvicorn installs its own while serving."""


def run() -> None:
    """Console-script and `python -m meshapi_mock` entry point."""
    raise SystemExit(main())


if __name__ == "__main__":
    run()
