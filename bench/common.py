"""What the benches that start their own servers share: a free port, percentiles, Django set up
against the bench's database. Imported as `common` (the benches run as scripts from bench/)."""

import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile `p` (0–100) of `values`; NaN for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django(database_url: str, secret_key: str) -> None:
    """Django with production settings (DEBUG off) on the bench's database."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["SECRET_KEY"] = secret_key
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "midi_regions.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
