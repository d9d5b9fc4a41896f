"""All-stop bookkeeping: which threads are still awaited, and when the stop is announced (no process)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from dap_threads.engine.allstop import AllStop
from dap_threads.engine.events import AllStopped


def with_allstop(body: Callable[[AllStop, list[AllStopped], list[set[int]]], None]) -> None:
    async def run() -> None:
        emitted: list[AllStopped] = []
        looked: list[set[int]] = []
        allstop = AllStop(asyncio.get_running_loop(), emitted.append, looked.append, lambda: None)
        body(allstop, emitted, looked)

    asyncio.run(run())


def test_the_stop_is_announced_once_the_last_awaited_thread_settles() -> None:
    def body(allstop: AllStop, emitted: list[AllStopped], looked: list[set[int]]) -> None:
        waiter = allstop.begin([1, 2], AllStopped("pause", 1))
        allstop.settled(1)
        assert not waiter.done() and emitted == []
        allstop.settled(2)
        assert waiter.done() and emitted == [AllStopped("pause", 1)]
        assert allstop.awaited() == []

    with_allstop(body)


def test_nothing_to_wait_for_announces_at_once() -> None:
    def body(allstop: AllStop, emitted: list[AllStopped], looked: list[set[int]]) -> None:
        assert allstop.begin([], AllStopped("entry", 7)).done()
        assert emitted == [AllStopped("entry", 7)]

    with_allstop(body)


def test_a_thread_born_during_the_stop_is_awaited_too() -> None:
    def body(allstop: AllStop, emitted: list[AllStopped], looked: list[set[int]]) -> None:
        waiter = allstop.begin([1], AllStopped("pause", 1))
        allstop.expect(3)
        allstop.settled(1)
        assert not waiter.done()
        allstop.settled(3)
        assert waiter.done()

    with_allstop(body)


def test_resuming_before_the_stop_completes_drops_the_announcement() -> None:
    def body(allstop: AllStop, emitted: list[AllStopped], looked: list[set[int]]) -> None:
        waiter = allstop.begin([1], AllStopped("pause", 1))
        allstop.drop_announcement()
        allstop.settled(1)
        assert waiter.done() and emitted == []

    with_allstop(body)


def test_the_process_ending_releases_waiters_without_an_announcement() -> None:
    def body(allstop: AllStop, emitted: list[AllStopped], looked: list[set[int]]) -> None:
        waiter = allstop.begin([1, 2], AllStopped("pause", 1))
        allstop.finish()
        assert waiter.done() and emitted == []

    with_allstop(body)


def test_threads_that_never_report_are_looked_for_in_proc_after_a_while() -> None:
    async def run() -> None:
        looked: list[set[int]] = []
        allstop = AllStop(asyncio.get_running_loop(), lambda event: None, looked.append, lambda: None)
        allstop.begin([5], None)
        await asyncio.sleep(0.2)
        assert looked and looked[0] == {5}
        allstop.finish()

    asyncio.run(run())


def test_a_second_catch_during_a_stop_waits_and_a_catch_outranks_a_pause() -> None:
    from dap_threads.engine.events import NewThreadCaught

    first = AllStopped("exception", 5, NewThreadCaught(5, 1, "main"))
    second = AllStopped("exception", 6, NewThreadCaught(6, 2, "worker"))

    def body(allstop: AllStop, emitted: list[AllStopped], looked: list[set[int]]) -> None:
        allstop.begin({1, 2}, AllStopped("pause", 1))
        allstop.announce(first)  # replaces the pause: its event answers the pause too
        allstop.announce(second)  # another catch while the first is being announced: held back
        allstop.settled(1)
        allstop.settled(2)
        assert emitted == [first]
        assert allstop.next_pending(lambda tid: True) == second
        assert allstop.next_pending(lambda tid: True) is None

    with_allstop(body)


def test_a_catch_of_a_thread_that_died_meanwhile_is_dropped() -> None:
    from dap_threads.engine.events import NewThreadCaught

    def body(allstop: AllStop, emitted: list[AllStopped], looked: list[set[int]]) -> None:
        allstop.begin({1}, AllStopped("exception", 1, NewThreadCaught(1, 9, "a")))
        allstop.announce(AllStopped("exception", 2, NewThreadCaught(2, 9, "a")))
        allstop.announce(AllStopped("exception", 3, NewThreadCaught(3, 9, "a")))
        allstop.settled(1)
        assert [s.tid for s in emitted] == [1]
        assert allstop.next_pending(lambda tid: tid != 2).tid == 3  # type: ignore[union-attr]

    with_allstop(body)
