"""The timeline recorder: what it keeps, how it stays bounded, and the batches a live view reads."""

from __future__ import annotations

from made_up_facts import facts, snapshot

from dap_threads.engine.events import AllStopped, ThreadExited, ThreadStarted
from dap_threads.observe.timeline import CHUNK, Timeline


def test_changes_are_kept_and_repeats_are_not():
    timeline = Timeline(10, name="prog", attached=False)
    timeline.on_events([ThreadStarted(10, None, 100.0), ThreadStarted(11, 10, 100.5)])
    timeline.record(snapshot(101.0, facts(10, "S"), facts(11, "R", 99.0)))
    timeline.record(snapshot(102.0, facts(10, "S"), facts(11, "R", 95.0, name="worker")))  # nothing new
    timeline.record(snapshot(103.0, facts(10, "S"), facts(11, "R", 40.0, name="worker")))  # CPU moved 55 points
    timeline.paused(103.5)
    timeline.on_events([AllStopped("pause", 10)])  # the same pause, announced by the engine
    timeline.record(snapshot(104.0, facts(10, "t"), facts(11, "t"), paused=True))  # stale: ignored
    timeline.resumed(105.0)
    timeline.record(snapshot(106.0, facts(10, "S"), facts(11, "S", name="worker")))
    timeline.on_events([ThreadExited(11, 107.0)])
    data = timeline.to_data()
    assert data["t0"] == 100.0 and data["end"] == 7.0
    assert data["labels"] == [["S", "futex", "sleeping"], ["R", "", "running"]]
    main, worker = data["threads"]
    assert main == {
        "id": 0, "tid": 10, "name": "w", "creator": None, "born": 0.0, "exited": None, "origin": "launch",
        "states": [1.0, 0, 0.0],
    }  # fmt: skip
    assert (worker["creator"], worker["origin"], worker["name"], worker["exited"]) == (0, "clone", "worker", 7.0)
    assert worker["states"] == [1.0, 1, 99.0, 3.0, 1, 40.0, 6.0, 0, 0.0]
    assert data["pauses"] == [[3.5, 5.0]]


def test_a_thread_sampled_before_its_birth_event_gets_its_creator():
    timeline = Timeline(10)
    timeline.thread_started(10, None, 1.0)
    timeline.record(snapshot(2.0, facts(10, "S"), facts(12, "R")))  # 12's clone event not published yet
    timeline.thread_started(12, 10, 1.9)
    data = timeline.to_data()
    assert data["threads"][1]["creator"] == 0 and data["threads"][1]["origin"] == "clone"
    assert data["threads"][1]["born"] == 0.9


def test_threads_only_samples_know_end_when_samples_lose_them():
    timeline = Timeline(10)
    timeline.record(snapshot(1.0, facts(10, "S"), facts(11, "S")))
    timeline.record(snapshot(2.0, facts(10, "S")))
    assert [t["exited"] for t in timeline.to_data()["threads"]] == [None, 1.0]


def test_memory_is_bounded():
    timeline = Timeline(1, max_threads=100, max_changes=CHUNK)
    timeline.thread_started(1, None, 0.0)
    for i in range(2, 1002):
        timeline.thread_started(i, 1, i)
        timeline.thread_exited(i, i + 0.5)
    data = timeline.to_data()
    assert len(data["threads"]) == 1 + 100 and data["dropped"]["threads"] == 900  # the live one, the last 100 exited
    assert data["threads"][0]["tid"] == 1  # alive: kept
    for i in range(3 * CHUNK):
        state = "R" if i % 2 else "S"
        timeline.record(snapshot(2000.0 + i, facts(1, state)))
    data = timeline.to_data()
    assert data["dropped"]["changes"] == 2 * CHUNK
    assert len(data["threads"][0]["states"]) == 3 * CHUNK * 3 - 2 * CHUNK * 3


def test_batches_carry_what_is_new():
    timeline = Timeline(10)
    timeline.thread_started(10, None, 1.0)
    first = timeline.take_batch()
    assert first["full"] and [t["tid"] for t in first["threads"]] == [10]
    timeline.thread_started(11, 10, 2.0)
    timeline.record(snapshot(3.0, facts(10, "S"), facts(11, "R", name="w11")))
    timeline.thread_exited(11, 4.0)
    timeline.paused(5.0)
    batch = timeline.take_batch()
    assert not batch["full"]
    assert [t["tid"] for t in batch["threads"]] == [11]
    assert batch["labels"] == [["S", "futex", "sleeping"], ["R", "", "running"]]
    assert batch["changes"] == [[0, 2.0, 0, 0.0], [1, 2.0, 1, 0.0]]
    assert batch["names"] == [[0, "w"], [1, "w11"]]
    assert batch["exits"] == [[1, 3.0]] and batch["pauses"] == [[4.0, None]]
    assert timeline.take_batch()["changes"] == []
