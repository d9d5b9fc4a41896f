"""scopes and variables: the scopes of a frame, each from a small provider, and their variables.

A provider gives one scope of a frame (or none) and the variables in it;
the list below is the order a client shows them in: "Registers"
(``registers_scope``), then "Syscall" at a syscall catchpoint stop
(``syscall_scope``); a scope about the thread itself joins by adding its
provider. variablesReferences expire when the program resumes, like
frame ids (DAP "Lifetime of Objects References").
"""

from __future__ import annotations

from typing import Protocol

from ..dap import messages as m
from ..dap.requests import RequestError, request
from .frames import FrameRef
from .session import Session


class ScopeProvider(Protocol):
    kind: str  # names the scope's variablesReference kind (FrameIds.container_ref)

    async def scope(self, session: Session, frame: FrameRef, reference: int) -> m.Scope | None: ...

    async def variables(self, session: Session, frame: FrameRef) -> list[m.Variable]: ...


PROVIDERS: list[ScopeProvider] = []


def scope_provider(provider: ScopeProvider) -> ScopeProvider:
    """Add ``provider``'s scope to every frame's scopes, after those added before it."""
    if any(known.kind == provider.kind for known in PROVIDERS):
        raise ValueError(f"two scope providers of kind {provider.kind!r}")
    PROVIDERS.append(provider)
    return provider


@request("scopes", m.ScopesArguments)
async def scopes(session: Session, args: m.ScopesArguments) -> m.ScopesResponseBody:
    frame = session.frames.frame(args.frameId)
    if frame is None:
        raise RequestError(
            f"no frame {args.frameId}: frame ids last only until the program resumes; ask 'stackTrace' again"
        )
    found = []
    for provider in PROVIDERS:
        reference = session.frames.container_ref(args.frameId, provider.kind)
        scope = await provider.scope(session, frame, reference)
        if scope is not None:
            found.append(scope)
    return m.ScopesResponseBody(scopes=found)


@request("variables", m.VariablesArguments)
async def variables(session: Session, args: m.VariablesArguments) -> m.VariablesResponseBody:
    found = session.frames.container(args.variablesReference)
    if found is None:
        raise RequestError(
            f"no variables container {args.variablesReference}: references last only until the program resumes"
        )
    kind, frame = found
    provider = next(p for p in PROVIDERS if p.kind == kind)
    items = await provider.variables(session, frame)
    start = max(args.start or 0, 0)
    end = start + args.count if args.count and args.count > 0 else None
    return m.VariablesResponseBody(variables=items[start:end])
