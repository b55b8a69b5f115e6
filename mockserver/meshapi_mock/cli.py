"""`meshapi-mock serve` and `meshapi-mock validate`."""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from types import FrameType

import uvicorn

from ._version import __version__
from .app import create_app
from .config import ServerConfig
from .runner import bind_socket, uvicorn_config
from .scripting.scenarios import ScenarioError, json_schema, load_all
from .state import MockState


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="meshapi-mock", description="A scripted fake MeshAPI server."
    )
    parser.add_argument("--version", action="version", version=f"meshapi-mock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the fake until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    serve.add_argument(
        "--fixtures",
        nargs="+",
        action="extend",
        default=[],
        metavar="PATH",
        help="scenario files, folders or bundled scenario names (e.g. 'default')",
    )
    serve.add_argument(
        "--token",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY",
        help="accept only these bearer keys (default: any rsk_ key)",
    )
    serve.add_argument("--strict", action="store_true", help="unmatched requests get an error")
    serve.add_argument("--seed", type=int, default=0, help="seed for ids in replies")
    serve.add_argument(
        "--journal-limit", type=int, default=1000, help="requests kept in the journal"
    )

    validate = commands.add_parser("validate", help="check scenario files; non-zero exit on errors")
    validate.add_argument("paths", nargs="+", metavar="PATH")

    commands.add_parser("schema", help="print the JSON Schema of scenario files")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "validate":
        return _validate(args.paths)
    if args.command == "schema":
        print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
        return 0
    return _serve(args)


def _validate(paths: list[str]) -> int:
    try:
        loaded = load_all(paths)
    except ScenarioError as exc:
        _print_problems(exc)
        return 1
    files = sorted({path for path, _ in loaded})
    print(f"ok: {len(loaded)} rules in {len(files)} files")
    return 0


def _print_problems(exc: ScenarioError) -> None:
    for problem in exc.problems:
        print(f"error: {problem}", file=sys.stderr)


def _serve(args: argparse.Namespace) -> int:
    config = ServerConfig(
        tokens=tuple(args.token),
        strict=args.strict,
        seed=args.seed,
        journal_limit=args.journal_limit,
        fixtures=tuple(args.fixtures),
    )
    try:
        state = MockState(config)
    except ScenarioError as exc:
        _print_problems(exc)
        return 2
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(
        f"meshapi-mock {__version__} serving on http://{shown}:{port} "
        f"({len(state.rules)} scripted rules{', strict' if config.strict else ''}); "
        "Ctrl+C to stop",
        flush=True,
    )
    server = uvicorn.Server(uvicorn_config(create_app(state)))
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal into
    # the handlers it found; no-op ones let us finish with a message and exit code 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _ignore)
    server.run(sockets=[sock])
    print("meshapi-mock stopped", flush=True)
    return 0


def _ignore(signum: int, frame: FrameType | None) -> None:
    """Placeholder handler; uvicorn installs its own while serving."""


if __name__ == "__main__":
    raise SystemExit(main())
