"""The lineage built from the engine's events is the tree the program itself records.

testdata/lineage starts a tree of threads, each created by a non-main thread
except the first level, and prints "node TID CREATOR NAME" for each; the
tree built from the tracer's clone events must name the same creator for
every thread, and the same names once they are read from /proc.
"""

from __future__ import annotations

import asyncio
import re

from observe_support import traced
from procs import Programs

from dap_threads.engine.attach import attach
from dap_threads.engine.reaper import reaper_for
from dap_threads.observe.lineage import Lineage
from dap_threads.observe.tree import render


def recorded(text: str) -> dict[int, tuple[int, str]]:
    """tid -> (creator tid, name) as the program printed them (creator 0: main)."""
    return {
        int(tid): (int(creator), name) for tid, creator, name in re.findall(r"^node (\d+) (\d+) (\S+)$", text, re.M)
    }


def test_launched_tree_matches_the_programs_record():
    async def scenario() -> None:
        async with traced("lineage", 3, 3, 400) as program:
            lineage = Lineage(program.pid, attached=False)
            program.tracer.subscribe(lineage.on_events)
            lineage.on_events(program.events)  # what was published before we subscribed
            ready = await program.lines.until(r"^ready (\d+)$")
            lineage.refresh_names()
            record = recorded(program.lines.text)
            assert len(record) == int(ready.group(1)) == 1 + 3 + 9 + 27

            assert {tid: node.creator for tid, node in lineage.nodes.items()} == {
                tid: (creator or None) for tid, (creator, _) in record.items()
            }
            assert {tid: node.name for tid, node in lineage.nodes.items()} == {
                tid: name for tid, (_, name) in record.items()
            }
            main = lineage.node(program.pid)
            assert main is not None and main.present_at_start and list(lineage.roots.values()) == [main]
            for tid, (creator, _) in record.items():
                if creator:
                    assert [node.tid for node in lineage.ancestry(tid)][1] == creator

            lines = render(lineage)
            assert lines[0].startswith(f"{program.pid} n  main thread  +0.000 s")
            assert len(lines) == len(record)

            await program.lines.until("^done$")
            await asyncio.wait_for(program.tracer.wait_exit(), 20)
            assert all(not node.alive for node in lineage.nodes.values())
            for node in lineage.nodes.values():
                assert node.exited is not None and node.exited >= node.born
            assert render(lineage, show_exited=False) == []

    asyncio.run(scenario())


def test_threads_present_at_attach_are_roots_and_new_ones_have_their_creator(programs: Programs):
    # seed creates a thread every 200 ms from main: attach between two creations.
    proc = programs.start("seed", 200, 6, 300, 2000, wait_line="process:")

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        tracer = attach(proc.pid, reaper_for(loop), loop)
        lineage = Lineage(proc.pid, attached=True)
        tracer.subscribe(lineage.on_events)
        tracer.publish()
        present = {node.tid for node in lineage.roots.values()}
        assert proc.pid in present
        async with asyncio.timeout(30):
            while len([n for n in lineage.nodes.values() if n.creator == proc.pid]) < 3:
                await asyncio.sleep(0.05)
        lineage.refresh_names()
        born_later = [n for n in lineage.nodes.values() if n.tid not in present]
        assert born_later and all(n.creator == proc.pid and n.parent is lineage.node(proc.pid) for n in born_later)
        assert all(re.fullmatch(r"worker-\d+", n.name or "") for n in born_later if n.alive)
        assert render(lineage)[0].startswith(f"{proc.pid} seed  present at attach")
        await tracer.detach()

    asyncio.run(scenario())
