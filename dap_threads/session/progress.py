"""Long work shown in the editor while it happens: DAP progressStart / progressUpdate / progressEnd.

Sent only to a client that declared ``supportsProgressReporting`` in
``initialize`` (DAP spec, "ProgressStartEvent"). The work it reports often
runs on the loop without yielding (attaching seizes thousands of threads in
one go), so each event is written out at once rather than at the end of the
loop iteration, and updates are spaced out in time so that a fast piece of
work costs a handful of events, not one per item.

For any long step of a request (attaching, loading symbols for a stack)::

    with Progress(session, "Loading symbols", total=len(modules)) as progress:
        for module in modules:
            progress.update(done + 1, f"{module.name}")
"""

from __future__ import annotations

import itertools
import time
from types import TracebackType

from ..dap import messages as m
from .session import Session

#: At most one progressUpdate per this many seconds (the first one may come at once).
UPDATE_EVERY_SECONDS = 0.1

_ids = itertools.count(1)


class Progress:
    """One piece of work, as progressStart, throttled progressUpdates and progressEnd (a no-op for other clients)."""

    def __init__(self, session: Session, title: str, *, total: int | None = None, message: str | None = None) -> None:
        self._session = session
        self._shown = bool(session.client and session.client.supportsProgressReporting)
        self.progress_id = f"dap-threads-{next(_ids)}"
        self.title = title
        self.total = total
        self._first_message = message
        self._started = False
        self._ended = False
        self._last_update = 0.0

    @property
    def shown(self) -> bool:
        """Whether the client sees it (it declared supportsProgressReporting)."""
        return self._shown

    def start(self) -> None:
        if self._started or not self._shown:
            return
        self._started = True
        self._last_update = time.monotonic()
        self._send(
            "progressStart",
            m.ProgressStartEventBody(
                progressId=self.progress_id,
                title=self.title,
                cancellable=False,
                message=self._first_message,
                percentage=0.0 if self.total else None,
            ),
        )

    def update(self, done: int, message: str | None = None, *, total: int | None = None) -> None:
        """``done`` items of ``total`` (or of the total given at the start); sent at most every 0.1 s."""
        if not self._shown or self._ended:
            return
        self.start()
        if total is not None:
            self.total = total
        now = time.monotonic()
        if now - self._last_update < UPDATE_EVERY_SECONDS:
            return
        self._last_update = now
        percentage = min(100.0, 100.0 * done / self.total) if self.total else None
        text = message if message is not None else (f"{done} of {self.total}" if self.total else None)
        self._send(
            "progressUpdate",
            m.ProgressUpdateEventBody(progressId=self.progress_id, message=text, percentage=percentage),
        )

    def end(self, message: str | None = None) -> None:
        if not self._started or self._ended:
            return
        self._ended = True
        self._send("progressEnd", m.ProgressEndEventBody(progressId=self.progress_id, message=message))

    def __enter__(self) -> Progress:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.end("failed" if error is not None else None)

    def _send(self, event: str, body: object) -> None:
        self._session.protocol.send_event(event, body)
        self._session.protocol.flush()
