"""DAP message bodies and arguments, as attrs classes.

Names and fields follow the Debug Adapter Protocol specification (the
schema in debugAdapterProtocol.json) so a reader can look each one up there.
Optional fields default to None and are left off the wire (see
``converter``); a field without a default is required by the spec.
Only what this adapter reads or sends is declared; unknown argument fields a
client sends are ignored, as the spec asks of adapters.

No generated __repr__ or __eq__ (``repr=False, eq=False``): nothing compares
or prints these, and compiling those methods for every class was ~5 ms of the
adapter's start-up. Messages are logged as the JSON that goes on the wire.
"""

from __future__ import annotations

from typing import Any, TypedDict

import attrs

# ----- request arguments (client -> adapter) ------------------------------


@attrs.define(repr=False, eq=False)
class InitializeArguments:
    adapterID: str
    clientID: str | None = None
    clientName: str | None = None
    linesStartAt1: bool = True
    columnsStartAt1: bool = True
    #: the client refreshes what an `invalidated` event names (VS Code: the thread list, while running)
    supportsInvalidatedEvent: bool = False
    #: the client answers runInTerminal (launch with console: integratedTerminal/externalTerminal)
    supportsRunInTerminalRequest: bool = False
    #: the client shows progressStart/progressUpdate/progressEnd
    supportsProgressReporting: bool = False
    #: the client answers the ``startDebugging`` reverse request (followFork "both")
    supportsStartDebuggingRequest: bool = False


@attrs.define(repr=False, eq=False)
class AttachArguments:
    pid: int | None = None
    #: VS Code's C/C++ tools name it processId and may send it as a string
    processId: Any = None
    stopOnAttach: bool = False
    #: the adapter's token, for a client of another user (see access.policy)
    token: str | None = attrs.field(default=None, repr=False)
    #: the thread list's names (observe.names), e.g. "{name} ({tid}) · {state} {cpu} {wait}"
    threadName: str | None = None
    #: read every thread's state from /proc once a second while the program runs
    sampleThreads: bool = True
    #: above this many threads, states in the list are not refreshed while the program runs
    threadRefreshLimit: int | None = None
    #: record the creator's stack at each clone (the Thread scope's "created at")
    creationStacks: bool = True
    #: gdb's follow-fork-mode: "parent" (default), "child", "both" or "ask"
    followFork: str | None = None
    #: False: detach when the program calls execve
    followExec: bool = True
    #: in a child session's configuration (followFork "both"): the port of the adapter that holds the child
    debugServer: Any = None


@attrs.define(repr=False, eq=False)
class LaunchArguments:
    program: str
    args: list[str] = attrs.Factory(list)
    cwd: str | None = None
    env: dict[str, str] | None = None
    stopOnEntry: bool = False
    noDebug: bool = False
    #: where the program's stdin/stdout/stderr are: "internalConsole" (output events, no stdin),
    #: "integratedTerminal" or "externalTerminal" (the editor's terminal, through runInTerminal)
    console: str | None = None
    #: the adapter's token, for a client of another user (see access.policy)
    token: str | None = attrs.field(default=None, repr=False)
    #: as in AttachArguments
    threadName: str | None = None
    sampleThreads: bool = True
    threadRefreshLimit: int | None = None
    creationStacks: bool = True
    #: gdb's follow-fork-mode: "parent" (default), "child", "both" or "ask"
    followFork: str | None = None
    #: False: detach when the program calls execve
    followExec: bool = True


@attrs.define(repr=False, eq=False)
class ThreadArguments:
    """continue, pause, and the other requests that name one thread."""

    threadId: int
    singleThread: bool = False


@attrs.define(repr=False, eq=False)
class StackTraceArguments:
    threadId: int
    startFrame: int | None = None
    levels: int | None = None


@attrs.define(repr=False, eq=False)
class SourceArguments:
    #: required by the spec, though a client that sends ``source.path`` may leave it 0
    sourceReference: int = 0
    source: Source | None = None


@attrs.define(repr=False, eq=False)
class ModulesArguments:
    startModule: int | None = None
    moduleCount: int | None = None


@attrs.define(repr=False, eq=False)
class ReadMemoryArguments:
    memoryReference: str
    count: int
    offset: int | None = None


@attrs.define(repr=False, eq=False)
class DisassembleArguments:
    memoryReference: str
    instructionCount: int
    offset: int | None = None
    instructionOffset: int | None = None
    resolveSymbols: bool | None = None


@attrs.define(repr=False, eq=False)
class EvaluateArguments:
    expression: str
    frameId: int | None = None
    context: str | None = None


@attrs.define(repr=False, eq=False)
class ScopesArguments:
    frameId: int


@attrs.define(repr=False, eq=False)
class VariablesArguments:
    variablesReference: int
    start: int | None = None
    count: int | None = None


@attrs.define(repr=False, eq=False)
class DisconnectArguments:
    restart: bool = False
    terminateDebuggee: bool | None = None
    suspendDebuggee: bool | None = None


@attrs.define(repr=False, eq=False)
class TerminateArguments:
    restart: bool | None = None


@attrs.define(repr=False, eq=False)
class ExceptionFilterOptions:
    filterId: str
    condition: str | None = None
    mode: str | None = None


@attrs.define(repr=False, eq=False)
class SetExceptionBreakpointsArguments:
    filters: list[str]
    filterOptions: list[ExceptionFilterOptions] | None = None
    #: honoured only with supportsExceptionOptions, which this adapter does not declare
    exceptionOptions: Any = None


@attrs.define(repr=False, eq=False)
class ExceptionInfoArguments:
    threadId: int


@attrs.define(repr=False, eq=False)
class NoArguments:
    pass


@attrs.define
class TimelineArguments:
    """dapThreads.timeline (ours): the timeline so far; with ``follow``, batches as `dapThreads.timeline` events."""

    follow: bool = True


# ----- reverse requests (adapter -> client) --------------------------------


@attrs.define(repr=False, eq=False)
class RunInTerminalRequestArguments:
    args: list[str]
    cwd: str
    kind: str | None = None
    title: str | None = None
    env: dict[str, str | None] | None = None


@attrs.define(repr=False, eq=False)
class StartDebuggingRequestArguments:
    """The reverse request ``startDebugging``: the client starts a new session of our type."""

    configuration: dict[str, Any]
    request: str  # "launch" or "attach"


# ----- bodies (adapter -> client) -----------------------------------------


# Typed dicts, not attrs classes: a `threads` response may list 10,000
# threads, and an attrs object per thread plus the converter's unstructuring
# cost ~3 µs each (and the converter's first use of a class compiles its
# unstructure function, ~10 ms, in the attach benchmark's critical path).
class Thread(TypedDict):
    id: int
    name: str


class ThreadsResponseBody(TypedDict):
    threads: list[Thread]


@attrs.define(repr=False, eq=False)
class Source:
    name: str | None = None
    path: str | None = None
    sourceReference: int | None = None
    presentationHint: str | None = None


@attrs.define(repr=False, eq=False)
class StackFrame:
    id: int
    name: str
    line: int
    column: int
    source: Source | None = None
    instructionPointerReference: str | None = None
    moduleId: str | None = None
    presentationHint: str | None = None


@attrs.define(repr=False, eq=False)
class StackTraceResponseBody:
    stackFrames: list[StackFrame]
    totalFrames: int | None = None


@attrs.define(repr=False, eq=False)
class Scope:
    name: str
    variablesReference: int
    expensive: bool
    presentationHint: str | None = None
    namedVariables: int | None = None


@attrs.define(repr=False, eq=False)
class ScopesResponseBody:
    scopes: list[Scope]


@attrs.define(repr=False, eq=False)
class Variable:
    name: str
    value: str
    variablesReference: int
    type: str | None = None
    memoryReference: str | None = None


@attrs.define(repr=False, eq=False)
class VariablesResponseBody:
    variables: list[Variable]


@attrs.define(repr=False, eq=False)
class Module:
    id: str
    name: str
    path: str | None = None
    isUserCode: bool | None = None
    symbolStatus: str | None = None
    symbolFilePath: str | None = None
    addressRange: str | None = None


@attrs.define(repr=False, eq=False)
class ModulesResponseBody:
    modules: list[Module]
    totalModules: int | None = None


@attrs.define(repr=False, eq=False)
class SourceResponseBody:
    content: str
    mimeType: str | None = None


@attrs.define(repr=False, eq=False)
class ReadMemoryResponseBody:
    address: str
    unreadableBytes: int | None = None
    data: str | None = None


@attrs.define(repr=False, eq=False)
class DisassembledInstruction:
    address: str
    instruction: str
    instructionBytes: str | None = None
    symbol: str | None = None
    location: Source | None = None
    line: int | None = None
    column: int | None = None
    presentationHint: str | None = None


@attrs.define(repr=False, eq=False)
class DisassembleResponseBody:
    instructions: list[DisassembledInstruction]


@attrs.define(repr=False, eq=False)
class EvaluateResponseBody:
    result: str
    variablesReference: int  # required by the spec even when 0 (nothing to expand)
    type: str | None = None


@attrs.define(repr=False, eq=False)
class ContinueResponseBody:
    allThreadsContinued: bool | None = None


@attrs.define(repr=False, eq=False)
class Breakpoint:
    verified: bool
    message: str | None = None
    id: int | None = None


@attrs.define(repr=False, eq=False)
class SetExceptionBreakpointsResponseBody:
    breakpoints: list[Breakpoint]


@attrs.define(repr=False, eq=False)
class ExceptionBreakpointsFilter:
    filter: str
    label: str
    description: str | None = None
    default: bool | None = None
    supportsCondition: bool | None = None
    conditionDescription: str | None = None


@attrs.define(repr=False, eq=False)
class ExceptionDetails:
    message: str | None = None
    typeName: str | None = None
    stackTrace: str | None = None


@attrs.define(repr=False, eq=False)
class ExceptionInfoResponseBody:
    exceptionId: str
    breakMode: str  # "never", "always", "unhandled", "userUnhandled"
    description: str | None = None
    details: ExceptionDetails | None = None


# ----- event bodies ---------------------------------------------------------


@attrs.define(repr=False, eq=False)
class ThreadEventBody:
    reason: str
    threadId: int


@attrs.define(repr=False, eq=False)
class StoppedEventBody:
    reason: str
    threadId: int | None = None
    allThreadsStopped: bool | None = None
    description: str | None = None
    text: str | None = None


@attrs.define(repr=False, eq=False)
class ContinuedEventBody:
    threadId: int
    allThreadsContinued: bool | None = None


@attrs.define(repr=False, eq=False)
class ModuleEventBody:
    reason: str  # "new", "changed", "removed"
    module: Module


@attrs.define(repr=False, eq=False)
class InvalidatedEventBody:
    areas: list[str] | None = None
    threadId: int | None = None


@attrs.define(repr=False, eq=False)
class ExitedEventBody:
    exitCode: int


@attrs.define(repr=False, eq=False)
class OutputEventBody:
    output: str
    category: str | None = None


@attrs.define(repr=False, eq=False)
class ProcessEventBody:
    name: str
    systemProcessId: int | None = None
    isLocalProcess: bool | None = None
    startMethod: str | None = None
    pointerSize: int | None = None


@attrs.define(repr=False, eq=False)
class ProgressStartEventBody:
    progressId: str
    title: str
    cancellable: bool | None = None
    message: str | None = None
    percentage: float | None = None


@attrs.define(repr=False, eq=False)
class ProgressUpdateEventBody:
    progressId: str
    message: str | None = None
    percentage: float | None = None


@attrs.define(repr=False, eq=False)
class ProgressEndEventBody:
    progressId: str
    message: str | None = None


@attrs.define(repr=False, eq=False)
class ErrorMessage:
    """The ``error`` of an ErrorResponse body (the spec's Message type)."""

    id: int
    format: str
    showUser: bool | None = None
    #: values for the {names} in format, and for an editor that acts on this error's id
    variables: dict[str, str] | None = None
