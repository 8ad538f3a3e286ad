"""``python -m slrt_core``: the ``slrt`` command, where the script is not on the PATH."""

from slrt_core.cli import main

if __name__ == "__main__":  # pragma: no cover - run as a script, tested in a subprocess
    main(prog_name="slrt")
