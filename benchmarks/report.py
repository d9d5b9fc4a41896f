"""The table, the targets of issue 6, the JSON, and the plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .common import percentile


def _fmt(s: dict[str, Any] | None, digits: int = 0, unit: str = "") -> str:
    if not s or s.get("median") is None:
        return "-"
    med, lo, hi = s["median"], s["min"], s["max"]
    if len(s.get("runs", [])) <= 1:
        return f"{med:.{digits}f}{unit}"
    return f"{med:.{digits}f}{unit} [{lo:.{digits}f}-{hi:.{digits}f}]"


def _table(title: str, header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        title,
        "  " + "  ".join(h.ljust(w) for h, w in zip(header, widths)),
        "  " + "  ".join("-" * w for w in widths),
    ]
    for row in rows:
        lines.append(
            "  "
            + "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        )
    return "\n".join(lines)


def _storm_table(title: str, s: dict[str, Any]) -> str:
    rows = [
        [
            r["label"],
            _fmt(r["elapsed_ms"]),
            _fmt(r["added_us_per_thread"], 1),
            f"{r['best_added_us_per_thread']:.1f}",
            _fmt(r["ratio"], 2),
            _fmt(r["tracer_cpu_us_per_thread"], 1),
        ]
        for r in s["rows"].values()
    ]
    return _table(
        f"{title}: {s.get('workload') or str(s['total']) + ' threads in batches of ' + str(s['batch'])}, "
        f"{s['rounds']} rounds (skipped: {', '.join(s['skipped']) or 'none'})",
        ["tracer", "storm ms", "added µs/thread", "best-round added", "x untraced", "tracer CPU µs/thread"],
        rows,
    )


def table(results: dict[str, Any]) -> str:
    out = [
        f"dap-threads benchmarks ({'quick' if results.get('quick') else 'full'} run; "
        f"median [min-max] of the rounds; machine: {results['machine']['cpus']} cpus, "
        f"kernel {results['machine']['kernel']}, load before {results['machine']['load_before']:.1f}, "
        f"commit {results['machine'].get('commit')}{' +dirty' if results['machine'].get('dirty') else ''})",
        "",
    ]
    if "storm" in results:
        out.append(_storm_table("1. Storm", results["storm"]))
        out.append("")
    for i, part in enumerate(results.get("storms", {}).get("configs", [])):
        out.append(_storm_table(f"1{'bcdefg'[i]}. Storm", part))
        out.append("")
    if "parallel" in results:
        out.append(_storm_table("1p. Parallel storm", results["parallel"]))
        out.append("")
    if "latency" in results:
        latency = results["latency"]
        rows = [
            [
                f"{r['rate']}/s ({r['threads']} threads)",
                _fmt(r["achieved_rate"]),
                _fmt(r["p50_us"]),
                _fmt(r["p99_us"]),
                _fmt(r["max_us"]),
                _fmt(r["from_call_p99_us"]),
                f"{r['lost']}/{r['events'] + r['lost']}",
            ]
            for r in latency["rows"].values()
        ]
        out.append(
            _table(
                "2. Event latency, pthread_create return -> client reads `thread` started (µs), "
                f"{latency['rounds']} rounds",
                ["offered", "achieved/s", "p50", "p99", "max", "p99 from call", "lost"],
                rows,
            )
        )
        out.append("")
    if "attach" in results:
        a = results["attach"]
        rows = [
            [
                f"{r['threads']} threads",
                _fmt(r["dap_ms"], 1),
                _fmt(r["dap_attach_response_ms"], 1),
                "yes" if r["dap_first_threads_complete"] else "no",
                _fmt(r["gdb_ms"]),
                _fmt(r.get("lldb_ms")),
                _fmt(r["floor_seize_ms"], 1),
                _fmt(r.get("dap_disconnect_ms"), 1),
                _fmt(r.get("floor_detach_ms"), 1),
            ]
            for r in a["rows"].values()
        ]
        out.append(
            _table(
                "3. Attach: `attach` request -> complete `threads` response; `disconnect` -> response (ms)",
                [
                    "process",
                    "dap-threads",
                    "attach resp.",
                    "1st threads complete",
                    "gdb attach+info threads",
                    "lldb-dap",
                    "C seize floor",
                    "disconnect",
                    "C stop+detach floor",
                ],
                rows,
            )
        )
        out.append("")
    if "pause" in results:
        p = results["pause"]
        rows = [
            [
                f"{r['threads']} threads",
                _fmt(r["pause_ms"], 1),
                _fmt(r["floor_pause_ms"], 1),
                _fmt(r["floor_any_pause_ms"], 1),
                _fmt(r["continue_ms"], 1),
                _fmt(r["floor_cont_ms"], 1),
                str(r["left_stopped_after_continue"]),
                _fmt(r.get("lldb_pause_ms")),
                _fmt(r.get("lldb_continue_ms")),
            ]
            for r in p["rows"].values()
        ]
        out.append(
            _table(
                "4. Pause / continue (ms)",
                [
                    "process",
                    "pause->stopped",
                    "C floor waitpid(tid)",
                    "C floor waitpid(-1)",
                    "continue->response",
                    "C floor cont",
                    "still stopped",
                    "lldb-dap pause",
                    "lldb-dap continue",
                ],
                rows,
            )
        )
        out.append("")
    if "footprint" in results:
        f = results["footprint"]
        st, mem = f["startup"], f["memory"]
        out.append(
            _table(
                "5. Footprint",
                ["measure", "value"],
                [
                    ["start-up to `initialize` response, as installed (ms)", _fmt(st.get("installed_initialize_ms"))],
                    ["  python -c pass, same interpreter, as installed (ms)", _fmt(st.get("installed_python_bare_ms"))],
                    ["start-up, in the editable dev venv (ms)", _fmt(st["initialize_ms"])],
                    ["  python -c pass, in the dev venv (ms)", _fmt(st["python_bare_ms"])],
                    ["  lldb-dap to its `initialize` response (ms)", _fmt(st.get("lldb_initialize_ms"))],
                    ["RSS after initialize (MiB)", f"{mem['rss_after_initialize_kib'] / 1024:.1f}"],
                    [
                        f"RSS after {mem['lifetimes'] // 10} / {mem['lifetimes']} lifetimes (MiB)",
                        f"{mem['rss_at_10pct_kib'] / 1024:.1f} / {mem['rss_end_kib'] / 1024:.1f}",
                    ],
                    [f"peak RSS after {mem['lifetimes']} lifetimes (MiB)", f"{mem['peak_rss_kib'] / 1024:.1f}"],
                    ["growth per exited thread (bytes)", f"{mem['growth_bytes_per_exited_thread']:.1f}"],
                ],
            )
        )
        out.append("")
    if "stacks" in results:
        rows = []
        for r in results["stacks"]["rows"].values():
            tools = r["tools_ms"]
            rows.append(
                [
                    f"{r['threads']} threads",
                    _fmt(r["cold_ms"], 1),
                    _fmt(r.get("cold_preloaded_ms"), 1),
                    _fmt(r.get("dap_first_at_once_ms"), 1),
                    _fmt(r.get("dap_first_preloaded_ms"), 1),
                    _fmt(r["warm_ms"], 2),
                    _fmt(r["all_cold_ms"]),
                    _fmt(r["all_warm_ms"]),
                    _fmt(tools.get("dap-threads stacks")),
                    _fmt(tools.get("gdb thread apply all bt")),
                    _fmt(tools.get("eu-stack")),
                    f"{(r['cli_peak_rss_kib'] or 0) / 1024:.0f}",
                ]
            )
        out.append(
            _table(
                "6. Call stacks of pool-O2 (ms; in-process on a stopped process, then whole commands, alternating)",
                [
                    "process",
                    "1 stack cold",
                    "cold, preloaded",
                    "DAP 1st stackTrace, pause at attach",
                    "DAP 1st stackTrace, pause 1 s later",
                    "1 stack warm",
                    "bt all cold",
                    "bt all warm",
                    "dap-threads stacks",
                    "gdb bt all",
                    "eu-stack",
                    "CLI peak RSS MiB",
                ],
                rows,
            )
        )
        out.append("")
    if "observe" in results:
        out.append(_observe_table(results["observe"]))
    if "syscalls" in results:
        out.append(_syscalls_table(results["syscalls"]))
        out.append("")
    if "pane" in results:
        out.append(_pane_table(results["pane"]))
        out.append("")
    if results.get("targets"):
        rows = [
            [t["name"], t["target"], t["measured"], {True: "met", False: "MISSED", None: "n/a"}[t["met"]]]
            for t in results["targets"]
        ]
        out.append(_table("Targets (issue 13)", ["target", "wanted", "measured", ""], rows))
        out.append("")
    for failure in results.get("failed", []):
        out.append(f"FAILED {failure}")
    secs = results.get("seconds", {})
    out.append(
        "suite seconds: "
        + ", ".join(f"{k} {v}" for k, v in secs.items())
        + f"; total {results['machine'].get('total_seconds')}"
    )
    return "\n".join(out)


def _syscalls_table(s: dict[str, Any]) -> str:
    parts = []
    for w in s["workloads"]:
        rows = [
            [r["label"], _fmt(r["own_ms"]), f"{r['x_untraced']:.2f}", _fmt(r["whole_ms"])] for r in w["rows"].values()
        ]
        parts.append(
            _table(
                f"8. Tracing {s['trace']}: netfiles {w['rounds_of_work']} rounds x {w['threads']} threads, "
                f"{w['noise']} other calls a round (traced: {w['traced_share']:.0%} of its calls), "
                f"{s['rounds']} rounds",
                ["tracer", "workers ms", "best x untraced", "whole command ms"],
                rows,
            )
        )
    return "\n\n".join(parts)


def _observe_table(o: dict[str, Any]) -> str:
    rows = []
    for n, r in o["sampler"].items():

        def cost(name: str, r: dict[str, Any] = r) -> str:
            return f"{_fmt(r[name + '_cpu_ms'], 1)} ({_fmt(r[name + '_wall_ms'], 1)})"

        rows += [
            [f"sampler, {int(n):,} threads: one sample, CPU ms (wall)", cost("kept")],
            ["  stat files opened each time instead of kept", cost("opened")],
            ["  Observer (sampler + timeline + names)", cost("observer")],
            ["  first sample, CPU ms (wall)", f"{r['cold_cpu_ms']:.0f} ({r['cold_wall_ms']:.0f})"],
        ]
    e = o["events"]
    rows.append(
        [f"lineage, CPU µs per engine event ({e['events']:,}, batches of 64)", _fmt(e["lineage_us_per_event"], 2)]
    )
    rows.append(
        ["timeline (lineage included), CPU µs per event", _fmt(e["timeline (lineage included)_us_per_event"], 2)]
    )
    s = o["storm"]
    rows.append(
        [f"Observer listener in a storm of {s['threads']:,}, CPU µs per event", f"{s['listener_us_per_event']:.2f}"]
    )
    r = o["render"]
    if "skipped" in r:
        rows.append(["HTML timeline in Chromium", f"skipped: {r['skipped']}"])
    else:
        rows += [
            [f"HTML timeline, {r['threads']:,} threads ({r['page_mib']:.1f} MiB): read data, ms", _fmt(r["parse_ms"])],
            ["  shown (model + first drawing), ms", _fmt(r["show_ms"])],
            ["  first drawing alone, ms", _fmt(r["draw_ms"])],
            ["  zoom/pan frame, median / max ms", f"{_fmt(r['frame_median_ms'], 1)} / {_fmt(r['frame_max_ms'], 1)}"],
        ]
    return _table("7. Observe: live thread facts, lineage, timeline (issue 15)", ["measure", "value"], rows)


def _pane_table(p: dict[str, Any]) -> str:
    s = p["storm"]
    rows = [
        [f"storm of {s['total']:,} (batches of 8), untraced, ms", _fmt(s["untraced_ms"])],
        ["  launched, pane on (sampling, creation stacks), ms", _fmt(s["on_ms"])],
        ["  launched, pane off (sampleThreads/creationStacks false), ms", _fmt(s["off_ms"])],
        ["  on / off", _fmt(s["ratio"], 3)],
        ["  added by the pane, µs per thread", _fmt(s["added_us_per_thread"], 1)],
        ["  adapter CPU µs per thread, on / off",
         f"{_fmt(s['cpu_on_us_per_thread'], 1)} / {_fmt(s['cpu_off_us_per_thread'], 1)}"],
    ]  # fmt: skip
    for n, r in p["refresh"].items():
        refreshed, sampled = r["refreshed"], r["sampled_only"]
        per = r["adapter_cpu_ms_per_refresh"]
        rows += [
            [f"{int(n):,} threads (flip): sampling alone, adapter CPU ms/s", f"{sampled['cpu_ms_per_second']:.1f}"],
            [f"  refreshes in {refreshed['seconds']:.0f} s (client answers invalidated)", str(refreshed["refreshes"])],
            ["  adapter CPU ms per refresh (sampling subtracted)", "-" if per is None else f"{per:.1f}"],
            ["  `threads` response, KiB / answered in ms",
             f"{(refreshed['threads_bytes']['median'] or 0) / 1024:.0f} / {_fmt(refreshed['threads_answer_ms'], 1)}"],
            ["  client json.loads of it, ms", _fmt(refreshed["client_parse_ms"], 1)],
        ]  # fmt: skip
    return _table("9. Pane: the live thread list (issue 15 part 2)", ["measure", "value"], rows)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def add(name: str, target: str, measured: str, met: bool | None) -> None:
        found.append({"name": name, "target": target, "measured": measured, "met": met})

    med = lambda s: s["median"] if s else None  # noqa: E731
    storms = [results["storm"]] if "storm" in results else []
    storms += results.get("storms", {}).get("configs", [])
    for storm in storms:
        _storm_targets(storm, add)
    if "parallel" in results:
        rows = results["parallel"]["rows"]
        where = f"parallel storm ({results['parallel']['workload']})"
        if "dap_launch" in rows and "min_c" in rows:
            ratio = med(rows["dap_launch"]["elapsed_ms"]) / med(rows["min_c"]["elapsed_ms"])
            cpu = med(rows["dap_launch"]["tracer_cpu_us_per_thread"])
            add(
                f"{where}: run time under dap-threads vs under the C floor",
                "<= 1.15x",
                f"{ratio:.2f}x (tracer CPU {cpu:.1f} µs per thread)",
                ratio <= 1.15,
            )
    if "latency" in results:
        rows = results["latency"]["rows"]
        if "1000" in rows:
            p99 = med(rows["1000"]["p99_us"])
            add(
                "latency p99 at 1,000/s",
                "< 1000 µs",
                f"{p99:.0f} µs (worst round {rows['1000']['p99_us']['max']:.0f})",
                p99 < 1000,
            )
        if rows:
            top = rows[max(rows, key=int)]
            add(f"events lost at {top['rate']}/s offered", "0", f"{top['lost']} of {top['events'] + top['lost']}",
                top["lost"] == 0)  # fmt: skip
    if "attach" in results:
        for n, limit in (("1000", 40), ("10000", 400)):
            row = results["attach"]["rows"].get(n)
            if row:
                ms = med(row["dap_ms"])
                add(
                    f"attach to {n} threads -> complete threads",
                    f"< {limit} ms",
                    f"{ms:.0f} ms",
                    ms < limit and row["dap_complete"],
                )
        row = results["attach"]["rows"].get("10000")
        if row and row.get("dap_disconnect_ms"):
            ms = med(row["dap_disconnect_ms"])
            add("disconnect at 10000 threads", "< 150 ms", f"{ms:.0f} ms", ms < 150)
    if "pause" in results:
        row = results["pause"]["rows"].get("10000")
        if row:
            ms = med(row["pause_ms"])
            add("pause -> stopped, 10000 threads", "< 100 ms", f"{ms:.0f} ms", ms < 100)
    if "footprint" in results:
        startup = results["footprint"]["startup"]
        ms = med(startup.get("installed_initialize_ms")) or med(startup["initialize_ms"])
        dev = med(startup["initialize_ms"])
        add("start-up to initialize response (as installed)", "< 100 ms", f"{ms:.0f} ms (dev venv {dev:.0f} ms)",
            ms < 100)  # fmt: skip
        mem = results["footprint"]["memory"]
        per = mem["growth_bytes_per_exited_thread"]
        add(
            f"RSS flat in exited threads ({mem['lifetimes']} lifetimes)",
            "< 16 B/thread growth",
            f"{per:.1f} B/thread, peak {mem['peak_rss_kib'] / 1024:.1f} MiB",
            per < 16,
        )
    if "stacks" in results:
        _stack_targets(results["stacks"]["rows"], add)
    if "pane" in results:
        ratio = med(results["pane"]["storm"]["ratio"])
        add("storm: thread pane on vs off (issue 15)", "<= 1.05x", f"{ratio:.3f}x", ratio <= 1.05)
    return found


def _storm_targets(storm: dict[str, Any], add: Any) -> None:
    med = lambda s: s["median"] if s else None  # noqa: E731
    rows, where = storm["rows"], f"storm {storm['total']}/{storm['batch']}"
    floor = med(rows["min_c"]["added_us_per_thread"]) if "min_c" in rows else None
    dap = med(rows["dap_launch"]["added_us_per_thread"]) if "dap_launch" in rows else None
    if floor is None or dap is None:
        return
    if floor <= 0 or dap <= 0:
        add(f"{where}: dap-threads added cost vs min C tracer", "<= 1.25x",
            f"no verdict: median added cost at or below 0 ({dap:.1f} vs {floor:.1f} µs): too noisy", None)  # fmt: skip
    else:
        best = f"; best rounds {rows['dap_launch']['best_added_us_per_thread']:.1f} vs "
        best += f"{rows['min_c']['best_added_us_per_thread']:.1f}"
        add(f"{where}: dap-threads added cost vs min C tracer", "<= 1.25x",
            f"{dap / floor:.2f}x ({dap:.1f} vs {floor:.1f} µs{best})", dap <= 1.25 * floor)  # fmt: skip
    if "dap_run" in rows and floor > 0:
        run = med(rows["dap_run"]["added_us_per_thread"])
        add(f"{where}: CLI run added cost vs min C tracer", "<= 1.15x",
            f"{run / floor:.2f}x ({run:.1f} vs {floor:.1f} µs)", run <= 1.15 * floor)  # fmt: skip
    for key, times in (("gdb", 2), ("strace", 5)):
        if key in rows and dap > 0:
            other = med(rows[key]["added_us_per_thread"])
            add(f"{where}: {key} added cost vs dap-threads", f">= {times}x",
                f"{other / dap:.2f}x ({other:.1f} vs {dap:.1f} µs)", other >= times * dap)  # fmt: skip
    dap_cpu = med(rows["dap_launch"]["tracer_cpu_us_per_thread"])
    floor_cpu = med(rows["min_c"]["tracer_cpu_us_per_thread"])
    if dap_cpu and floor_cpu:
        add(f"{where}: tracer CPU per thread, dap-threads vs min C (informative)", "-",
            f"{dap_cpu / floor_cpu:.1f}x ({dap_cpu:.1f} vs {floor_cpu:.1f} µs)", None)  # fmt: skip


def _stack_targets(rows: dict[str, Any], add: Any) -> None:
    med = lambda s: s["median"] if s else None  # noqa: E731
    small = rows.get("6")
    if small:
        add("stacks: one stack, cold (program + libc symbols)", "< 50 ms", f"{med(small['cold_ms']):.1f} ms",
            med(small["cold_ms"]) < 50)  # fmt: skip
        first = med(small.get("dap_first_preloaded_ms"))
        if first is not None:
            what = "stacks: first stackTrace through DAP, pause 1 s after attach"
            add(what, "< 50 ms", f"{first:.1f} ms", first < 50)
        add("stacks: one stack, warm", "< 2 ms", f"{med(small['warm_ms']):.2f} ms", med(small["warm_ms"]) < 2)
    for n, limit in (("1000", 200), ("10000", 2000)):
        row = rows.get(n)
        if not row:
            continue
        ms = med(row["all_warm_ms"])
        add(f"stacks: bt all, {row['threads']} threads (warm)", f"< {limit} ms", f"{ms:.0f} ms", ms < limit)
        gdb = med(row["tools_ms"].get("gdb thread apply all bt"))
        ours = med(row["tools_ms"].get("dap-threads stacks"))
        if gdb and ours and n == "1000":
            measured = f"{gdb / ours:.1f}x ({ours:.0f} vs {gdb:.0f} ms)"
            add("stacks: whole command vs gdb, 1000 threads", ">= 5x faster", measured, gdb >= 5 * ours)
        if row.get("cli_peak_rss_kib"):
            mib = row["cli_peak_rss_kib"] / 1024
            add(f"stacks: command peak RSS, {row['threads']} threads", "< 150 MiB", f"{mib:.0f} MiB", mib < 150)


def for_json(results: dict[str, Any]) -> dict[str, Any]:
    """Drop raw samples (keep the JSON small); keep a 50-point latency CDF per rate."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items() if not str(k).startswith("_")}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    cleaned = clean(results)
    if "latency" in results:
        for key, name in (("_samples", "cdf_us"), ("_samples_from_call", "cdf_from_call_us")):
            cleaned["latency"][name] = {
                str(rate): [round(percentile(samples, q), 1) for q in range(2, 101, 2)]
                for rate, samples in results["latency"][key].items()
            }
    return cleaned


def plot(results: dict[str, Any], path: Path) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    panels = [p for p in ("storm", "latency", "attach") if p in results]
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.2))
    axes = [axes] if len(panels) == 1 else list(axes)
    for ax, panel in zip(axes, panels):
        if panel == "storm":
            rows = [r for k, r in results["storm"]["rows"].items() if k != "untraced"]
            labels = [r["label"].replace(" (", "\n(") for r in rows]
            meds = [r["added_us_per_thread"]["median"] for r in rows]
            lo = [m - r["added_us_per_thread"]["min"] for m, r in zip(meds, rows)]
            hi = [r["added_us_per_thread"]["max"] - m for m, r in zip(meds, rows)]
            colors = [
                "#888888" if "min C" in r["label"] else "#1f77b4" if "dap-threads" in r["label"] else "#d62728"
                for r in rows
            ]
            ax.barh(range(len(rows)), meds, xerr=[lo, hi], color=colors, capsize=3)
            ax.set_yticks(range(len(rows)), labels, fontsize=8)
            ax.invert_yaxis()
            ax.set_xlabel("added cost per created thread (µs)")
            ax.set_title(
                f"Storm: {results['storm']['total']} threads, batches of {results['storm']['batch']}", fontsize=10
            )
            for i, (m, h) in enumerate(zip(meds, hi)):
                ax.text(max(m + h, 0), i, f" {m:.0f}", va="center", fontsize=8)
            cpu = [
                (i, r["tracer_cpu_us_per_thread"]["median"])
                for i, r in enumerate(rows)
                if r["tracer_cpu_us_per_thread"]["median"] is not None
            ]
            if cpu:
                ax.plot([c[1] for c in cpu], [c[0] for c in cpu], "kD", ms=5, label="tracer CPU µs/thread")
                ax.legend(fontsize=8, loc="lower right")
        elif panel == "latency":
            # From the call of pthread_create: always positive (the event may be read before
            # pthread_create has returned to its caller), so it draws well on a log axis.
            for rate, samples in sorted(results["latency"]["_samples_from_call"].items()):
                if not samples:
                    continue
                ys = [(i + 1) / len(samples) for i in range(len(samples))]
                ax.plot([max(s, 1) for s in samples], ys, label=f"{rate}/s offered")
            ax.axvline(2000, color="grey", ls="--", lw=0.8)
            ax.text(2000, 0.02, " 2 ms", fontsize=8, color="grey")
            ax.set_xscale("log")
            ax.set_xlabel("pthread_create called -> client reads `thread` event (µs)")
            ax.set_ylabel("fraction of events")
            ax.set_title("Event latency (dap-threads launch)", fontsize=10)
            ax.legend(fontsize=8, loc="lower right")
        elif panel == "attach":
            rows = results["attach"]["rows"]
            ns = [int(n) for n in rows]
            for key, label, color in (
                ("dap_ms", "dap-threads (attach -> threads)", "#1f77b4"),
                ("gdb_ms", "gdb -p (attach, info threads)", "#d62728"),
                ("floor_seize_ms", "C: PTRACE_SEIZE all", "#888888"),
            ):
                pts = [(n, rows[str(n)][key]["median"]) for n in ns if rows[str(n)][key]["median"] is not None]
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=label, color=color)
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("threads in the process")
            ax.set_ylabel("ms")
            ax.set_title("Attach", fontsize=10)
            ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
