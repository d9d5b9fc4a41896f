"""The creation tree on a terminal: one line per thread, drawn with box characters.

    4242 seed  present at attach  +0.000 s
    ├─ 4243 worker-1  +0.301 s → +0.502 s
    │  └─ 4250 worker-1.1  +0.402 s
    └─ 4244 worker-2  +0.602 s

Times are seconds since the first thread the lineage saw (``born → exited``).
A thread with many children shows the most recent ``max_children`` and one
line for the others; deep chains stop indenting at ``max_indent`` levels.
Exited threads with no live descendant can be hidden (``show_exited=False``).
"""

from __future__ import annotations

from .lineage import Lineage, Node


def render(
    lineage: Lineage, *, show_exited: bool = True, max_children: int = 50, max_indent: int = 24, color: bool = False
) -> list[str]:
    """The tree as lines (no trailing newlines)."""
    start = lineage.start or 0.0
    keep = None if show_exited else _with_live_descendants(lineage)
    lines: list[str] = []
    roots = _visible(list(lineage.roots.values()), keep)
    # (node, prefix for its line, prefix for its children's lines, depth); a str entry is a summary line
    stack: list[tuple[Node, str, str, int] | str] = []
    stack.extend(reversed(_entries(roots, "", 0, max_children, root=True)))
    while stack:
        entry = stack.pop()
        if isinstance(entry, str):
            lines.append(entry)
            continue
        node, lead, child_lead, depth = entry
        lines.append(lead + describe(node, start, lineage, color))
        children = _visible(list(node.kids()), keep)
        stack.extend(reversed(_entries(children, child_lead, depth + 1, max_children, indent=depth + 1 < max_indent)))
    return lines


def _entries(
    nodes: list[Node], lead: str, depth: int, max_children: int, root: bool = False, indent: bool = True
) -> list[tuple[Node, str, str, int] | str]:
    entries: list[tuple[Node, str, str, int] | str] = []
    hidden = nodes[:-max_children] if len(nodes) > max_children else []
    shown = nodes[len(hidden) :]
    if hidden:
        exited = sum(1 for node in hidden if not node.alive)
        more = f"… {len(hidden):,} earlier" + (f" ({exited:,} exited)" if exited else "")
        entries.append(lead + ("" if root else "├─ ") + more)
    for i, node in enumerate(shown):
        last = i == len(shown) - 1
        if root:
            entries.append((node, "", "", depth))
        elif not indent:
            entries.append((node, lead + "· ", lead, depth))
        else:
            entries.append((node, lead + ("└─ " if last else "├─ "), lead + ("   " if last else "│  "), depth))
    return entries


def describe(node: Node, start: float, lineage: Lineage, color: bool = False) -> str:
    """One thread: ``tid name  [origin]  +born → +exited``."""
    parts = [f"{node.tid} {node.name or '?'}"]
    if node.sampled:
        parts.append("seen by sampling")
    elif node.creator is None:
        parts.append("present at attach" if lineage.attached else "main thread")
    elif node.parent is None:
        parts.append(f"created by {node.creator} (forgotten)")
    times = f"+{node.born - start:.3f} s"
    if node.exited is not None:
        times += f" → +{node.exited - start:.3f} s"
    parts.append(times)
    text = "  ".join(parts)
    if color and node.exited is not None:
        return f"\x1b[2m{text}\x1b[0m"  # dim: gone
    return text


def _visible(nodes: list[Node], keep: set[int] | None) -> list[Node]:
    return nodes if keep is None else [node for node in nodes if node.serial in keep]


def _with_live_descendants(lineage: Lineage) -> set[int]:
    """Serials of live nodes and of every ancestor of one."""
    keep: set[int] = set()
    for node in lineage.live():
        current: Node | None = node
        while current is not None and current.serial not in keep:
            keep.add(current.serial)
            current = current.parent
    return keep
