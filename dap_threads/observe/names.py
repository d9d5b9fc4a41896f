"""A thread's name as a list shows it: a format with fields, e.g. ``worker-3 (12345) · S 0% futex``.

Editors show ``Thread.name`` as free text, and VS Code's Call Stack pane
filters threads by what is typed, so state in the name gives filtering by
state too. The format (the ``threadName`` launch/attach argument) holds these
fields, in ``str.format`` braces:

- ``{name}``: the thread's name (its comm), ``{tid}``: its id;
- ``{state}``: the state letter (R running, S sleeping, D disk wait, T stopped, Z zombie);
- ``{cpu}``: its CPU% over the last sample interval, whole points under 10 and
  tens above (``0%``, ``7%``, ``40%``, ``100%``): a spinner at 97 then 98% does
  not change what is shown, so the list is not refreshed for it;
- ``{wait}``: what a blocked thread waits in, in one word (the syscall, else the
  kernel's wchan): ``futex``, ``read``, ``epoll_wait``;
- ``{creator}``: the thread that created it, ``name (tid)``; empty for a thread
  that was there at attach (or a launched program's main thread).

A field that is unknown (a thread not sampled yet, a running thread's wait)
is empty; the spaces it leaves are merged, and a separator left dangling at
the end (``·``) is dropped, so ``worker-3 (12345)`` is what a new thread shows.
"""

from __future__ import annotations

import string

from .facts import ThreadFacts

FIELDS = ("name", "tid", "state", "cpu", "wait", "creator")
DEFAULT = "{name} ({tid}) · {state} {cpu} {wait}"


class NameFormatError(ValueError):
    """The format cannot be used; the message says why and lists the fields."""


class NameFormat:
    def __init__(self, template: str | None = None) -> None:
        self.template = DEFAULT if template is None else template
        self.fields = _fields(self.template)

    def render(self, name: str, tid: int, facts: ThreadFacts | None, creator: str = "", ids: str | None = None) -> str:
        values = {"name": name, "tid": ids or str(tid), "creator": creator, "state": "", "cpu": "", "wait": ""}
        if facts is not None:
            values["state"] = facts.state.letter
            values["cpu"] = cpu_text(facts.cpu_percent)
            values["wait"] = facts.wait_short
        return tidy(self.template.format_map(values))

    def __repr__(self) -> str:
        return f"NameFormat({self.template!r})"


def cpu_text(percent: float | None) -> str:
    """CPU% as the list shows it: whole points under 10, tens above; empty when unknown."""
    if percent is None:
        return ""
    if percent < 9.5:
        return f"{round(percent)}%"
    return f"{round(percent / 10) * 10}%"


def tidy(text: str) -> str:
    """Spaces merged, and trailing words without a letter or digit (a dangling ``·``) dropped."""
    words = text.split()
    while words and not any(ch.isalnum() for ch in words[-1]):
        words.pop()
    return " ".join(words)


def _fields(template: str) -> frozenset[str]:
    known = ", ".join("{" + field + "}" for field in FIELDS)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise NameFormatError(
            f"threadName {template!r} is not a valid format ({exc}); write fields in braces, e.g. {DEFAULT!r}"
        ) from None
    used = set()
    for _text, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in FIELDS:
            what = "a field without a name" if field == "" else f"unknown field {{{field}}}"
            raise NameFormatError(f"threadName {template!r} has {what}; the fields are {known}")
        if spec or conversion:
            raise NameFormatError(
                f"threadName {template!r}: write {{{field}}} without a conversion or format spec; "
                f"the fields are {known}"
            )
        used.add(field)
    if "name" not in used and "tid" not in used:
        raise NameFormatError(
            f"threadName {template!r} shows neither {{name}} nor {{tid}}: threads could not be told apart; "
            f"e.g. {DEFAULT!r}"
        )
    return frozenset(used)
