"""modules: the loaded ELF objects, as told in `module` events (``module_table``), a page at a time."""

from __future__ import annotations

from ..dap import messages as m
from ..dap.requests import RequestError, request
from .session import Session


@request("modules", m.ModulesArguments, capabilities=("supportsModulesRequest",))
async def modules(session: Session, args: m.ModulesArguments) -> m.ModulesResponseBody:
    start = args.startModule or 0
    count = args.moduleCount or 0
    if start < 0 or count < 0:
        raise RequestError(f"modules: 'startModule' and 'moduleCount' must not be negative, got {start} and {count}")
    session.require_tracer()
    # The answer and the events agree: bring the events up to date first.
    session.stacks.sync_modules()
    told = session.stacks.modules.told()
    end = start + count if count else len(told)
    return m.ModulesResponseBody(modules=told[start:end], totalModules=len(told))
