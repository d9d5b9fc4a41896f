"""DAP message bodies and arguments, as attrs classes.

Names and fields follow the Debug Adapter Protocol specification (the
schema in debugAdapterProtocol.json) so a reader can look each one up there.
Optional fields default to None and are left off the wire (see
``converter``); a field without a default is required by the spec.
Only what this adapter reads or sends is declared; unknown argument fields a
client sends are ignored, as the spec asks of adapters.
"""

from __future__ import annotations

from typing import Any, Optional

import attrs

# ----- request arguments (client -> adapter) ------------------------------


@attrs.define
class InitializeArguments:
    adapterID: str
    clientID: Optional[str] = None
    clientName: Optional[str] = None
    linesStartAt1: bool = True
    columnsStartAt1: bool = True


@attrs.define
class AttachArguments:
    pid: Optional[int] = None
    #: VS Code's C/C++ tools name it processId and may send it as a string
    processId: Any = None
    stopOnAttach: bool = False


@attrs.define
class LaunchArguments:
    program: str
    args: list[str] = attrs.Factory(list)
    cwd: Optional[str] = None
    env: Optional[dict[str, str]] = None
    stopOnEntry: bool = False
    noDebug: bool = False


@attrs.define
class ThreadArguments:
    """continue, pause, and the other requests that name one thread."""

    threadId: int
    singleThread: bool = False


@attrs.define
class StackTraceArguments:
    threadId: int
    startFrame: Optional[int] = None
    levels: Optional[int] = None


@attrs.define
class ScopesArguments:
    frameId: int


@attrs.define
class VariablesArguments:
    variablesReference: int
    start: Optional[int] = None
    count: Optional[int] = None


@attrs.define
class DisconnectArguments:
    restart: bool = False
    terminateDebuggee: Optional[bool] = None
    suspendDebuggee: Optional[bool] = None


@attrs.define
class TerminateArguments:
    restart: Optional[bool] = None


@attrs.define
class NoArguments:
    pass


# ----- bodies (adapter -> client) -----------------------------------------


@attrs.define
class Thread:
    id: int
    name: str


@attrs.define
class ThreadsResponseBody:
    threads: list[Thread]


@attrs.define
class Source:
    name: Optional[str] = None
    path: Optional[str] = None
    presentationHint: Optional[str] = None


@attrs.define
class StackFrame:
    id: int
    name: str
    line: int
    column: int
    source: Optional[Source] = None
    instructionPointerReference: Optional[str] = None
    moduleId: Optional[str] = None
    presentationHint: Optional[str] = None


@attrs.define
class StackTraceResponseBody:
    stackFrames: list[StackFrame]
    totalFrames: Optional[int] = None


@attrs.define
class Scope:
    name: str
    variablesReference: int
    expensive: bool
    presentationHint: Optional[str] = None
    namedVariables: Optional[int] = None


@attrs.define
class ScopesResponseBody:
    scopes: list[Scope]


@attrs.define
class Variable:
    name: str
    value: str
    variablesReference: int
    type: Optional[str] = None
    memoryReference: Optional[str] = None


@attrs.define
class VariablesResponseBody:
    variables: list[Variable]


@attrs.define
class ContinueResponseBody:
    allThreadsContinued: Optional[bool] = None


@attrs.define
class Capabilities:
    supportsConfigurationDoneRequest: Optional[bool] = None
    supportsTerminateRequest: Optional[bool] = None
    supportTerminateDebuggee: Optional[bool] = None
    supportsSingleThreadExecutionRequests: Optional[bool] = None


# ----- event bodies ---------------------------------------------------------


@attrs.define
class ThreadEventBody:
    reason: str
    threadId: int


@attrs.define
class StoppedEventBody:
    reason: str
    threadId: Optional[int] = None
    allThreadsStopped: Optional[bool] = None
    description: Optional[str] = None


@attrs.define
class ContinuedEventBody:
    threadId: int
    allThreadsContinued: Optional[bool] = None


@attrs.define
class ExitedEventBody:
    exitCode: int


@attrs.define
class OutputEventBody:
    output: str
    category: Optional[str] = None


@attrs.define
class ProcessEventBody:
    name: str
    systemProcessId: Optional[int] = None
    isLocalProcess: Optional[bool] = None
    startMethod: Optional[str] = None
    pointerSize: Optional[int] = None


@attrs.define
class ErrorMessage:
    """The ``error`` of an ErrorResponse body (the spec's Message type)."""

    id: int
    format: str
    showUser: Optional[bool] = None


JsonObject = dict[str, Any]
