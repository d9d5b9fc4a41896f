"""source: the text of a source file a frame or an instruction named.

Frames carry ``source.path`` only for files that exist on this machine, and
no ``sourceReference`` (editors open such paths themselves), so this request
serves the same files to a client that asks anyway. Only files this session
named are served: the adapter may run as another user (``--listen``), and
must not become a way to read any file it can.
"""

from __future__ import annotations

from ..dap import messages as m
from ..dap.requests import RequestError, request
from .session import Session

#: Larger files are not source code a debugger shows.
MAX_SOURCE_BYTES = 32 * 1024 * 1024


@request("source", m.SourceArguments)
async def source(session: Session, args: m.SourceArguments) -> m.SourceResponseBody:
    reference = args.source.sourceReference if args.source and args.source.sourceReference else args.sourceReference
    path = args.source.path if args.source else None
    if not path:
        raise RequestError(
            f"no source with reference {reference}: dap-threads names sources by 'path' (and gives no "
            f"sourceReference); ask for a path a stack frame named"
        )
    if path not in session.stacks.shown_sources:
        raise RequestError(f"{path} was not named by any stack frame of this session: dap-threads serves only those")
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        raise RequestError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_SOURCE_BYTES:
        raise RequestError(f"{path} is larger than {MAX_SOURCE_BYTES // 2**20} MiB: open it in the editor instead")
    return m.SourceResponseBody(content=data.decode("utf-8", "replace"), mimeType=_mime_type(path))


_MIME_TYPES = {".c": "text/x-c", ".h": "text/x-c", ".cpp": "text/x-c++", ".cc": "text/x-c++", ".hpp": "text/x-c++"}


def _mime_type(path: str) -> str | None:
    for suffix, kind in _MIME_TYPES.items():
        if path.endswith(suffix):
            return kind
    return None
