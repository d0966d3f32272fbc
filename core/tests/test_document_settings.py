"""The document settings fail loudly at start-up on a bad value (midi_regions/settings.py)."""

import subprocess
import sys

import pytest

from tests.processes import ROOT, app_env


def start_up(**variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import midi_regions.settings"],
        cwd=ROOT,
        env=app_env(**variables),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variables", "complaint"),
    [
        ({"DOCUMENT_STORAGE": "ftp"}, 'DOCUMENT_STORAGE must be "filesystem" or "s3"'),
        ({"CLAMD_URL": "clamav:3310"}, "CLAMD_URL must be tcp://host:port"),
        ({"DOCUMENT_ALLOW_UNSCANNED": "1", "DEBUG": "0"}, "DOCUMENT_ALLOW_UNSCANNED is for development only"),
        ({"UPLOAD_MAX_BYTES": "10"}, "UPLOAD_MAX_BYTES must be at least 1024"),
        ({"DOCUMENT_FILE_MODE": "755"}, "DOCUMENT_FILE_MODE must let the app read and write"),
        ({"DOCUMENT_FILE_MODE": "rw"}, "DOCUMENT_FILE_MODE is an octal mode"),
        ({"DOCUMENT_ACCEL_REDIRECT_PREFIX": "_documents"}, "DOCUMENT_ACCEL_REDIRECT_PREFIX is a path"),
    ],
)
def test_a_bad_value_stops_the_start(variables, complaint):
    result = start_up(**variables)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_the_defaults_start():
    assert start_up(CLAMD_URL="unix:///run/clamav/clamd.ctl", DOCUMENT_FILE_MODE="644").returncode == 0
