"""Sphinx directives that draw the lifecycle reference from the code itself.

Nothing on the lifecycle, permission or label pages is copied by hand: every diagram
and table below is built at documentation build time from the objects the library runs
on, so the docs cannot drift from the code.

Directives (usable from MyST as ```` ```{slrt-lifecycle-diagram} case ```` and so on):

``slrt-lifecycle-diagram <case|referral>``
    The Mermaid state diagram that python-statemachine draws from the declaration
    (``CASE_TABLE.mermaid()`` / ``REFERRAL_TABLE.mermaid()``), rendered in the browser
    by sphinxcontrib-mermaid.
``slrt-transition-table <case|referral>``
    Every compiled transition: state, event, target, guards.
``slrt-permission-matrix``
    The command x role matrix of :data:`slrt_core.access.PERMISSIONS`.
``slrt-labels [EnumName ...]`` (option ``:exclude: EnumName ...``)
    The staff labels of :data:`slrt_core.labels.LABELS`, one table per vocabulary,
    in Bahasa Indonesia and English. Without arguments, every vocabulary not excluded.
"""

# A Sphinx extension loaded from docs/_ext by path, not an importable package.
# ruff: noqa: INP001

from __future__ import annotations

import enum
import importlib
import inspect
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

__version__ = "0.1.0"

#: The lifecycles the directives know, by name: (module, table attribute).
LIFECYCLES: dict[str, tuple[str, str]] = {
    "case": ("slrt_core.case._lifecycle", "CASE_TABLE"),
    "referral": ("slrt_core.referral._lifecycle", "REFERRAL_TABLE"),
}

_CHECK = "✓"


def _load(module_name: str, attribute: str) -> tuple[Any, str | None]:
    module = importlib.import_module(module_name)
    return getattr(module, attribute), inspect.getsourcefile(module)


def _literal(text: str) -> nodes.literal:
    return nodes.literal(text, text)


def _cell(content: nodes.Node | str) -> nodes.entry:
    entry = nodes.entry()
    if isinstance(content, str):
        entry += nodes.paragraph(text=content)
    else:
        entry += nodes.paragraph("", "", content)
    return entry


def _table(
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[nodes.Node | str]],
    widths: Sequence[int] | None = None,
) -> nodes.table:
    """A docutils table with a caption, a header row and body rows."""
    table = nodes.table(classes=["slrt-generated"])
    table += nodes.title(title, title)
    group = nodes.tgroup(cols=len(header))
    table += group
    for width in widths or [1] * len(header):
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    header_row = nodes.row()
    for text in header:
        header_row += _cell(text)
    head += header_row
    body = nodes.tbody()
    group += body
    for values in rows:
        row = nodes.row()
        for value in values:
            row += _cell(value)
        body += row
    return table


class _GeneratedDirective(SphinxDirective):
    """Base: records the source files a page is generated from, so edits rebuild it."""

    def depend_on(self, path: str | None) -> None:
        """Rebuild the page when the source file at *path* changes."""
        if path:
            self.env.note_dependency(path)

    def lifecycle(self) -> Any:
        """The transition table named by the directive's argument."""
        name = self.arguments[0].strip()
        if name not in LIFECYCLES:
            known = ", ".join(sorted(LIFECYCLES))
            msg = f"unknown lifecycle {name!r}; use one of: {known}"
            raise self.error(msg)
        table, path = _load(*LIFECYCLES[name])
        self.depend_on(path)
        return table


class LifecycleDiagram(_GeneratedDirective):
    """The Mermaid state diagram of a lifecycle, drawn by python-statemachine."""

    required_arguments = 1
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "caption": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        """The diagram node, wrapped in a figure when a caption is given."""
        from sphinxcontrib.mermaid import figure_wrapper, mermaid  # noqa: PLC0415

        table = self.lifecycle()
        node = mermaid()
        node["code"] = table.mermaid()
        node["options"] = {}
        node["alt"] = f"State diagram of the {self.arguments[0]} lifecycle"
        caption = self.options.get("caption")
        if caption:
            return [figure_wrapper(self, node, caption)]
        return [node]


class TransitionTable(_GeneratedDirective):
    """Every transition of a compiled lifecycle table."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        """A summary paragraph and the table of transitions."""
        table = self.lifecycle()
        name = self.arguments[0].strip()
        summary = nodes.paragraph()
        summary += nodes.Text("Initial state: ")
        summary += _literal(table.initial)
        summary += nodes.Text(". Final states: ")
        for i, state in enumerate(sorted(table.final)):
            if i:
                summary += nodes.Text(", ")
            summary += _literal(state)
        summary += nodes.Text(
            f". {len(table.states)} states, {len(table.events)} events, "
            f"{len(table.transitions)} transitions."
        )
        rows = [
            [
                _literal(t.source),
                _literal(t.event),
                _literal(t.target),
                _guards(t.guards),
            ]
            for t in table.transitions
        ]
        return [
            summary,
            _table(
                f"Transitions of the {name} lifecycle ({table.machine.__name__})",
                ["State", "Event", "Target", "Guards"],
                rows,
                widths=[18, 24, 18, 20],
            ),
        ]


def _guards(guards: Sequence[str]) -> nodes.Node | str:
    if not guards:
        return "—"
    inline = nodes.inline()
    for i, guard in enumerate(guards):
        if i:
            inline += nodes.Text(" and ")
        inline += _literal(guard)
    return inline


class PermissionMatrix(_GeneratedDirective):
    """The command x role matrix of :data:`slrt_core.access.PERMISSIONS`."""

    def run(self) -> list[nodes.Node]:
        """The matrix as one table."""
        permissions, path = _load("slrt_core.access", "PERMISSIONS")
        role_enum, _ = _load("slrt_core.access", "Role")
        command_enum, _ = _load("slrt_core.access", "Command")
        self.depend_on(path)
        roles = list(role_enum)
        rows = []
        for command in command_enum:
            allowed = permissions.get(command, frozenset())
            rows.append([_literal(command.value)] + [_CHECK if r in allowed else "" for r in roles])
        header = ["Command"] + [r.value.replace("_", " ") for r in roles]
        return [
            _table(
                "Who may run which command (empty: denied)",
                header,
                rows,
                widths=[24] + [9] * len(roles),
            )
        ]


class LabelTables(_GeneratedDirective):
    """Staff labels in Bahasa Indonesia and English, one table per vocabulary."""

    optional_arguments = 50
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "exclude": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        """One table per chosen vocabulary."""
        labels, path = _load("slrt_core.labels", "LABELS")
        self.depend_on(path)
        by_enum: dict[type[enum.Enum], list[enum.Enum]] = {}
        for member in labels:
            by_enum.setdefault(type(member), []).append(member)
        wanted = list(self.arguments)
        names = {cls.__name__: cls for cls in by_enum}
        unknown = [w for w in wanted if w not in names]
        excluded = set(self.options.get("exclude", "").split())
        unknown += sorted(x for x in excluded if x not in names)
        if unknown:
            known = ", ".join(sorted(names))
            msg = f"no labels for {', '.join(unknown)}; labelled vocabularies: {known}"
            raise self.error(msg)
        chosen = [names[w] for w in wanted] if wanted else list(by_enum)
        chosen = [cls for cls in chosen if cls.__name__ not in excluded]
        result: list[nodes.Node] = []
        for cls in chosen:
            rows = [
                [_literal(str(m.value)), labels[m]["id"], labels[m]["en"]] for m in by_enum[cls]
            ]
            summary = (inspect.getdoc(cls) or "").split("\n", 1)[0].rstrip(".")
            summary = re.sub(r"\s*\([^)]*\.md\)$", "", summary)  # drop a docs-path aside
            result.append(
                _table(
                    f"{cls.__name__}: {summary}" if summary else cls.__name__,
                    ["Code", "Bahasa Indonesia", "English"],
                    rows,
                    widths=[20, 30, 30],
                )
            )
        return result


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives."""
    app.setup_extension("sphinxcontrib.mermaid")
    app.add_directive("slrt-lifecycle-diagram", LifecycleDiagram)
    app.add_directive("slrt-transition-table", TransitionTable)
    app.add_directive("slrt-permission-matrix", PermissionMatrix)
    app.add_directive("slrt-labels", LabelTables)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
