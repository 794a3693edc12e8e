"""What the benchmark scripts share: running the installed ``benchlab`` command.

Scripts run as ``python benchmarks/<name>.py``, so this folder is on ``sys.path`` and they
``from benchlab_cli import benchlab_command, timed``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def benchlab_command() -> list[str]:
    """The installed ``benchlab`` script beside this interpreter, else ``python -m``."""
    script = Path(sys.executable).with_name("benchlab")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "benchlab.cli"]


def timed(arguments: list[str]) -> tuple[float, str]:
    """Run ``benchlab <arguments>``; its wall time and stdout (a failure prints stderr, exits)."""
    start = time.perf_counter()
    done = subprocess.run(
        [*benchlab_command(), *arguments], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"benchlab {' '.join(arguments)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, done.stdout
