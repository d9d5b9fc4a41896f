"""Promise 7 — bad input at the DAP layer: never a crash, every well-framed request answered,
never a traced program left stopped.

Two property-based tests (hypothesis) throw thousands of random and mutated
frames at a real adapter serving TCP: wrong types, huge/negative/zero numbers,
pids of init, of kernel threads, of zombies and of the adapter itself,
strings where objects belong, unknown fields, bodies that are not JSON or
not objects, headers without a length, short lengths, truncated frames, and
clients that vanish mid-session. The adapter runs as an unprivileged uid
(whose only processes are this test's targets), so a random pid can never
touch anything else on the machine; without root, it runs as the current
user and pids are drawn from a safe pool.

Then named cases: attach twice in one session, to a zombie, to a kernel
thread, to a process that exits during the attach, `continue` on an unknown
thread id, `pause` while already paused.

"Well-framed request": a frame with a correct Content-Length whose body is a
JSON object with "type": "request" and an integer "seq". Each must get
exactly one response carrying its seq.

How these fail when the promise breaks:
- a handler exception that escapes or kills the dispatcher: later requests
  go unanswered (the sentinel request times out) or the server exits;
- a handler that raises on bad input: an "internal error" response instead
  of a clear message;
- a framing desync: a later well-framed request is swallowed and never
  answered;
- a session end (vanished client) that forgets to detach or leaves threads
  held: the target's TracerPid or a "t" state remains;
- a schema-invalid message (e.g. echoing a seq out of the int range): the
  test client's schema check fails.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import struct
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from procs import program, tracer_pid, wait_until
from reliability_support import (
    ADAPTER_UID,
    HELD,
    TcpAdapter,
    all_held,
    as_user,
    assert_exactly_once,
    live_tids,
    none_held,
    pause,
    python_for,
    shared_dir,
    states_now,
    user_env,
)

# ----- the world the fuzzer plays in -----------------------------------------------------


def _kernel_thread_pids() -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            data = Path(f"/proc/{name}/stat").read_bytes()
        except OSError:
            continue
        flags = int(data[data.rindex(b")") + 2 :].split()[6])
        if flags & 0x00200000:
            pids.append(int(name))
    return sorted(pids)[:5]


@dataclass
class World:
    server: TcpAdapter
    target: subprocess.Popen
    zombie: subprocess.Popen
    unprivileged: bool
    pids: list[Any] = field(default_factory=list)
    seqs: itertools.count = field(default_factory=lambda: itertools.count(1_000))

    def only_safe_pids(self, arguments: Any) -> Any:
        """As our own user, any pid not from the pool becomes one that is (cattrs turns "1",
        1.0 and True into pid 1)."""
        if isinstance(arguments, dict):
            for key in ("pid", "processId"):
                if key in arguments and not any(
                    type(arguments[key]) is type(p) and arguments[key] == p for p in self.pids
                ):
                    arguments[key] = self.pids[0]
        return arguments

    @property
    def tids(self) -> list[int]:
        return sorted(states_now(self.target.pid)) or [self.target.pid]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    directory = shared_dir()
    uid = ADAPTER_UID
    python = python_for(uid)
    unprivileged = python is not None
    popen_user = {"user": uid, "group": uid} if unprivileged else {}

    def start(*argv: str, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, **popen_user, **kwargs
        )

    target = start(program("spin"), "3", "-1")
    assert target.stdout.readline().startswith("spin: ready")
    zombie = start(program("exitcode"), "0", "0")
    wait_until(lambda: states_now(zombie.pid).get(zombie.pid) == "Z", what="a zombie")
    if unprivileged:
        server = TcpAdapter(directory, prefix=as_user(uid), python=python, env=user_env())
    else:
        server = TcpAdapter(directory)
    pids: list[Any] = [
        -(2**63),
        -(2**31),
        -1,
        0,
        2**31 - 1,
        2**31,
        2**32 + target.pid,
        2**63,
        2**64,
        10**30,
        4_000_000,
        server.proc.pid,
        target.pid,
        max(states_now(target.pid)),
        zombie.pid,
        *_kernel_thread_pids(),
        str(target.pid),
        f" {target.pid} ",
        "-1",
        "0x10",
        "",
        "pid",
        1.5,
        float(target.pid),
        None,
        [target.pid],
        {"pid": target.pid},
    ]
    if unprivileged:
        pids += [1, "1", True]  # init (True and "1" become 1): refused to an unprivileged user
    yield World(server, target, zombie, unprivileged, pids)
    server.stop()
    for proc in (target, zombie):
        try:
            os.kill(proc.pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
        proc.kill()
        proc.wait(10)
    import shutil

    keep = tmp_path_factory.mktemp("fuzz-adapter-logs")
    for log in directory.glob("adapter-*"):
        shutil.copy(log, keep)
    shutil.rmtree(directory, ignore_errors=True)


# ----- strategies -------------------------------------------------------------------------

WEIRD_INTS = (
    st.sampled_from(
        [0, -1, 1, 2, 2**31 - 1, 2**31, -(2**31), 2**32, 2**53 + 1, 2**63, -(2**63), 2**64, 10**30, -(10**30)]
    )
    | st.integers()
)
SCALARS = (
    st.none() | st.booleans() | WEIRD_INTS | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
UNKNOWN_COMMANDS = st.sampled_from(
    [
        "setBreakpoints",
        "stepIn",
        "restart",
        "",
        " threads",
        "THREADS",
        "__init__",
        "request",
        "launch\x00",
        "attach/../x",
    ]
) | st.text(max_size=10)
# Memory references: plausible addresses (code, a stack, the top of memory), and malformed ones.
ADDRESSES = st.sampled_from(["0x0", "0x10", "0x400000", "0x7fff00000000", "0xffffffffffffffff", "-1", "12", "main", ""])
SOURCE_PATHS = st.sampled_from(["/etc/passwd", "", "/proc/self/mem"])
# Not spin or storm: random arguments could ask for tens of thousands of threads.
SAFE_PROGRAMS = [
    program("exitcode"),
    "/nonexistent/program",
    "",
    "/etc/passwd",
    "/tmp",
    "no-such-program-dap-threads",
    "./no/such",
    "/bin/true",
]


def valueish(good):
    """Mostly a plausible value, sometimes anything at all."""
    return st.one_of(good, good, JSON, WEIRD_INTS)


def arguments_for(command: str, world: World):
    tids = st.sampled_from(world.tids) | WEIRD_INTS
    # Any number at all only when the adapter runs as a uid that owns nothing but our targets;
    # as our own user, a random pid could be this very test run (and a pause would stop it).
    pids = st.sampled_from(world.pids) | WEIRD_INTS if world.unprivileged else st.sampled_from(world.pids)
    templates = {
        "initialize": st.fixed_dictionaries(
            {"adapterID": valueish(st.text(max_size=8))},
            optional={"clientID": JSON, "linesStartAt1": valueish(st.booleans())},
        ),
        "attach": st.fixed_dictionaries(
            {},
            optional={
                "pid": pids,
                "processId": st.sampled_from(world.pids),
                "stopOnAttach": valueish(st.booleans()),
                "threadName": valueish(st.sampled_from(["{name} {state}", "{nope}", "{", "{tid!r}"])),
                "threadRefreshLimit": WEIRD_INTS,
            },
        ),
        "launch": st.fixed_dictionaries(
            {"program": st.sampled_from(SAFE_PROGRAMS) | st.text(max_size=10).map(lambda t: "/nonexistent/" + t)},
            optional={
                "args": valueish(st.lists(st.text(max_size=6), max_size=3)),
                "cwd": valueish(st.sampled_from(["/", "/nonexistent", "/etc/passwd"])),
                "env": valueish(
                    st.dictionaries(
                        st.text(min_size=1, max_size=4).filter(lambda k: "=" not in k and "\x00" not in k),
                        st.text(max_size=4).filter(lambda v: "\x00" not in v),
                        max_size=2,
                    )
                ),
                "stopOnEntry": valueish(st.booleans()),
            },
        ),
        "pause": st.fixed_dictionaries({"threadId": tids}),
        "continue": st.fixed_dictionaries({"threadId": tids}, optional={"singleThread": valueish(st.booleans())}),
        "stackTrace": st.fixed_dictionaries(
            {"threadId": tids}, optional={"startFrame": WEIRD_INTS, "levels": WEIRD_INTS}
        ),
        "scopes": st.fixed_dictionaries({"frameId": WEIRD_INTS}),
        "variables": st.fixed_dictionaries(
            {"variablesReference": WEIRD_INTS}, optional={"start": WEIRD_INTS, "count": WEIRD_INTS}
        ),
        "threads": st.just({}),
        "configurationDone": st.just({}),
        "evaluate": st.fixed_dictionaries(
            {"expression": valueish(st.sampled_from(["bt", "bt all", "1 + 1", ""]) | st.text(max_size=8))},
            optional={"frameId": WEIRD_INTS, "context": valueish(st.sampled_from(["repl", "watch", "hover"]))},
        ),
        "readMemory": st.fixed_dictionaries(
            {"memoryReference": valueish(ADDRESSES), "count": WEIRD_INTS}, optional={"offset": WEIRD_INTS}
        ),
        "disassemble": st.fixed_dictionaries(
            {"memoryReference": valueish(ADDRESSES), "instructionCount": WEIRD_INTS},
            optional={"offset": WEIRD_INTS, "instructionOffset": WEIRD_INTS, "resolveSymbols": valueish(st.booleans())},
        ),
        "modules": st.fixed_dictionaries({}, optional={"startModule": WEIRD_INTS, "moduleCount": WEIRD_INTS}),
        "dapThreads.timeline": st.fixed_dictionaries({}, optional={"follow": valueish(st.booleans())}),
        "source": st.fixed_dictionaries(
            {"sourceReference": WEIRD_INTS},
            optional={
                "source": st.fixed_dictionaries({}, optional={"path": valueish(st.sampled_from(["/etc/passwd", ""]))})
            },
        ),
    }
    base = templates.get(command, st.dictionaries(st.text(max_size=6), JSON, max_size=3))

    @st.composite
    def mutated(draw):
        args = dict(draw(base))
        for key in draw(st.lists(st.sampled_from(sorted(args) or ["x"]), max_size=2)):
            if key in args and draw(st.booleans()):
                del args[key]
            else:
                args[key] = draw(JSON)
        args.update(draw(st.dictionaries(st.text(min_size=1, max_size=6), JSON, max_size=2)))  # unknown fields
        return args

    strategy = st.one_of(base, base, mutated(), JSON)  # sometimes not an object at all
    if command == "attach" and not world.unprivileged:
        strategy = strategy.map(world.only_safe_pids)
    return strategy


@dataclass
class Frame:
    data: bytes
    expect: int | None = None  # the seq of a well-framed request
    command: Any = None
    desync: bool = False  # may eat the bytes that follow (only sent last)


def frame_bytes(body: bytes, extra_header: bytes | None = None) -> bytes:
    header = b"Content-Length: %d\r\n" % len(body)
    if extra_header is not None:
        header = header + extra_header if extra_header.startswith(b"Content-Type") else extra_header + header
    return header + b"\r\n" + body


@st.composite
def request_frame(draw, world: World, commands) -> Frame:
    command = draw(commands)
    message: dict[str, Any] = {"type": "request", "command": command}
    arguments = draw(st.none() | arguments_for(command if isinstance(command, str) else "", world))
    if arguments is not None:
        message["arguments"] = arguments
    message.update(draw(st.dictionaries(st.sampled_from(["extra", "__proto__", "body", "success"]), JSON, max_size=1)))
    seq = next(world.seqs)
    message["seq"] = seq
    extra = draw(st.sampled_from([None, None, None, b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"]))
    return Frame(frame_bytes(json.dumps(message).encode(), extra), expect=seq, command=command)


#: A frame shorter than its Content-Length header costs the next request (see
#: test_a_frame_whose_body_is_longer_than_its_length_costs_no_other_request); set True once fixed,
#: so the fuzzer sends such frames anywhere, not only last.
FUZZ_SHORT_LENGTH_MIDSTREAM = False

#: Requests whose seq is not an int32 >= 1 are answered with a schema-invalid request_seq (see
#: test_a_request_with_an_invalid_seq_gets_no_schema_invalid_answer); set True once that is fixed.
FUZZ_BAD_SEQS = False
BAD_SEQS = [None, "1", 1.5, [], {}, True, 0, -1, 2**31, 2**63]


@st.composite
def junk_frame(draw) -> Frame:
    kinds = (
        ["not-json", "not-object", "not-request", "no-length", "zero-length", "bad-length", "bare-crlf", "invalid-utf8"]
        + (["bad-seq"] if FUZZ_BAD_SEQS else [])
        + (["short-length"] if FUZZ_SHORT_LENGTH_MIDSTREAM else [])
    )
    kind = draw(st.sampled_from(kinds))
    if kind == "short-length":
        body = json.dumps({"seq": 5, "type": "request", "command": "threads"}).encode()
        return Frame(b"Content-Length: %d\r\n\r\n" % (len(body) - draw(st.integers(1, len(body) - 1))) + body)
    if kind == "not-json":
        text = draw(st.sampled_from([b"{", b'{"seq": 1,', b"nul", b"NaN", b"{'a': 1}", b"\x00\x01"]))
        return Frame(frame_bytes(text))
    if kind == "not-object":
        value = draw(st.lists(JSON, max_size=3) | SCALARS)
        return Frame(frame_bytes(json.dumps(value).encode()))
    if kind == "not-request":
        message = {
            "seq": draw(WEIRD_INTS),
            "type": draw(st.sampled_from(["event", "response", "", "REQUEST", 5])),
            "event": "x",
            "request_seq": draw(WEIRD_INTS),
            "success": draw(JSON),
        }
        return Frame(frame_bytes(json.dumps(message).encode()))
    if kind == "bad-seq":
        message = {"seq": draw(st.sampled_from(BAD_SEQS)), "type": "request", "command": "threads"}
        return Frame(frame_bytes(json.dumps(message).encode()))
    if kind == "no-length":
        return Frame(
            b"Content-Type: application/json\r\n\r\n"
            + json.dumps({"seq": 1, "type": "request", "command": "threads"}).encode()
        )
    if kind == "zero-length":
        return Frame(b"Content-Length: 0\r\n\r\n")
    if kind == "bad-length":
        value = draw(st.sampled_from([b"-5", b"abc", b"1e3", b" 12", b""]))
        return Frame(b"Content-Length: " + value + b"\r\n\r\n{}")
    if kind == "bare-crlf":
        return Frame(b"\r\n")
    return Frame(frame_bytes(b'{"seq": 1, "type": "request", "command": "\xff\xfe"}'))


@st.composite
def terminal_frame(draw) -> Frame:
    """Frames that may swallow what follows: only ever the last thing a client sends."""
    kind = draw(st.sampled_from(["long-length", "huge-length", "half-header", "short-length"]))
    body = json.dumps({"seq": 5, "type": "request", "command": "threads"}).encode()
    if kind == "huge-length":
        return Frame(b"Content-Length: 99999999999999999999\r\n\r\n" + body, desync=True)
    if kind == "long-length":
        return Frame(b"Content-Length: %d\r\n\r\n" % (len(body) + draw(st.integers(1, 10**6))) + body, desync=True)
    if kind == "half-header":
        return Frame(b"Content-Len", desync=True)
    return Frame(b"Content-Length: %d\r\n\r\n" % (len(body) - draw(st.integers(1, len(body) - 1))) + body, desync=True)


def commands_strategy(include_lifecycle: bool):
    known = [
        "threads",
        "pause",
        "continue",
        "stackTrace",
        "scopes",
        "variables",
        "configurationDone",
        "attach",
        "launch",
        "initialize",
        "evaluate",
        "readMemory",
        "disassemble",
        "modules",
        "source",
        "dapThreads.timeline",
    ]
    return st.sampled_from(known) | UNKNOWN_COMMANDS


def frames_strategy(world: World, max_size: int):
    return st.lists(
        st.one_of(
            request_frame(world, commands_strategy(False)), request_frame(world, commands_strategy(False)), junk_frame()
        ),
        min_size=1,
        max_size=max_size,
    )


# ----- checking one exchange ---------------------------------------------------------------


def exchange(client, frames: list[Frame], world: World, timeout: float = 20) -> None:
    """Send frames, then a sentinel request; every well-framed request must be answered once."""
    mark = len(client.received)
    for frame in frames:
        client.send_raw(b"", header=frame.data)
    sentinel = next(world.seqs)
    client.send({"seq": sentinel, "type": "request", "command": "threads"})
    client.wait_for(
        lambda m: m.get("type") == "response" and m.get("request_seq") == sentinel,
        start=mark,
        timeout=timeout,
        what="the sentinel's response",
    )
    responses = [m for m in client.received[mark:] if m.get("type") == "response"]
    by_seq: dict[Any, list[dict]] = {}
    for response in responses:
        by_seq.setdefault(response["request_seq"], []).append(response)
    for frame in frames:
        if frame.expect is None:
            continue
        answers = by_seq.get(frame.expect, [])
        assert len(answers) == 1, f"{len(answers)} responses to {frame.data[:300]!r}"
        answer = answers[0]
        if isinstance(frame.command, str) and frame.command:
            assert answer["command"] == frame.command, answer
        assert "internal error" not in answer.get("message", ""), f"{frame.data[:300]!r} -> {answer['message']}"
    assert world.server.proc.poll() is None, "the adapter died"


def fuzz_settings(examples: int) -> settings:
    """``examples`` sessions per test run; DAP_THREADS_FUZZ_SCALE=10 (say) for a deeper search before a
    release: the default keeps both tests near 40 s on a 2-core machine."""
    scale = float(os.environ.get("DAP_THREADS_FUZZ_SCALE", "1"))
    return settings(
        max_examples=max(1, round(examples * scale)),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        print_blob=True,
    )


@pytest.mark.timeout(900)  # hundreds of sessions: minutes on a loaded 2-core machine, not a hang
@fuzz_settings(250)
@given(data=st.data())
def test_fuzzed_frames_never_crash_the_adapter_and_every_well_framed_request_is_answered(world, data):
    attach = data.draw(st.booleans(), label="attached")
    frames = data.draw(frames_strategy(world, 30), label="frames")
    client = world.server.connect()
    try:
        client.initialize()
        if attach:
            client.attach(world.target.pid)
        exchange(client, frames, world)
        client.check_schema()
    finally:
        client.close()
        wait_until(lambda: none_held(world.target.pid), timeout=10, what="target released after the session")


@pytest.mark.timeout(900)
@fuzz_settings(80)
@given(data=st.data())
def test_fuzzed_sessions_that_vanish_never_leave_the_program_traced_or_stopped(world, data):
    # Everything is drawn before the connection exists: a draw that aborts the example
    # must not leave a connection open (that would be the test holding the program).
    initialize = data.draw(st.booleans(), label="initialize")
    attach = initialize and data.draw(st.booleans(), label="attach")
    stop_on_attach = attach and data.draw(st.booleans(), label="stopOnAttach")
    frames = data.draw(frames_strategy(world, 12), label="frames")
    pause_last = data.draw(st.booleans(), label="pause before leaving")
    last = data.draw(st.none() | terminal_frame(), label="last frame")
    reset = data.draw(st.booleans(), label="reset instead of FIN")

    client = world.server.connect()
    try:
        if initialize:
            client.initialize()
        if attach:
            client.attach(world.target.pid, stopOnAttach=stop_on_attach)
        exchange(client, frames, world)
        if pause_last:
            client.request_async("pause", {"threadId": world.target.pid})
        if last is not None:
            client.send_raw(b"", header=last.data)
        client.check_schema()
    finally:
        if reset:
            sock = client._reader.raw._sock
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
    wait_until(
        lambda: none_held(world.target.pid),
        timeout=10,
        what=f"target untraced and running again (states {states_now(world.target.pid)})",
    )
    assert world.server.proc.poll() is None
    assert world.target.poll() is None, "the fuzzer's session killed the target"


# ----- named cases -------------------------------------------------------------------------------


def failed(response, *words: str) -> str:
    assert response["success"] is False, response
    for word in words:
        assert word in response["message"], response["message"]
    assert "internal error" not in response["message"]
    return response["message"]


def test_a_request_with_an_invalid_seq_gets_no_schema_invalid_answer(dap):
    for seq in BAD_SEQS:
        dap.send_raw(json.dumps({"seq": seq, "type": "request", "command": "threads"}).encode())
    dap.ok("threads")  # answered, and the client's schema check has seen everything before it
    dap.check_schema()


def test_a_frame_whose_body_is_longer_than_its_length_costs_no_other_request(dap):
    body = json.dumps({"seq": 5, "type": "request", "command": "threads"}).encode()
    dap.send_raw(body, header=b"Content-Length: %d\r\n\r\n" % (len(body) - 10))
    assert dap.request("threads", timeout=2)["success"]


def test_attach_twice_in_one_session_refuses_the_second_and_keeps_the_first(dap, programs):
    first = programs.start("spin", 2, -1, wait_line="spin: ready")
    second = programs.start("spin", 2, -1, wait_line="spin: ready")
    dap.attach(first.pid)
    failed(dap.request("attach", {"pid": second.pid}), "already debugs", str(first.pid))
    failed(dap.request("attach", {"pid": first.pid}), "already debugs")
    assert tracer_pid(second.pid) == 0 and none_held(second.pid)
    assert sorted(live_tids(dap)) == sorted(states_now(first.pid))
    pause(dap, first.pid)
    dap.ok("continue", {"threadId": first.pid})
    wait_until(lambda: HELD not in states_now(first.pid).values(), what="first runs")


def test_attach_to_a_zombie_fails_clearly_and_the_session_goes_on(dap, programs):
    zombie = programs.start("exitcode", 0, 0)
    wait_until(lambda: states_now(zombie.pid).get(zombie.pid) == "Z", what="zombie")
    failed(dap.request("attach", {"pid": zombie.pid}), "zombie", str(zombie.pid))
    seed = programs.start("seed", 0, 0, -1, wait_line="process:")
    dap.attach(seed.pid)
    assert live_tids(dap) == [seed.pid]


def test_attach_to_kernel_threads_fails_clearly(dap):
    for pid in _kernel_thread_pids():
        failed(dap.request("attach", {"pid": pid}), "kernel thread", str(pid))
    assert dap.ok("threads")["body"]["threads"] == []


def test_attach_to_processes_that_exit_during_the_attach_never_hangs_the_adapter(tcp_adapter_for_races, programs):
    """Targets that exit 0-3 ms after starting, and storms attached as they end: the attach
    either fails clearly or succeeds and then reports the exit; never a hang, never a crash."""
    server = tcp_adapter_for_races
    outcomes = {"attached": 0, "refused": 0}
    cases = [("exitcode", 0, delay) for delay in (0, 0, 1, 1, 2, 3)] * 2 + [("storm", 1500, 64)] * 3
    for n, (name, *args) in enumerate(cases):
        client = server.connect()
        client.initialize()
        proc = programs.start(name, *args)
        time.sleep(0.001 * (n % 4) if name == "exitcode" else 0.01 * (n % 3))
        response = client.request("attach", {"pid": proc.pid}, timeout=10)
        if response["success"]:
            outcomes["attached"] += 1
            client.ok("configurationDone")
            client.wait_event("terminated", timeout=20)
            assert_exactly_once(client, ended=True)
        else:
            outcomes["refused"] += 1
            failed(response)  # a clear message; which one is checked by the test below
        assert client.ok("threads", timeout=10)["body"]["threads"] == []
        client.close()
        proc.wait(30)
        assert proc.returncode == 0
        client.check_schema()
    assert server.proc.poll() is None
    assert outcomes["attached"] and outcomes["refused"], outcomes


def test_attach_to_a_process_exiting_during_the_attach_says_it_exited_not_permission_denied(
    tcp_adapter_for_races, programs
):
    """Hammer the moment a process turns zombie: the delay before attach adapts so the
    attach keeps landing right at the exit (too early: it succeeds; too late: the
    zombie check answers). Stops at the first wrong message; ~2% of attempts here hit
    the window between the /proc check and PTRACE_SEIZE."""
    server = tcp_adapter_for_races
    client = server.connect()
    client.initialize()
    delay, outcomes, wrong = 0.0005, {"attached": 0, "exited": 0}, []
    for _ in range(400):
        proc = programs.start("exitcode", 0, 1)
        end = time.perf_counter() + delay
        while time.perf_counter() < end:
            pass
        response = client.request("attach", {"pid": proc.pid}, timeout=10)
        if response["success"]:
            outcomes["attached"] += 1
            delay += 0.0001
            client.ok("configurationDone")
            client.wait_event("terminated", timeout=10)
            client.close()
            client = server.connect()
            client.initialize()
        elif any(w in response["message"] for w in ("zombie", "no such process", "exited")):
            outcomes["exited"] += 1
            delay = max(0.0, delay - 0.0001)
        else:
            wrong.append(response["message"])
        proc.wait(10)
        if wrong:
            break
    client.close()
    assert not wrong, f"attach to a process that was exiting answered: {wrong[0]}"
    assert outcomes["attached"] and outcomes["exited"], outcomes


@pytest.fixture
def tcp_adapter_for_races(tmp_path):
    server = TcpAdapter(tmp_path)
    yield server
    server.stop()


def test_continue_on_an_unknown_thread_id_fails_and_leaves_the_program_as_it_was(dap, programs):
    spin = programs.start("spin", 3, -1, wait_line="spin: ready")
    dap.attach(spin.pid)
    pause(dap, spin.pid)
    for bogus in (0, -1, 1, 2**31 - 1, 4_000_000, spin.pid + 100_000):
        failed(dap.request("continue", {"threadId": bogus}), str(bogus))
        failed(dap.request("continue", {"threadId": bogus, "singleThread": True}), str(bogus))
    assert all_held(spin.pid), "a failed continue resumed threads"
    dap.ok("continue", {"threadId": spin.pid})
    wait_until(lambda: HELD not in states_now(spin.pid).values(), what="running after a valid continue")


def test_pause_while_already_paused_answers_again_and_stays_paused(dap, programs):
    spin = programs.start("spin", 3, -1, wait_line="spin: ready")
    dap.attach(spin.pid)
    pause(dap, spin.pid)
    second = pause(dap, spin.pid, timeout=5)  # README: answers, and sends `stopped` again
    assert second["body"]["allThreadsStopped"] is True
    assert all_held(spin.pid)
    time.sleep(0.2)
    assert all_held(spin.pid)
    dap.ok("continue", {"threadId": spin.pid})
    wait_until(lambda: HELD not in states_now(spin.pid).values(), what="running after continue")
