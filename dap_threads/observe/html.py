"""The timeline as one self-contained HTML file: the page, its script and style, and the data, inline.

Nothing is fetched from the network (no fonts, no libraries, no CDN): the
file opens the same offline, from an archive, or attached to a bug report.
The drawing code (``assets/timeline.js``) is the same a live view uses; it
takes ``Timeline.to_data()``'s format, embedded as a JSON script element.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from typing import Any


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def script() -> str:
    """The drawing code alone (``DapThreadsTimeline.TimelineView``), for a page that embeds it."""
    return _asset("timeline.js")


def page(data: dict[str, Any], title: str | None = None) -> str:
    """The HTML page showing ``data``."""
    name = data.get("name") or "process"
    title = title or f"{name} ({data.get('pid')}) — dap-threads timeline"
    # Inside <script>, "</" would end the element early: JSON allows "<\/" for it.
    payload = (
        json.dumps(data, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/").replace("<!--", "<\\!--")
    )
    template = _asset("timeline.html")
    for marker, value in (
        ("/*__CSS__*/", _asset("timeline.css")),
        ("/*__JS__*/", script()),
        ("__TITLE__", html.escape(title)),
        ("__DATA__", payload),
    ):
        template = template.replace(marker, value, 1)
    return template


def write(data: dict[str, Any], path: str | Path, title: str | None = None) -> None:
    Path(path).write_text(page(data, title), encoding="utf-8")
