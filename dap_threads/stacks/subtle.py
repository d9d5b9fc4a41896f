"""Which frames an editor may show faded ("subtle"): the plumbing below the program's own code.

The rule: find the outermost frame of the program's own code (a frame that
is neither in a system library nor a language runtime function). Every
frame *outside* it (its callers: start_thread, clone3, __libc_start_main,
_start, runtime.goexit, std::rt::lang_start...) that is in a system library
or a runtime is subtle. Frames *inside* it are never subtle, even in libc:
``pthread_cond_wait`` above ``worker_loop`` is what the thread is blocked
in, the very thing one looks for. A stack with no frame of the program's
own (a JVM thread in libjvm, a Go runtime thread) has no subtle frame:
there is nothing else to look at.

System library: a file under /lib, /lib64, /usr/lib, /usr/lib64 or
/usr/libexec, and the kernel's [vdso]. Runtime functions are named below
(a static program carries libc's start-up code in its own module).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from .model import Frame

# libdwfl names the vDSO "[vdso: PID]".
SYSTEM_PREFIXES = ("/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/usr/libexec/", "[vdso", "[vsyscall")

RUNTIME_FUNCTIONS = frozenset(
    {
        "_start",
        "__libc_start_main",
        "__libc_start_main_impl",
        "__libc_start_call_main",
        "start_thread",
        "clone",
        "clone3",
        "__clone",
        "__clone3",
        "__clone_internal",
    }
)
RUNTIME_PREFIXES = (
    "runtime.",  # Go's scheduler and its goroutine start (runtime.goexit, runtime.main, runtime.mstart)
    "std::rt::",  # Rust's lang_start
    "std::sys::",
    "std::sys_common::",
    "std::thread::",
    "std::panicking::",
    "std::panic::",
    "core::ops::function::",
    "__rust_begin_short_backtrace",
    "<alloc::boxed::Box<F,A> as core::ops::function::FnOnce<Args>>::call_once",
)


def is_system(frame: Frame) -> bool:
    if frame.label:
        return False
    name = frame.function or ""
    if name in RUNTIME_FUNCTIONS or name.startswith(RUNTIME_PREFIXES):
        return True
    module = frame.module
    return module is not None and module.name.startswith(SYSTEM_PREFIXES)


def mark_subtle(frames: Sequence[Frame]) -> tuple[Frame, ...]:
    own = [i for i, frame in enumerate(frames) if not frame.label and frame.module is not None and not is_system(frame)]
    if not own:
        return tuple(frames)
    outermost = own[-1]
    return tuple(
        attrs.evolve(frame, subtle=True) if i > outermost and is_system(frame) else frame
        for i, frame in enumerate(frames)
    )
