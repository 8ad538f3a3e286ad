"""The Flask example (examples/flask_app) loaded from its file and served on 127.0.0.1.

The example is a script folder, not a package: ``app.py`` imports ``staff_pages`` from
beside it, as ``python examples/flask_app/app.py`` does. :func:`load_example` puts the
folder on ``sys.path`` and loads ``app.py`` under a name of its own; :func:`serve` runs
an app in a thread on a free port with werkzeug's server, so tests talk real HTTP.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "examples" / "flask_app"
APP = FOLDER / "app.py"

__all__ = ["APP", "FOLDER", "load_example", "serve"]


@contextmanager
def load_example(name: str = "slrt_flask_example") -> Iterator[ModuleType]:
    """``app.py`` as the module *name*, removed from ``sys.modules`` afterwards."""
    if str(FOLDER) not in sys.path:
        sys.path.insert(0, str(FOLDER))
    spec = importlib.util.spec_from_file_location(name, APP)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve *app* on 127.0.0.1 on a free port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
