"""`python -m benchmarks`: build, run the suites, print the table, write JSON and the plot."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from . import attach, common, footprint, latency, observe, pane, pause, report, stacks, storm, syscalls
from .common import Scratch, Spinners, log
from .dap import lldb_dap

SUITES = (
    "storm",
    "storms",
    "parallel",
    "latency",
    "attach",
    "pause",
    "footprint",
    "stacks",
    "observe",
    "pane",
    "syscalls",
)

#: The storm sizes beyond the main one (issue 13), with the contestants worth their time there.
_STORM_SIZES = ["untraced", "min_c", "dap_launch", "dap_run", "gdb", "lldb_dap"]
_PARALLEL = ["untraced", "min_c", "dap_launch", "dap_run", "gdb"]

#: What each suite runs: the default (under ~10 minutes on 2 cores) and --quick (under ~2 minutes).
PLANS: dict[str, dict[str, Any]] = {
    "default": {
        "storm": {"total": 4000, "batch": 8, "rounds": 9},
        "storms": {
            "configs": [
                {"total": 4000, "batch": 64, "rounds": 5, "contestants": [*_STORM_SIZES, "strace"]},
                {"total": 20000, "batch": 8, "rounds": 3, "contestants": _STORM_SIZES},
                {"total": 20000, "batch": 64, "rounds": 3, "contestants": _STORM_SIZES},
            ]
        },
        "parallel": {"creators": os.cpu_count() or 2, "total": 8000, "batch": 8, "rounds": 5, "contestants": _PARALLEL},
        "latency": {"plan": [(100, 300), (1000, 3000), (10000, 20000)], "rounds": 3},
        "attach": {"sizes": [10, 1000, 10000], "rounds": 5, "gdb_rounds": {10000: 1}, "lldb_rounds": {10000: 1}},
        "pause": {
            "sizes": [1000, 10000],
            "rounds": {1000: 5, 10000: 3},
            "any_rounds": {1000: 3, 10000: 1},
            "lldb_rounds": {1000: 3, 10000: 1},
        },
        "footprint": {"startup_rounds": 7, "lifetimes": 100_000},
        "stacks": {"sizes": [6, 1000, 10000], "rounds": 5, "tool_rounds": {6: 5, 1000: 3, 10000: 1}},
        "observe": {
            "sizes": [1000, 10000],
            "samples": 5,
            "warmup": 6,
            "events": 200_000,
            "storm": 4000,
            "html_threads": 20_000,
        },
        "pane": {"storm_total": 20_000, "storm_rounds": 3, "sizes": [1000, 10000], "seconds": 10},
        "syscalls": {"workloads": [(500, 4, 40), (500, 4, 0)], "rounds": 5},
    },
    "quick": {
        "storm": {"total": 4000, "batch": 8, "rounds": 3},
        "storms": {"configs": [{"total": 4000, "batch": 64, "rounds": 2, "contestants": _STORM_SIZES}]},
        "parallel": {"creators": os.cpu_count() or 2, "total": 4000, "batch": 8, "rounds": 2, "contestants": _PARALLEL},
        "latency": {"plan": [(100, 100), (1000, 1000), (10000, 5000)], "rounds": 1},
        "attach": {"sizes": [10, 1000], "rounds": 3, "gdb_rounds": {}, "lldb_rounds": {1000: 1}},
        "pause": {"sizes": [1000], "rounds": {1000: 3}, "any_rounds": {1000: 1}, "lldb_rounds": {1000: 1}},
        "footprint": {"startup_rounds": 3, "lifetimes": 20_000},
        "stacks": {"sizes": [6, 1000], "rounds": 3, "tool_rounds": {6: 3, 1000: 1}},
        "observe": {
            "sizes": [1000],
            "samples": 3,
            "warmup": 4,
            "events": 50_000,
            "storm": 2000,
            "html_threads": 20_000,
        },
        "pane": {"storm_total": 8000, "storm_rounds": 1, "sizes": [1000], "seconds": 5},
        "syscalls": {"workloads": [(200, 4, 40), (200, 4, 0)], "rounds": 3},
    },
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a reduced set (under ~2 minutes); writes quick.json")
    parser.add_argument("--only", metavar="SUITES", help=f"comma-separated subset of: {', '.join(SUITES)}")
    parser.add_argument("--rounds", type=int, help="override the number of rounds of every suite")
    parser.add_argument("--out", type=Path, default=common.RESULTS, help="folder for the JSON and the PNG")
    parser.add_argument("--no-plot", action="store_true", help="skip the PNG")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="instead of the suites: profile the adapter (py-spy or cProfile) through a storm, attach or pause",
    )
    parser.add_argument(
        "--profile-threads",
        type=int,
        default=20000,
        help="for --profile: storm size, or threads of the spin process for attach/pause",
    )
    parser.add_argument(
        "--profile-scenario",
        choices=["storm", "attach", "pause"],
        default="storm",
        help="for --profile: what the adapter does while sampled",
    )
    parser.add_argument(
        "--profiler", choices=["py-spy", "cprofile"], help="for --profile: py-spy (default if installed) or cprofile"
    )
    args = parser.parse_args(argv)
    args.suites = SUITES if not args.only else tuple(s.strip() for s in args.only.split(","))
    unknown = set(args.suites) - set(SUITES)
    if unknown:
        parser.error(f"unknown suite(s): {', '.join(sorted(unknown))}; choose from {', '.join(SUITES)}")
    return args


def machine() -> dict[str, Any]:
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "gdb": common.tool_version(["gdb", "--version"]),
        "lldb_dap": common.tool_version([lldb_dap() or "lldb-dap", "--version"]),
        "strace": common.tool_version(["strace", "-V"]),
        "load_before": os.getloadavg()[0],
        "commit": _git(["rev-parse", "--short", "HEAD"]),
        "dirty": bool(_git(["status", "--porcelain", "--", "dap_threads"])),
    }


def _git(args: list[str]) -> str | None:
    import subprocess

    try:
        out = subprocess.run(["git", "-C", str(common.REPO), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if os.geteuid() != 0 and _yama_scope() not in (None, 0):
        log("note: ptrace_scope > 0 and not root: attach benchmarks need CAP_SYS_PTRACE or ptrace_scope 0")
    log("building testdata and benchmarks/build ...")
    common.build()
    if args.profile:
        from . import profiling as profile

        return profile.main(args.profile_threads, args.out, args.profiler, args.profile_scenario)

    plan = PLANS["quick" if args.quick else "default"]
    if args.rounds:
        plan = {suite: _with_rounds(cfg, args.rounds) for suite, cfg in plan.items()}
    results: dict[str, Any] = {"machine": machine(), "quick": args.quick, "plan": _jsonable(plan)}
    scratch, spinners = Scratch(), Spinners()
    failed: list[str] = []
    started = time.monotonic()
    try:
        for suite in args.suites:
            log(f"== {suite} == (load average {os.getloadavg()[0]:.1f})")
            results.setdefault("load_at_start", {})[suite] = round(os.getloadavg()[0], 2)
            t0 = time.monotonic()
            cfg = plan[suite]
            try:
                results[suite] = _run_suite(suite, cfg, scratch, spinners)
            except Exception as exc:  # one broken suite must not cost the others' results
                log(f"  {suite} FAILED: {exc!r}")
                failed.append(f"{suite}: {exc!r}"[:500])
            results.setdefault("seconds", {})[suite] = round(time.monotonic() - t0, 1)
    finally:
        spinners.close()
        scratch.cleanup()
    results["machine"]["total_seconds"] = round(time.monotonic() - started, 1)
    results["failed"] = failed
    results["targets"] = report.targets(results)

    text = report.table(results)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.quick and not failed and args.out == common.RESULTS and set(args.suites) == set(SUITES):
        _update_readme(text)
    stem = "quick" if args.quick else "latest"
    json_path = args.out / f"{stem}.json"
    json_path.write_text(json.dumps(_jsonable(report.for_json(results)), indent=1) + "\n")
    log(f"wrote {json_path}")
    if not args.no_plot:
        png = report.plot(results, args.out / f"{stem}.png")
        log(f"wrote {png}" if png else "no plot: matplotlib is not installed (pip install -e '.[bench]')")
    return 1 if failed else 0


def _run_suite(suite: str, cfg: dict[str, Any], scratch: Scratch, spinners: Spinners) -> dict[str, Any]:
    if suite == "storm":
        return storm.run(scratch, **cfg)
    if suite == "storms":
        return {"configs": [storm.run(scratch, **part) for part in cfg["configs"]]}
    if suite == "parallel":
        return storm.run(scratch, **cfg)
    if suite == "latency":
        return latency.run(scratch, **cfg)
    if suite == "attach":
        return attach.run(spinners, **cfg)
    if suite == "pause":
        return _pause(spinners, cfg)
    if suite == "stacks":
        return stacks.run(**cfg)
    if suite == "observe":
        return observe.run(spinners, scratch, **cfg)
    if suite == "pane":
        return pane.run(scratch, **cfg)
    if suite == "syscalls":
        return syscalls.run(scratch, **cfg)
    return {"startup": footprint.startup(cfg["startup_rounds"]), "memory": footprint.memory(scratch, cfg["lifetimes"])}


def _update_readme(table_text: str) -> None:
    """Put the table of a full run under the marker in benchmarks/README.md."""
    readme = common.BENCH / "README.md"
    marker = "<!-- latest-table -->"
    text = readme.read_text()
    if marker in text:
        readme.write_text(text.split(marker)[0] + marker + "\n\n```text\n" + table_text + "\n```\n")
        log(f"updated the table in {readme}")


def _pause(spinners: Spinners, cfg: dict[str, Any]) -> dict[str, Any]:
    rows = {}
    for n in cfg["sizes"]:
        part = pause.run(
            spinners, sizes=[n], rounds=cfg["rounds"][n], any_rounds=cfg["any_rounds"], lldb_rounds=cfg["lldb_rounds"]
        )
        rows.update(part["rows"])
    return {"rows": rows}


def _with_rounds(cfg: dict[str, Any], rounds: int) -> dict[str, Any]:
    changed = {k: _rounds_like(v, rounds) if k == "rounds" else v for k, v in cfg.items()}
    if "configs" in cfg:
        changed["configs"] = [_with_rounds(part, rounds) for part in cfg["configs"]]
    return changed


def _rounds_like(value: Any, rounds: int) -> Any:
    if isinstance(value, dict):
        return {k: rounds for k in value}
    return rounds


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 4)
    return value


def _yama_scope() -> int | None:
    try:
        return int(Path("/proc/sys/kernel/yama/ptrace_scope").read_text())
    except (OSError, ValueError):
        return None


if __name__ == "__main__":
    sys.exit(main())
