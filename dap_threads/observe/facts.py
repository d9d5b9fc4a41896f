"""What the sampler knows about one thread at one moment."""

from __future__ import annotations

import enum

import attrs

from ..engine.syscalls import Call


class ThreadState(enum.Enum):
    """The state letter of /proc/TID/stat (man 5 proc, field 3), with the words a person reads."""

    RUNNING = "R"
    SLEEPING = "S"
    DISK = "D"
    STOPPED = "T"
    TRACED = "t"
    ZOMBIE = "Z"
    DEAD = "X"
    IDLE = "I"
    PARKED = "P"

    @property
    def letter(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def of(cls, letter: str) -> ThreadState:
        # Kernels before 4.14 showed "x" for dead and "K"/"W" for wakekill and waking.
        return _LETTERS.get(letter, cls.SLEEPING)

    @property
    def blocked(self) -> bool:
        return self in (ThreadState.SLEEPING, ThreadState.DISK)


_LABELS = {
    ThreadState.RUNNING: "running",
    ThreadState.SLEEPING: "sleeping",
    ThreadState.DISK: "disk wait",
    ThreadState.STOPPED: "stopped",
    ThreadState.TRACED: "ptrace stop",
    ThreadState.ZOMBIE: "zombie",
    ThreadState.DEAD: "dead",
    ThreadState.IDLE: "idle",
    ThreadState.PARKED: "parked",
}
_LETTERS = {state.value: state for state in ThreadState} | {"x": ThreadState.DEAD, "W": ThreadState.RUNNING}


@attrs.frozen(slots=True)
class ThreadFacts:
    """One thread, as sampled. Times are seconds; ``cpu_percent`` is of one CPU (100 = one core busy)."""

    tid: int
    name: str
    state: ThreadState
    #: share of one CPU over the interval since the previous sample; None on a thread's first sample
    cpu_percent: float | None
    user_time: float
    system_time: float
    #: the CPU it last ran on
    last_cpu: int
    #: the kernel function it sleeps in (/proc/TID/wchan), None when running or unknown
    wchan: str | None
    #: the syscall it is blocked in (/proc/TID/syscall), None when running or outside a syscall
    syscall: Call | None
    voluntary_switches: int | None
    involuntary_switches: int | None
    #: CPUs it may run on, as /proc writes them ("0-3,8")
    affinity: str | None
    #: True when these are the last facts from before the program was paused (a paused thread reads as "t")
    stale: bool = False

    @property
    def cpu_time(self) -> float:
        return self.user_time + self.system_time

    @property
    def wait(self) -> str:
        """What a blocked thread waits in: ``futex(0x7f…, FUTEX_WAIT_PRIVATE)``, else its wchan; "" when it runs."""
        if not self.state.blocked:
            return ""
        if self.syscall is not None:
            return self.syscall.describe()
        return self.wchan or ""

    @property
    def wait_short(self) -> str:
        """The wait in one word: the syscall's name, else the wchan ("futex", "epoll_wait", "pipe_read")."""
        if not self.state.blocked:
            return ""
        if self.syscall is not None:
            return self.syscall.name
        return self.wchan or ""
