"""A real clamd for the tests: Debian's daemon (scripts/ensure_document_tools.sh installs it) with
its own configuration and a signature database built here, since the official one cannot be downloaded.
The database holds one signature, the EICAR test file's (tests/sample_files.eicar), anywhere in a
file: enough to prove that an infected upload is caught.

`clamd_url` (session fixture; the root conftest.py loads this module as a plugin) starts it on a free loopback
port and gives its CLAMD_URL; without clamd the test skips, or fails when REQUIRE_SERVICES=1.
"""

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import free_port, stop, wait_for
from tests.sample_files import eicar

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# The name clamd reports is the signature's plus ".UNOFFICIAL" (not from the official database).
EICAR_SIGNATURE = "Midi.Test.EICAR"
START_SECONDS = 60


def clamd_executable() -> str | None:
    explicit = os.environ.get("CLAMD_PATH")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for candidate in ("/usr/sbin/clamd", shutil.which("clamd")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def write_config(folder: Path, port: int) -> Path:
    """clamd.conf and a one-signature database in `folder`."""
    database = folder / "db"
    database.mkdir()
    # .ndb: Name:TargetType(0 = any file):Offset(* = anywhere):hex bytes.
    (database / "midi-test.ndb").write_text(f"{EICAR_SIGNATURE}:0:*:{eicar().hex()}\n")
    config = folder / "clamd.conf"
    config.write_text(
        "\n".join(
            [
                "Foreground yes",
                f"TCPSocket {port}",
                "TCPAddr 127.0.0.1",
                f"DatabaseDirectory {database}",
                f"LogFile {folder / 'clamd.log'}",
                f"PidFile {folder / 'clamd.pid'}",
                f"TemporaryDirectory {folder}",
                # Above UPLOAD_MAX_BYTES, as production's must be (README, Documents).
                "StreamMaxLength 32M",
                "MaxThreads 4",
                "",
            ]
        )
    )
    return config


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"nPING\n")
            return conn.recv(16).startswith(b"PONG")
    except OSError:
        return False


def _unavailable(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but the scanning tests {reason}", pytrace=False)
    pytest.skip(f"scanning tests {reason}")


@pytest.fixture(scope="session")
def clamd_url() -> Iterator[str]:
    """CLAMD_URL of a clamd started for this test session (each pytest-xdist worker its own)."""
    executable = clamd_executable()
    if executable is None:
        _unavailable("need clamd: run scripts/ensure_document_tools.sh (Debian's clamav-daemon)")
    folder = Path(tempfile.mkdtemp(prefix="midi-clamd-"))
    port = free_port()
    config = write_config(folder, port)
    process = subprocess.Popen(
        [executable, "--config-file", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if not wait_for(lambda: process.poll() is not None or _answers(port), timeout=START_SECONDS):
            _unavailable(f"could not start clamd within {START_SECONDS} s")
        if process.poll() is not None:
            log = (
                (folder / "clamd.log").read_text(errors="replace")[-2000:]
                if (folder / "clamd.log").exists()
                else ""
            )
            _unavailable(f"could not start clamd (exit {process.returncode}): {log}")
        yield f"tcp://127.0.0.1:{port}"
    finally:
        stop(process)
        shutil.rmtree(folder, ignore_errors=True)
