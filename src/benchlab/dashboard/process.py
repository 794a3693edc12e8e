"""``benchlab dashboard`` in its own process: start it on a free port, wait until it answers,
stop it. For the browser test and the start-up benchmark.

>>> with dashboard_process(Path("runs")) as url:          # doctest: +SKIP
...     urllib.request.urlopen(url).status
200
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchlab.errors import BenchlabError


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def dashboard_command(runs_dir: Path, *, host: str, port: int) -> list[str]:
    """``benchlab dashboard RUNS_DIR --host H --port P`` with this interpreter."""
    cli = [sys.executable, "-m", "benchlab.cli", "dashboard", str(runs_dir)]
    return [*cli, "--host", host, "--port", str(port)]


def wait_until_answering(
    url: str, *, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> float:
    """Poll ``url`` until it answers HTTP 200; return the seconds waited. A process that exits
    first, or no answer within ``timeout`` seconds, raises :class:`BenchlabError`."""
    start = time.perf_counter()
    while True:
        if process is not None and process.poll() is not None:
            raise BenchlabError(f"the dashboard exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.perf_counter() - start > timeout:
            raise BenchlabError(f"the dashboard did not answer at {url} within {timeout:.0f} s")
        time.sleep(0.05)


@contextmanager
def dashboard_process(
    runs_dir: Path, *, host: str = "127.0.0.1", port: int | None = None, timeout: float = 120.0
) -> Iterator[str]:
    """Run ``benchlab dashboard`` over ``runs_dir`` until the block ends; yield its URL once it
    answers. When it does not start, the error ends with its output."""
    port = port or free_port(host)
    url = f"http://{host}:{port}/"
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            dashboard_command(runs_dir, host=host, port=port),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            try:
                wait_until_answering(url, timeout=timeout, process=process)
            except BenchlabError as exc:
                stop(process)
                output.seek(0)
                printed = output.read().decode(errors="replace")[-2000:]
                raise BenchlabError(f"{exc}; its output:\n{printed}") from None
            yield url
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """Ask ``process`` to stop (SIGTERM), then kill it after ``grace`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace)
