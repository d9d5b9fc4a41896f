"""The `dap-threads` command: the adapter (stdio or --listen), and the terminal tools.

dap-threads                         serve DAP on stdin/stdout (what editors spawn)
dap-threads --listen [HOST:]PORT    serve DAP over TCP, one session per connection
dap-threads --listen unix:PATH      ... over a Unix socket (mode 0600)
dap-threads watch PID [--tree]      print thread events of a running process (or its creation tree, live)
dap-threads run -- PROGRAM ARGS...  print thread events of a program it starts
   (both: --record FILE.html, --trace-json FILE.json: the threads' timeline when it ends)
   --syscalls openat,connect        ... and those calls, strace style (watch too)
   --stop-on-new-thread[=GLOB]      ... and stop at each new thread, asking what to do (watch too)
dap-threads ps [--json] [--all]     processes this user may trace (--all: and why not the others)
dap-threads stacks PID [--json]     every thread's call stack, grouped (attach, stop, unwind, detach)
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import sys
from collections.abc import Sequence

from ..engine.sigchld import block_early
from .access_options import add_access_options, listen_policy, say
from .catch import CatchOptions

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Sampling more often than this would cost more than it shows (seconds).
_MIN_INTERVAL = 0.05


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dap-threads",
        description="Debug Adapter Protocol adapter that shows a Linux program's threads live (ptrace).",
        epilog=(
            "Without a subcommand, dap-threads is the debug adapter: it speaks DAP on stdin/stdout (what an "
            "editor starts: VS Code, nvim-dap) or, with --listen, on a socket. At a terminal, use watch, run or ps."
        ),
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
    watch.add_argument("--json", action="store_true", help="one JSON object per event and line")
    watch.add_argument(
        "--tree",
        action="store_true",
        help="draw who created whom, live, with each thread's state, CPU and wait (at the end if not a terminal)",
    )
    _observe_options(watch)
    add_catch_options(watch)
    run = sub.add_parser(
        "run",
        help="run a program and print its thread events; Ctrl-C reaches it as without us, twice kills it",
        description=(
            "Run PROGRAM under trace and print its thread events, marked [dap-threads]. The program keeps the "
            "terminal: Ctrl-C reaches it as it would without us, and run waits for it to end; Ctrl-C again (or "
            "a program that ignores it for --kill-after seconds) kills it with SIGKILL. run exits with the "
            "program's status, or dies of the signal that ended it."
        ),
    )
    run.add_argument("--json", action="store_true", help="one JSON object per line: events, notes and its output")
    run.add_argument(
        "--kill-after",
        type=_seconds,
        default=3.0,
        metavar="SECONDS",
        help="SIGKILL a program that ignores the interrupt for this long (default: 3)",
    )
    _observe_options(run)
    add_catch_options(run)
    run.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- PROGRAM ARGS")
    ps = sub.add_parser(
        "ps", help="list the processes this user may trace, with their user and CPU%% (--all: and those not, and why)"
    )
    ps.add_argument(
        "--json", action="store_true", help="one JSON array of every process, traceable or not, for process pickers"
    )
    ps.add_argument("--all", action="store_true", help="also list the processes you may not trace, and why")
    stacks = sub.add_parser("stacks", help="print every thread's call stack, identical stacks grouped")
    stacks.add_argument("pid", type=int)
    stacks.add_argument("--json", action="store_true", help="one JSON object: groups, frames, modules")
    stacks.add_argument("--max-frames", type=int, default=256, metavar="N", help="unwind at most N frames a thread")
    return parser


def _observe_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--record",
        metavar="FILE",
        help="write the threads' timeline (lives, sampled states, creators, one lane each) as a self-contained "
        "HTML page when the program ends or is left",
    )
    command.add_argument(
        "--trace-json",
        metavar="FILE",
        help="write the same as Chrome Trace Event JSON (open it in ui.perfetto.dev or chrome://tracing)",
    )
    command.add_argument(
        "--interval",
        type=_seconds,
        default=1.0,
        metavar="SECONDS",
        help="read each thread's state from /proc this often (default: 1; the program is never stopped)",
    )


def add_catch_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--syscalls",
        metavar="NAMES",
        help="also print these syscalls (comma separated; * for all) with their arguments and results",
    )
    parser.add_argument(
        "--stop-on-new-thread",
        nargs="?",
        const="*",
        metavar="GLOB",
        help="stop every thread when one is created (by a thread whose name matches GLOB) and ask what to do",
    )


def catch_options(args: argparse.Namespace) -> CatchOptions | None:
    if args.syscalls is None and args.stop_on_new_thread is None:
        return None
    return CatchOptions(syscalls=args.syscalls, new_thread=args.stop_on_new_thread)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds above 0, such as 3 or 0.5")
    return value


class UsageError(Exception):
    """A mistake in the command line, said in one line; exit status 2, as argparse's own."""


def configure_logging(log_file: str | None, level: str) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    to_stderr = logging.StreamHandler(sys.stderr)  # never stdout: it is the DAP wire
    to_stderr.setLevel(logging.WARNING)
    to_stderr.setFormatter(logging.Formatter("dap-threads: %(levelname)s: %(message)s"))
    root.addHandler(to_stderr)
    if log_file:
        try:
            to_file = logging.FileHandler(log_file)
        except OSError as exc:
            raise UsageError(
                f"cannot write the log file {log_file!r}: {exc.strerror}; "
                "give --log-file a path in an existing, writable directory"
            ) from None
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
    try:
        configure_logging(args.log_file, args.log_level)
    except UsageError as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 2
    catch = catch_options(args) if args.command in ("watch", "run") else None
    problem = catch.check() if catch is not None else None
    if problem:
        print(f"dap-threads {args.command}: --syscalls: {problem}", file=sys.stderr)
        return 2
    if args.command == "watch":
        from .watch import WatchOptions, watch

        return watch(
            args.pid,
            WatchOptions(args.json, args.tree, args.record, args.trace_json, max(args.interval, _MIN_INTERVAL), catch),
        )
    if args.command == "run":
        from .run import RunOptions, run

        command = list(args.argv)
        if command[:1] == ["--"]:
            command = command[1:]
        options = RunOptions(
            args.json, args.kill_after, args.record, args.trace_json, max(args.interval, _MIN_INTERVAL), catch
        )
        return run(command, options)
    if args.command == "ps":
        from .ps import ps

        return ps(as_json=args.json, show_all=args.all)
    if args.command == "stacks":
        from .stacks import stacks

        return stacks(args.pid, as_json=args.json, max_frames=args.max_frames)
    return serve(args.listen, args)


def serve(listen: str | None, args: argparse.Namespace) -> int:
    from ..dap.server import serve_socket, serve_stdio
    from ..dap.stdio import claim_stdio
    from ..session import Session

    try:
        if listen:
            policy, token_line = listen_policy(args, listen)
            sessions = functools.partial(Session, policy=policy)
            asyncio.run(serve_socket(listen, sessions, after_listening=functools.partial(say, token_line)))
        else:
            if os.isatty(0):
                # A person typed `dap-threads`; an editor never gives a terminal.
                print(
                    "dap-threads: serving the Debug Adapter Protocol on stdin/stdout, for an editor to start. "
                    "Ctrl-D ends it; see dap-threads --help for watch, run and ps.",
                    file=sys.stderr,
                    flush=True,
                )
            wire = claim_stdio()
            asyncio.run(serve_stdio(Session, wire))
    except ValueError as exc:
        print(f"dap-threads: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
