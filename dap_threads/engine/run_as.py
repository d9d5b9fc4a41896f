"""Running a launched program as another user: what a root adapter does for a non-root client.

The identity is looked up in the parent (NSS must not run in a forked child
of a threaded process) and taken on in the child after the seize and before
exec, so not one instruction of the program runs as root.
"""

from __future__ import annotations

import os
import pwd
from collections.abc import Mapping

import attrs

#: What the program keeps of the adapter's environment; the rest of root's
#: environment (its HOME, credentials in variables, SUDO_*) is not another user's.
_KEPT = frozenset({"PATH", "LANG", "LANGUAGE", "TERM", "TZ", "COLORTERM"})


@attrs.frozen
class RunAs:
    uid: int
    gid: int
    groups: tuple[int, ...]
    name: str | None
    home: str
    shell: str

    @classmethod
    def for_uid(cls, uid: int) -> RunAs:
        try:
            entry = pwd.getpwuid(uid)
        except KeyError:
            # No account: no groups of its own, so the least privileged group
            # there is (the kernel's overflow gid, "nogroup").
            return cls(uid, _overflow_gid(), (), None, "/", "/bin/sh")
        groups = tuple(os.getgrouplist(entry.pw_name, entry.pw_gid))
        return cls(uid, entry.pw_gid, groups, entry.pw_name, entry.pw_dir or "/", entry.pw_shell or "/bin/sh")

    def describe(self) -> str:
        return f"uid {self.uid} ({self.name})" if self.name else f"uid {self.uid}"

    def environment(self, adapter_environment: Mapping[str, str]) -> dict[str, str]:
        """A login-like environment: locale, PATH and terminal from ours, the rest the user's own."""
        kept = {k: v for k, v in adapter_environment.items() if k in _KEPT or k.startswith("LC_")}
        kept.update(HOME=self.home, SHELL=self.shell)
        if self.name is not None:
            kept.update(USER=self.name, LOGNAME=self.name)
        return kept

    def become(self) -> None:  # pragma: no cover - runs in the forked child
        """Drop to this user for good: groups, then gid, then uid (after setuid we could not change the rest)."""
        os.setgroups(list(self.groups))
        os.setresgid(self.gid, self.gid, self.gid)
        os.setresuid(self.uid, self.uid, self.uid)
        if os.getresuid() != (self.uid,) * 3 or os.getresgid() != (self.gid,) * 3:
            raise PermissionError(f"could not drop to {self.describe()}")
        try:
            os.setuid(0)  # must fail now: a way back means privileges were kept (CERT POS37-C)
        except PermissionError:
            return
        raise PermissionError(f"dropping to {self.describe()} left a way back to root")


def _overflow_gid() -> int:
    try:
        with open("/proc/sys/kernel/overflowgid") as file:
            return int(file.read())
    except (OSError, ValueError):
        return 65534
