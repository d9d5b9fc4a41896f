"""Suite 6, observe (issue 15): what watching threads costs.

1. The sampler on `spin N -1` (N = 1,000 and 10,000 sleeping threads that
   wake several times a second): CPU and wall time of one sample, once warm
   (its first samples read every thread's wait, spread over a few samples by
   the detail budget), sampling once a second as the session will; the cold
   first sample; the same with stat files opened each time instead of kept;
   and an Observer's sample (sampler + timeline + names), told of the threads
   as the engine tells at attach.
2. Lineage and timeline on the hot path of thread creation: the listener's
   CPU time per engine event, (a) fed 200,000 events in batches of 64 as the
   engine publishes them, (b) subscribed to a real tracer through a storm.
3. The HTML timeline of 20,000 threads in headless Chromium (skipped without
   Chromium): reading its data, the first drawing, and zoom/pan frames.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dap_threads.engine import procfs
from dap_threads.engine.events import Event, ThreadExited, ThreadStarted
from dap_threads.observe import html
from dap_threads.observe.lineage import Lineage
from dap_threads.observe.observer import Observer
from dap_threads.observe.sampler import Sampler
from dap_threads.observe.timeline import Timeline

from .common import Scratch, Spinners, log, program, summary


def run(
    spinners: Spinners,
    scratch: Scratch,
    sizes: list[int],
    samples: int,
    warmup: int,
    events: int,
    storm: int,
    html_threads: int,
) -> dict[str, Any]:
    return {
        "sampler": {str(n): sampler_cost(spinners.get(n), samples, warmup) for n in sizes},
        "events": event_cost(events),
        "storm": storm_listener_cost(storm),
        "render": render_cost(scratch, html_threads),
    }


# ----- 1. the sampler ---------------------------------------------------------------


def _timed(action: Callable[[], object]) -> tuple[float, float]:
    """(CPU ms, wall ms) of this process for ``action``."""
    cpu, wall = time.process_time(), time.perf_counter()
    action()
    return (time.process_time() - cpu) * 1e3, (time.perf_counter() - wall) * 1e3


def sampler_cost(pid: int, samples: int, warmup: int) -> dict[str, Any]:
    log(f"  sampler on {pid} ...")
    kept = Sampler(pid)
    opened = Sampler(pid, stat_descriptors=0)
    observer = Observer(pid, attached=True)
    # What the engine announces at attach: every thread, with no creator.
    observer.on_events([ThreadStarted(tid, None, time.time()) for tid in procfs.task_ids(pid)])
    contestants: dict[str, Callable[[], object]] = {
        "kept": kept.sample,
        "opened": opened.sample,
        "observer": observer.sample,
    }
    cold = {name: _timed(sample) for name, sample in contestants.items()}
    for _ in range(warmup):
        time.sleep(1.0)
        for sample in contestants.values():
            sample()
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in contestants}
    for _ in range(samples):
        time.sleep(1.0)
        for name, sample in contestants.items():
            runs[name].append(_timed(sample))
    threads = len(kept.last.threads) if kept.last else 0
    for sampler in (kept, opened, observer):
        sampler.close()
    return {
        "threads": threads,
        "cold_cpu_ms": cold["kept"][0],
        "cold_wall_ms": cold["kept"][1],
        **{f"{name}_cpu_ms": summary(cpu for cpu, _ in values) for name, values in runs.items()},
        **{f"{name}_wall_ms": summary(wall for _, wall in values) for name, values in runs.items()},
    }


# ----- 2. lineage and timeline per event ---------------------------------------------


def _events(total: int) -> list[list[Event]]:
    """Batches of 64 engine events: a pool of 8 threads creating threads that end soon after."""
    now = time.time()
    flat: list[Event] = [ThreadStarted(1, None, now), *(ThreadStarted(i, 1, now) for i in range(2, 10))]
    for i in range(10, total // 2 + 10):
        flat.append(ThreadStarted(i, 2 + i % 8, now + i * 1e-5))
        flat.append(ThreadExited(i, now + i * 1e-5 + 5e-6))
    return [flat[i : i + 64] for i in range(0, len(flat), 64)]


def event_cost(total: int) -> dict[str, Any]:
    log(f"  lineage and timeline, {total} events ...")
    batches = _events(total)
    count = sum(len(batch) for batch in batches)
    out: dict[str, Any] = {"events": count}
    makers: dict[str, Callable[[], Callable[[list[Event]], None]]] = {
        "lineage": lambda: Lineage(1).on_events,
        "timeline (lineage included)": lambda: Timeline(1).on_events,
    }
    for name, make in makers.items():
        rounds = []
        for _ in range(5):
            listener = make()
            start = time.process_time()  # CPU time: steadier than wall time on a shared machine
            for batch in batches:
                listener(batch)
            rounds.append((time.process_time() - start) / count * 1e6)
        out[f"{name}_us_per_event"] = summary(rounds)
    return out


def storm_listener_cost(total: int) -> dict[str, Any]:
    """An Observer subscribed to a real tracer through `storm TOTAL 8`: its time per event."""
    log(f"  observer listener through a storm of {total} ...")
    from dap_threads.engine.launch import launch
    from dap_threads.engine.reaper import reaper_for

    spent = [0.0, 0]

    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        launched = await launch(
            program("storm"), [str(total), "8"], cwd=None, env=None, capture_output=False,
            reaper=reaper_for(loop), loop=loop,
        )  # fmt: skip
        observer = Observer(launched.tracer.pid, attached=False)

        def timed(batch: list[Event]) -> None:
            start = time.process_time()
            observer.on_events(batch)
            spent[0] += time.process_time() - start
            spent[1] += len(batch)

        launched.tracer.subscribe(timed)
        started = time.perf_counter()
        launched.tracer.publish()
        launched.tracer.resume()
        await launched.tracer.wait_exit()
        observer.close()
        return time.perf_counter() - started

    elapsed = asyncio.run(scenario())
    return {
        "threads": total,
        "events": spent[1],
        "listener_us_per_event": spent[0] / max(1, spent[1]) * 1e6,
        "storm_ms": elapsed * 1e3,
    }


# ----- 3. the page in Chromium ----------------------------------------------------------


def synthetic(threads: int) -> dict[str, Any]:
    """A recorded-looking timeline: threads born over 60 s, living 0.1-10 s, a few state changes each."""
    from dap_threads.engine.syscalls import Call
    from dap_threads.observe.facts import ThreadFacts, ThreadState
    from dap_threads.observe.sampler import Snapshot

    timeline = Timeline(1, name="synthetic", attached=False)
    timeline.thread_started(1, None, 0.0)
    call = Call(202, "futex", (0x1000, 128, 0, 0, 0, 0))
    for i in range(2, threads + 1):
        born = 60.0 * i / threads
        timeline.thread_started(i, 1 if i % 7 else max(1, i - 3), born)
        for k, letter in enumerate("RSRDS"):
            state = ThreadState.of(letter)
            facts = ThreadFacts(i, f"w{i}", state, 50.0, 0, 0, 0, None, call if state.blocked else None, 1, 1, "0")
            timeline.record(Snapshot(0, born + 0.02 * (k + 1) * (1 + i % 50), {i: facts}, False, 0))
        timeline.thread_exited(i, born + 0.1 + (i % 100) / 10)
    timeline.paused(20.0)
    timeline.resumed(23.0)
    return timeline.to_data()


def render_cost(scratch: Scratch, threads: int) -> dict[str, Any]:
    chromium = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    if chromium is None:
        log("  no Chromium: the page render is skipped (apt-get install -y chromium)")
        return {"skipped": "no chromium"}
    log(f"  {threads}-thread page in headless Chromium ...")
    page = scratch.file("timeline").with_suffix(".html")
    html.write(synthetic(threads), page)
    rounds = []
    for _ in range(3):
        with tempfile.TemporaryDirectory(prefix="dap-threads-bench-chromium-") as profile:
            done = subprocess.run(
                [
                    chromium, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
                    "--window-size=1600,1000", "--dump-dom", page.resolve().as_uri() + "#selftest",
                ],
                capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
        body = re.search(r"<body([^>]*)>", done.stdout)
        if body is None:
            return {"skipped": f"Chromium gave no page: {done.stderr[-300:]}"}
        fields = dict(re.findall(r'data-([\w-]+)="([^"]*)"', body.group(1)))
        selftest = json.loads(fields["selftest"].replace("&quot;", '"'))
        rounds.append((float(fields["parse-ms"]), float(fields["render-ms"]), float(fields["draw-ms"]), selftest))
    return {
        "threads": threads,
        "page_mib": Path(page).stat().st_size / 2**20,
        "parse_ms": summary(r[0] for r in rounds),
        "show_ms": summary(r[1] for r in rounds),
        "draw_ms": summary(r[2] for r in rounds),
        "frame_median_ms": summary(r[3]["medianMs"] for r in rounds),
        "frame_max_ms": summary(r[3]["maxMs"] for r in rounds),
    }
