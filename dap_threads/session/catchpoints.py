"""setExceptionBreakpoints and exceptionInfo: catchpoints, in DAP's words.

DAP has no catchpoints; its exception filters are what every client shows as
toggles with an optional condition (VS Code's Breakpoints pane, nvim-dap's
``set_exception_breakpoints``). Two filters, both off by default:

- "New thread" (``newThread``): stop every thread when the program creates
  one, the new thread held at its first instruction; the condition is a list
  of globs on the creator's or the new thread's name (``newthread``);
- "Syscall" (``syscall``): stop at the entry and at the exit of the syscalls
  the condition names (``openat, connect``; empty or ``*``: every call, as
  gdb's ``catch syscall``), through PTRACE_SYSCALL while it is set
  (``syscalls.catch``).

A stop they cause is a `stopped` event with reason "exception", the thread
that caught it, and ``allThreadsStopped``; ``exceptionInfo`` tells the same
story for that thread. Settings outlive the program: they apply to the
process a session follows after a fork, and to a program attached later.
"""

from __future__ import annotations

from ..dap import messages as m
from ..dap.converter import converter
from ..dap.requests import RequestError, request
from ..engine.newthread import parse_globs
from ..engine.syscalls.catch import parse_names, suggestion
from .catch_settings import Catchpoints
from .events import describe_stop, stop_description
from .session import Session

NEW_THREAD = "newThread"
SYSCALL = "syscall"

FILTERS = [
    m.ExceptionBreakpointsFilter(
        filter=NEW_THREAD,
        label="New thread",
        description="Stop every thread when the program creates a thread; the new thread is held before its "
        "first instruction and selected.",
        default=False,
        supportsCondition=True,
        conditionDescription="Only threads created by (or named) one of these globs, e.g. worker-*, io-? "
        "(empty: every new thread)",
    ),
    m.ExceptionBreakpointsFilter(
        filter=SYSCALL,
        label="Syscall",
        description="Stop every thread at the entry and at the exit of the system calls named in the condition; "
        "the arguments and the result are in the stop's description and in the Syscall scope.",
        default=False,
        supportsCondition=True,
        conditionDescription="Syscall names, e.g. openat, connect, clone3 (empty or *: every call)",
    ),
]


# Settings kept for the program: a client may send them before its attach or launch (which carries
# the token), and a program they act on exists only once the connection was admitted.
@request(
    "setExceptionBreakpoints",
    m.SetExceptionBreakpointsArguments,
    capabilities={"exceptionBreakpointFilters": converter.unstructure(FILTERS), "supportsExceptionFilterOptions": True},
    acts_on_process=False,
)
async def set_exception_breakpoints(
    session: Session, args: m.SetExceptionBreakpointsArguments
) -> m.SetExceptionBreakpointsResponseBody:
    # The spec: the `filters` and `filterOptions` sets are additive; the answer lists
    # one Breakpoint per entry, `filters` first.
    requested: list[tuple[str, str | None]] = [(name, None) for name in args.filters]
    requested += [(option.filterId, option.condition) for option in args.filterOptions or []]
    settings = Catchpoints()
    answers = []
    for name, condition in requested:
        answers.append(_set(settings, name, condition))
    session.catchpoints = settings
    tracer = session.active_tracer
    if tracer is not None:
        settings.apply(tracer)
    return m.SetExceptionBreakpointsResponseBody(breakpoints=answers)


def _set(settings: Catchpoints, name: str, condition: str | None) -> m.Breakpoint:
    if name == NEW_THREAD:
        settings.new_thread = True
        settings.new_thread_globs = parse_globs(condition)
        return m.Breakpoint(verified=True)
    if name == SYSCALL:
        calls, unknown = parse_names(condition or "")
        if unknown and not calls:
            return m.Breakpoint(verified=False, message=f"no syscall caught: {_unknown(unknown)}")
        settings.syscall = True
        settings.syscall_names = calls
        if unknown:
            return m.Breakpoint(
                verified=True, message=f"catching {', '.join(sorted(calls or ()))}; {_unknown(unknown)}"
            )
        return m.Breakpoint(verified=True)
    return m.Breakpoint(
        verified=False, message=f"unknown exception filter {name!r}: dap-threads has {NEW_THREAD!r} and {SYSCALL!r}"
    )


def _unknown(words: list[str]) -> str:
    return "; ".join(f"{word!r} is not a syscall of this machine{suggestion(word)}" for word in words)


@request("exceptionInfo", m.ExceptionInfoArguments, capabilities=("supportsExceptionInfoRequest",))
async def exception_info(session: Session, args: m.ExceptionInfoArguments) -> m.ExceptionInfoResponseBody:
    session.require_thread(args.threadId)
    stop = session.last_stop
    if stop is None or stop.cause is None or stop.tid != args.threadId:
        raise RequestError(
            f"thread {args.threadId} did not stop at a catchpoint (new thread, syscall or fork): "
            f"there is no exception to describe"
        )
    kind, details = describe_stop(stop)
    return m.ExceptionInfoResponseBody(
        exceptionId=kind,
        breakMode="always",
        description=stop_description(stop),
        details=m.ExceptionDetails(message=details, typeName=kind),
    )
