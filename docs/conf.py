"""Sphinx configuration for the slrt_core documentation (MyST Markdown, Diátaxis)."""

from __future__ import annotations

import doctest
import enum
import inspect
import re
import sys
from pathlib import Path

from docutils import nodes

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))
# Build from the source tree when the package is not installed (PYTHONPATH=src works too).
sys.path.insert(0, str(HERE.parent / "src"))

import slrt_core  # noqa: E402 - after the path set-up above

project = "slrt_core"
author = "slrt_core maintainers"
copyright = "2026, slrt_core maintainers"
release = slrt_core.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "sphinxcontrib.mermaid",
    "sphinx_click",
    "slrt_diagrams",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
language = "en"

# MyST
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# autodoc and napoleon (Google style)
autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
autodoc_member_order = "bysource"
# The PostgreSQL adapter is documented without installing its driver.
autodoc_mock_imports = ["psycopg", "psycopg_pool"]
autodoc_typehints = "description"
autodoc_typehints_format = "short"
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = True

# doctest: run the ``{doctest}`` blocks of the pages. Plain ``>>>`` blocks that autodoc
# copies from docstrings are run by pytest (``--doctest-modules``), in their module's
# namespace, so they are not run a second time here.
doctest_test_doctest_blocks = ""
# Long messages may wrap in the docs; whitespace differences do not count.
doctest_default_flags = (
    doctest.ELLIPSIS
    | doctest.IGNORE_EXCEPTION_DETAIL
    | doctest.DONT_ACCEPT_TRUE_FOR_1
    | doctest.NORMALIZE_WHITESPACE
)

# Mermaid diagrams are drawn in the reader's browser; nothing is fetched at build time.
mermaid_output_format = "raw"

# No network at build time: intersphinx stays off.
nitpicky = False

html_theme = "furo"
html_title = f"slrt_core {release}"
html_static_path: list[str] = []


# --- API reference: document each public name once --------------------------------
#
# ``slrt_core`` re-exports the main names of its sub-packages, and some sub-packages
# re-export each other's (``slrt_core.testing.RecordingNotifier``). The API page
# documents a name in the first section that exports it (``slrt_core`` comes first:
# users import from there); a later section skips it and links to it instead.

_documented: dict[str, dict[int, str]] = {}  # docname -> id(object) -> documented name
_current_module: dict[str, str] = {}  # docname -> module being documented


def _is_definition(obj: object) -> bool:
    # Classes and functions have one identity; equal constants (18, "*") may share one.
    return inspect.isclass(obj) or inspect.isroutine(obj)


def _reset_registry(app, docname, source):  # noqa: ANN001, ANN202, ARG001
    _documented[docname] = {}
    _current_module.pop(docname, None)


def _note_module(app, what, name, obj, options, lines):  # noqa: ANN001, ANN202, ARG001
    if what != "module":
        return
    docname = app.env.current_document.docname
    _current_module[docname] = name
    seen = _documented.setdefault(docname, {})
    shared = [
        seen[id(getattr(obj, n))]
        for n in getattr(obj, "__all__", ())
        if _is_definition(getattr(obj, n, None)) and id(getattr(obj, n)) in seen
    ]
    if shared:
        links = ", ".join(f":py:obj:`~{target}`" for target in shared)
        lines.extend(["", f"Also exported here, and documented above: {links}.", ""])


def _skip_documented(app, what, name, obj, skip, options):  # noqa: ANN001, ANN202, ARG001
    if what != "module" or skip or not _is_definition(obj):
        return None
    docname = app.env.current_document.docname
    module = _current_module.get(docname)
    if module is None:
        return None
    seen = _documented.setdefault(docname, {})
    if id(obj) in seen and not seen[id(obj)].startswith(module + "."):
        return True
    seen.setdefault(id(obj), f"{module}.{name}")
    return None


def _keep_enum_members(app, what, name, obj, skip, options):  # noqa: ANN001, ANN202, ARG001
    # Enum members carry no docstring; list them anyway, they are the codes.
    if what == "class" and isinstance(obj, enum.Enum):
        return False
    return None


def _protocol_signature(app, what, name, obj, options, signature, return_annotation):  # noqa: ANN001, ANN202, ARG001
    # A Protocol is never instantiated; hide its meaningless ``(*args, **kwargs)``.
    if what == "class" and getattr(obj, "_is_protocol", False):
        return "", None
    return None


def _drop_object_base(app, doctree):  # noqa: ANN001, ANN202, ARG001
    # "Bases: object" says nothing; keep the line only when there is a real base.
    for paragraph in list(doctree.findall(nodes.paragraph)):
        if paragraph.astext() == "Bases: object":
            paragraph.parent.remove(paragraph)


_PROSE_BEFORE_COLON = re.compile(r"^([A-Z][a-z]+ [^:`]*?): (.+)$")


def _protect_prose_colon(app, what, name, obj, options, lines):  # noqa: ANN001, ANN202, ARG001
    # Napoleon reads the first line of an attribute or property docstring as
    # "type: description". A prose line such as "The code without dots: ``"3374..."``"
    # is not a type; turn its colon into a dash before napoleon sees it.
    if what in {"attribute", "property", "data"} and lines:
        match = _PROSE_BEFORE_COLON.match(lines[0])
        if match:
            lines[0] = f"{match.group(1)} — {match.group(2)}"


_TYPE_FIELD = re.compile(r"^(\s*:type:\s)(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(\w)_(?=\W|$)")


def _escape_type_fields(app, what, name, obj, options, lines):  # noqa: ANN001, ANN202, ARG001
    # Napoleon writes attribute annotations as ``:type:`` fields, which are read as reST:
    # ``numpy.object_`` would be a hyperlink reference. Escape such underscores.
    for i, line in enumerate(lines):
        match = _TYPE_FIELD.match(line)
        if match:
            lines[i] = match.group(1) + _TRAILING_UNDERSCORE.sub(r"\1\\_", match.group(2))


def setup(app):  # noqa: ANN001, ANN201
    app.connect("source-read", _reset_registry)
    app.connect("autodoc-process-docstring", _protect_prose_colon, priority=400)
    app.connect("autodoc-process-docstring", _escape_type_fields, priority=600)
    app.connect("autodoc-process-docstring", _note_module)
    app.connect("autodoc-skip-member", _skip_documented)
    app.connect("autodoc-skip-member", _keep_enum_members)
    app.connect("autodoc-process-signature", _protocol_signature)
    app.connect("doctree-read", _drop_object_base)
