"""The modules the client has been told of, and the `module` events that bring it up to date.

A DAP module's ``id`` is the ELF build-id (the linker's hash of the file's
contents: the identity debuggers and debuginfod use), or the path for a file
built without one; a second mapping of the same build-id gets ``@address``.
Frames carry a ``moduleId`` only for a module the client was told of in a
`module` event (DAP: "moduleId: The module associated with this frame").
"""

from __future__ import annotations

from collections.abc import Iterable

from ..dap import messages as m
from ..stacks import Module
from ..stacks.subtle import SYSTEM_PREFIXES


class ModuleTable:
    def __init__(self) -> None:
        self._told: dict[str, m.Module] = {}  # id -> what the client was told, in the order told
        self._ids: dict[tuple[str, int], str] = {}  # (name, start) -> id

    def update(self, modules: Iterable[Module]) -> list[m.ModuleEventBody]:
        """The `module` events (new, changed, removed) that turn what was told into ``modules``."""
        current: dict[str, m.Module] = {}
        ids: dict[tuple[str, int], str] = {}
        for module in modules:
            base = module.build_id or module.name
            key = base if base not in current else f"{base}@{module.start:#x}"
            current[key] = as_dap(module, key)
            ids[(module.name, module.start)] = key
        events = [m.ModuleEventBody("removed", told) for key, told in self._told.items() if key not in current]
        for key, described in current.items():
            before = self._told.get(key)
            if before is None:
                events.append(m.ModuleEventBody("new", described))
            elif before != described:
                events.append(m.ModuleEventBody("changed", described))
        self._told = current
        self._ids = ids
        return events

    def id_of(self, module: Module | None) -> str | None:
        """The id the client knows ``module`` by, or None if it was not told of it."""
        if module is None:
            return None
        return self._ids.get((module.name, module.start))

    def told(self) -> list[m.Module]:
        return list(self._told.values())

    def clear(self) -> list[m.ModuleEventBody]:
        """Forget every module; the `removed` events that say so."""
        return self.update(())


def as_dap(module: Module, key: str) -> m.Module:
    return m.Module(
        id=key,
        name=module.short_name,
        path=module.path,
        isUserCode=not module.name.startswith(SYSTEM_PREFIXES),
        symbolStatus=module.symbols,
        symbolFilePath=module.debug_file,
        addressRange=f"{module.start:#x}-{module.end:#x}",
    )
