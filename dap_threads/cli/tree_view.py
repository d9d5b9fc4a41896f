"""`watch --tree`: the creation tree, drawn live on the terminal as threads come and go.

At a terminal the tree takes the screen as ``top`` does (the alternate
screen, redrawn in place at most ``every`` seconds, only when a thread came,
went, changed name or state), cut to the terminal's height and width; when
watching ends, the screen is given back and the final tree is printed once,
so it stays in the scrollback. Elsewhere (a pipe, a file) only that final
tree is written, after the event lines.

Each line: ``tid name  S 0% futex  [origin]  +born → +exited`` (``observe.tree``;
the state, CPU and wait of the last sample, ``observe.names``).
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from typing import TextIO

from ..engine import procfs
from ..observe.lineage import Lineage, Node
from ..observe.tree import render

_ALTERNATE_ON, _ALTERNATE_OFF = "\x1b[?1049h\x1b[?25l", "\x1b[?25h\x1b[?1049l"
_HOME, _CLEAR_REST, _CLEAR_LINE = "\x1b[H", "\x1b[J", "\x1b[K"


class TreeView:
    def __init__(
        self,
        out: TextIO,
        lineage: Lineage,
        extra: Callable[[Node], str],
        *,
        live: bool,
        title: str,
        every: float = 0.25,
        colour: bool = False,
    ) -> None:
        self.out = out
        self.lineage = lineage
        self.extra = extra
        self.live = live
        self.title = title
        self.every = every
        self.colour = colour
        self._shown: list[str] | None = None
        self._drawn_at = 0.0
        self._pending: asyncio.TimerHandle | None = None
        self._open = False

    def lines(self) -> list[str]:
        # A thread born since the last sample has no name yet: its comm now (it may rename itself later).
        for node in self.lineage.live():
            if node.name is None:
                node.name = procfs.thread_name(self.lineage.pid, node.tid)
        return render(self.lineage, extra=self.extra, color=self.colour)

    def changed(self) -> None:
        """Something happened (thread events, a sample): redraw soon, at most every ``every`` seconds."""
        if not self.live or self._pending is not None:
            return
        wait = max(0.0, self._drawn_at + self.every - time.monotonic())
        self._pending = asyncio.get_running_loop().call_later(wait, self.draw)

    def draw(self) -> None:
        self._pending = None
        if not self.live:
            return
        lines = self.lines()
        if lines == self._shown:
            return
        self._shown = lines
        self._drawn_at = time.monotonic()
        columns, rows = shutil.get_terminal_size()
        alive = sum(1 for _ in self.lineage.live())
        header = f"{self.title}: {alive:,} threads alive ({time.strftime('%H:%M:%S')}; Ctrl-C detaches)"
        body = lines[: max(1, rows - 2)]
        if len(lines) > len(body):
            body[-1] = f"… {len(lines) - len(body) + 1:,} more lines (a taller terminal shows more)"
        text = [header, *body]
        start = "" if self._open else _ALTERNATE_ON
        self._open = True
        self._write(start + _HOME + "".join(_cut(line, columns) + _CLEAR_LINE + "\n" for line in text) + _CLEAR_REST)

    def close(self) -> None:
        """Give the screen back and print the final tree (always, live or not)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        prefix = _ALTERNATE_OFF if self._open else ""
        self._open = False
        self._write(prefix + "".join(line + "\n" for line in [f"{self.title}:", *self.lines()]))

    def _write(self, text: str) -> None:
        try:
            self.out.write(text)
            self.out.flush()
        except OSError:
            self.live = False


def _cut(line: str, columns: int) -> str:
    """The line cut to the terminal's width (a dim exited thread's escape sequences take no columns)."""
    dim = line.endswith("\x1b[0m")
    visible = len(line) - (8 if dim else 0)
    if visible <= columns:
        return line
    return line[: columns - 1 + (4 if dim else 0)] + "…" + ("\x1b[0m" if dim else "")
