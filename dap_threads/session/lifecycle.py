"""initialize, configurationDone, disconnect, terminate: a session's beginning and end."""

from __future__ import annotations

import asyncio
import signal

from ..dap import messages as m
from ..dap.requests import RequestError, capabilities, request
from .session import Session


@request("initialize", m.InitializeArguments, needs_initialize=False, acts_on_process=False)
async def initialize(session: Session, args: m.InitializeArguments) -> dict[str, bool]:
    if session.initialized:
        raise RequestError("'initialize' was already sent in this session; send it once, first")
    session.initialized = True
    session.client = args
    session.after_response(lambda: session.protocol.send_event("initialized"))
    # Only what a registered handler declared: nothing advertised is missing.
    return capabilities()


@request("configurationDone", m.NoArguments, capabilities=("supportsConfigurationDoneRequest",), acts_on_process=False)
async def configuration_done(session: Session, args: m.NoArguments) -> None:
    # A stop-on-entry/attach waits for this response (DAP "Launch sequencing").
    session.after_response(session.configuration_done)
    return None


# Only this session's own program, which exists only once the connection was admitted.
@request("disconnect", m.DisconnectArguments, capabilities=("supportTerminateDebuggee",), acts_on_process=False)
async def disconnect(session: Session, args: m.DisconnectArguments) -> None:
    # The session ends once the response is out, whatever happens below.
    session.after_response(session.ended.set)
    tracer = session.active_tracer
    if tracer is None:
        return None
    # The spec's default: end what we launched, leave what we attached to.
    terminate = args.terminateDebuggee if args.terminateDebuggee is not None else session.launched
    if terminate:
        tracer.kill(signal.SIGKILL)
        try:
            await asyncio.wait_for(tracer.wait_exit(), 5)
        except TimeoutError:
            raise RequestError(f"process {tracer.pid} did not exit after SIGKILL within 5 s") from None
        session.send_terminated(tracer.exit)
    else:
        await tracer.detach()
        tracer.publish()
    return None


@request("terminate", m.TerminateArguments, capabilities=("supportsTerminateRequest",))
async def terminate(session: Session, args: m.TerminateArguments) -> None:
    tracer = session.require_tracer()
    # SIGTERM lets the program clean up; held threads are resumed so it can.
    tracer.kill(signal.SIGTERM)
    session.resuming()
    return None
