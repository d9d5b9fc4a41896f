"""The lineage tree's bookkeeping and its terminal drawing, on events written by the test."""

from __future__ import annotations

from dap_threads.engine.events import AllStopped, ThreadExited, ThreadStarted
from dap_threads.observe.lineage import Lineage
from dap_threads.observe.tree import render


def test_engine_events_build_the_tree():
    lineage = Lineage(10)
    lineage.on_events(
        [
            ThreadStarted(10, None, 1.0),
            ThreadStarted(11, None, 1.0),
            AllStopped("pause", 10),
            ThreadStarted(12, 11, 1.5),
            ThreadStarted(13, 12, 1.6),
            ThreadExited(12, 2.0),
        ]
    )
    assert [n.tid for n in lineage.roots.values()] == [10, 11]  # present at attach
    assert [n.tid for n in lineage.ancestry(13)] == [13, 12, 11]
    assert lineage.node(12).exited == 2.0 and lineage.node(13).alive
    assert sorted(lineage.edges()) == [(11, 12), (12, 13)]
    assert [(n.tid, d) for n, d in lineage.walk()] == [(10, 0), (11, 0), (12, 1), (13, 2)]


def test_a_thread_announced_twice_has_one_life():
    lineage = Lineage(10)
    lineage.started(10, None, 1.0)
    first = lineage.started(11, None, 1.1)  # seized by the attach scan...
    assert lineage.started(11, 10, 1.2) is first  # ...and reported by its creator's clone event
    assert len(lineage) == 2


def test_a_reused_tid_is_a_new_thread():
    lineage = Lineage(10)
    lineage.started(10, None, 1.0)
    old = lineage.started(11, 10, 1.1)
    lineage.exited(11, 1.2)
    new = lineage.started(11, 10, 5.0)
    assert new is not old and lineage.node(11) is new
    assert [n.born for n in lineage.node(10).children.values()] == [1.1, 5.0]


def test_memory_is_bounded_and_orphans_become_roots():
    lineage = Lineage(1, max_exited=3)
    lineage.started(1, None, 0.0)
    lineage.started(2, 1, 0.1)
    lineage.started(3, 2, 0.2)  # outlives its creator
    for tid in range(100, 110):
        lineage.started(tid, 1, 1.0)
        lineage.exited(tid, 1.1)
    lineage.exited(2, 2.0)
    lineage.started(4, 1, 2.1)
    lineage.exited(4, 2.2)
    lineage.started(5, 1, 2.3)
    lineage.exited(5, 2.4)
    lineage.started(6, 1, 2.5)
    lineage.exited(6, 2.6)
    assert lineage.forgotten == 11
    assert len(lineage) == 5  # 1, 3 and the last three exited (4, 5, 6)
    assert lineage.node(2) is None
    assert lineage.node(3).parent is None and lineage.node(3).creator == 2
    assert "3 ?  created by 2 (forgotten)  +0.200 s" in render(lineage)


def test_render_draws_the_tree_with_times_and_origins():
    lineage = Lineage(100, attached=False)
    lineage.started(100, None, 10.0, "seed")
    lineage.started(101, 100, 10.25, "worker-1")
    lineage.started(105, 101, 10.5, "worker-1.1")
    lineage.started(102, 100, 10.75, "worker-2")
    lineage.exited(105, 11.0)
    assert render(lineage) == [
        "100 seed  main thread  +0.000 s",
        "├─ 101 worker-1  +0.250 s",
        "│  └─ 105 worker-1.1  +0.500 s → +1.000 s",
        "└─ 102 worker-2  +0.750 s",
    ]
    assert render(lineage, show_exited=False) == [
        "100 seed  main thread  +0.000 s",
        "├─ 101 worker-1  +0.250 s",
        "└─ 102 worker-2  +0.750 s",
    ]


def test_render_folds_wide_and_deep_trees():
    lineage = Lineage(1)
    lineage.started(1, None, 0.0, "main")
    for i in range(2, 1002):
        lineage.started(i, 1, i / 1000, f"w{i}")
    for i in range(2, 502):
        lineage.exited(i, 2.0)
    lines = render(lineage, max_children=3)
    assert lines[:2] == ["1 main  present at attach  +0.000 s", "├─ … 997 earlier (500 exited)"]
    assert len(lines) == 5

    chain = Lineage(1)
    chain.started(1, None, 0.0)
    for i in range(2, 5001):  # deeper than Python's recursion limit
        chain.started(i, i - 1, i / 1000)
    lines = render(chain, max_indent=3)
    assert len(lines) == 5000
    assert lines[-1].startswith("      · 5000 ?")
