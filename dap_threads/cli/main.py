"""The `dap-threads` command: the adapter (stdio or --listen), and the terminal tools.

dap-threads                         serve DAP on stdin/stdout (what editors spawn)
dap-threads --listen [HOST:]PORT    serve DAP over TCP, one session per connection
dap-threads --listen unix:PATH      ... over a Unix socket (mode 0600)
dap-threads watch PID               print thread events of a running process
dap-threads run -- PROGRAM ARGS...  print thread events of a program it starts
dap-threads ps [--json]             processes this user may trace
dap-threads stacks PID [--json]     every thread's call stack, grouped (attach, stop, unwind, detach)
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import sys
from collections.abc import Sequence

from ..engine.sigchld import block_early
from .access_options import add_access_options, listen_policy, say

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dap-threads",
        description="Debug Adapter Protocol adapter that shows a Linux program's threads live (ptrace).",
    )
    parser.add_argument("--listen", metavar="[HOST:]PORT|unix:PATH", help="serve DAP on a socket instead of stdio")
    parser.add_argument("--log-file", metavar="PATH", help="write the adapter's log here")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"], help="level for --log-file"
    )
    add_access_options(parser)
    sub = parser.add_subparsers(dest="command")
    watch = sub.add_parser("watch", help="attach to PID and print one line per thread event; Ctrl-C detaches")
    watch.add_argument("pid", type=int)
    run = sub.add_parser("run", help="run a program and print its thread events; Ctrl-C ends it")
    run.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- PROGRAM ARGS")
    ps = sub.add_parser("ps", help="list the processes this user may trace")
    ps.add_argument("--json", action="store_true", help="one JSON array, for editors' process pickers")
    stacks = sub.add_parser("stacks", help="print every thread's call stack, identical stacks grouped")
    stacks.add_argument("pid", type=int)
    stacks.add_argument("--json", action="store_true", help="one JSON object: groups, frames, modules")
    stacks.add_argument("--max-frames", type=int, default=256, metavar="N", help="unwind at most N frames a thread")
    return parser


def configure_logging(log_file: str | None, level: str) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    to_stderr = logging.StreamHandler(sys.stderr)  # never stdout: it is the DAP wire
    to_stderr.setLevel(logging.WARNING)
    to_stderr.setFormatter(logging.Formatter("dap-threads: %(levelname)s: %(message)s"))
    root.addHandler(to_stderr)
    if log_file:
        to_file = logging.FileHandler(log_file)
        to_file.setLevel(level.upper())
        to_file.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(to_file)
    else:
        root.setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    # Before any thread exists, so that every thread inherits it: the reaper
    # then wakes on a signalfd (engine/sigchld.py explains why all must block it).
    block_early()
    args = build_parser().parse_args(argv)
    configure_logging(args.log_file, args.log_level)
    if args.command == "watch":
        from .watch import watch

        return watch(args.pid)
    if args.command == "run":
        from .watch import run

        command = list(args.argv)
        if command[:1] == ["--"]:
            command = command[1:]
        return run(command)
    if args.command == "ps":
        from .ps import ps

        return ps(as_json=args.json)
    if args.command == "stacks":
        from .stacks import stacks

        return stacks(args.pid, as_json=args.json, max_frames=args.max_frames)
    return serve(args.listen, args)


def serve(listen: str | None, args: argparse.Namespace) -> int:
    from ..dap.server import serve_socket, serve_stdio
    from ..session import Session

    try:
        if listen:
            policy, token_line = listen_policy(args, listen)
            sessions = functools.partial(Session, policy=policy)
            asyncio.run(serve_socket(listen, sessions, after_listening=functools.partial(say, token_line)))
        else:
            asyncio.run(serve_stdio(Session))
    except ValueError as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
