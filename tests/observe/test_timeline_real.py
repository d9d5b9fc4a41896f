"""Recording real programs and exporting what was recorded: Trace Event JSON and the HTML page in Chromium.

threadstates, traced, is sampled while it runs, paused, resumed and sampled
again: the timeline must hold each thread's state and wait, its creator and
the pause; the trace JSON must validate and nest; the page must draw in
headless Chromium (screenshot in tests/observe/artifacts/), and zoom and pan
must move the view. Then a 20,000-thread storm is recorded and its page
rendered: the render time is printed and saved next to the screenshots.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

from browser import dom_after_scripts, screenshot
from observe_support import ARTIFACTS, roles, traced
from trace_event_format import check_semantics, validate

from dap_threads.observe import html, trace_json
from dap_threads.observe.observer import Observer

ROLES = ("spin", "read", "futex", "sleep", "epoll")
EXPECTED = {
    "spin": ("R", ""),
    "read": ("S", "read"),
    "futex": ("S", "futex"),
    "sleep": ("S", "nanosleep"),
    "epoll": ("S", "epoll_wait"),
}


def body_data(dom: str) -> dict[str, str]:
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[:500]
    return {k: json_unescape(v) for k, v in re.findall(r'data-([\w-]+)="([^"]*)"', body.group(1))}


def json_unescape(value: str) -> str:
    return value.replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


async def record_threadstates() -> tuple[Observer, dict[str, tuple[int, str]], int]:
    async with traced("threadstates", *ROLES) as program:
        observer = Observer(program.pid, attached=False)
        program.tracer.subscribe(observer.on_events)
        observer.on_events(program.events)
        await program.lines.until("^ready$")
        found = roles(program.lines.text)
        for _ in range(4):
            await observer.sample_async()
            await asyncio.sleep(0.25)
        await program.pause()
        observer.paused()
        during = await observer.sample_async()
        assert during.paused and all(facts.stale for facts in during.threads.values())
        await asyncio.sleep(0.3)
        program.resume()
        observer.resumed()
        for _ in range(3):
            await asyncio.sleep(0.25)
            await observer.sample_async()
        observer.close()
        return observer, found, program.pid


def test_a_recorded_program_exports_to_trace_json_and_a_page(tmp_path: Path):
    observer, found, pid = asyncio.run(record_threadstates())
    data = observer.data()

    lives = {thread["tid"]: thread for thread in data["threads"]}
    assert set(lives) == {pid} | {tid for tid, _ in found.values()}
    main = lives[pid]
    assert (main["origin"], main["creator"], main["name"]) == ("launch", None, "threadstates")
    for role, (tid, _) in found.items():
        life = lives[tid]
        assert life["creator"] == main["id"] and life["origin"] == "clone" and life["name"] == role
        seen = {tuple(data["labels"][int(label)][:2]) for label in life["states"][1::3]}
        assert EXPECTED[role] in seen, (role, seen)
    (pause,) = data["pauses"]
    assert pause[1] is not None and pause[1] - pause[0] >= 0.3

    trace = trace_json.trace(data)
    validate(trace)
    counts = check_semantics(trace)
    assert counts["tracks"] == len(lives) and counts["flows"] == len(ROLES) and counts["pauses"] == 1
    trace_path = ARTIFACTS / "threadstates.trace.json"
    trace_path.parent.mkdir(parents=True, exist_ok=True)
    trace_path.write_text(json.dumps(trace))

    page = ARTIFACTS / "threadstates.html"
    html.write(data, page)
    screenshot(page, ARTIFACTS / "threadstates.png", size=(1400, 600))
    shown = body_data(dom_after_scripts(page, size=(1400, 600), fragment="selftest"))
    assert shown["threads"] == str(len(lives))
    moved = json.loads(shown["selftest"])
    assert moved["zoomed"][1] - moved["zoomed"][0] < (moved["before"][1] - moved["before"][0]) / 10  # zoomed in
    assert moved["panned"][0] != moved["zoomed"][0]  # panned in time
    assert moved["after"] == moved["before"]  # "Fit" shows everything again


async def record_storm(total: int) -> tuple[Observer, str]:
    async with traced("storm", total, 64) as program:
        observer = Observer(program.pid, attached=False)
        program.tracer.subscribe(observer.on_events)
        observer.on_events(program.events)
        result = asyncio.ensure_future(program.lines.until(r"^storm: threads=\d+ sum=\d+$", timeout=300))
        while not result.done():
            await observer.sample_async()
            await asyncio.sleep(0.2)
        await asyncio.wait_for(program.tracer.wait_exit(), 60)
        observer.close()
        return observer, result.result().group(0)


def test_a_20000_thread_storm_records_and_renders():
    total = 20_000
    observer, line = asyncio.run(record_storm(total))
    assert line == f"storm: threads={total} sum={total * (total - 1) // 2}"
    data = observer.data()
    assert len(data["threads"]) == total + 1
    main = data["threads"][0]
    assert all(t["creator"] == main["id"] and t["exited"] is not None for t in data["threads"][1:])

    page = ARTIFACTS / "storm-20000.html"
    html.write(data, page)
    shown = body_data(dom_after_scripts(page, fragment="selftest"))
    assert shown["threads"] == str(total + 1)
    frames = json.loads(shown["selftest"])
    figures = {
        "threads": total + 1,
        "page bytes": page.stat().st_size,
        "parse ms": float(shown["parse-ms"]),
        "shown ms (model + first drawing)": float(shown["render-ms"]),
        "first drawing ms": float(shown["draw-ms"]),
        "zoom/pan frame ms (median, max)": [round(frames["medianMs"], 1), round(frames["maxMs"], 1)],
    }
    (ARTIFACTS / "storm-20000.render.json").write_text(json.dumps(figures, indent=1))
    print(f"\n20,000-thread timeline in headless Chromium: {figures}")
    screenshot(page, ARTIFACTS / "storm-20000.png")
