"""Synthetic load for tests and benchmarks: cloned advisers, companies, appointments and
consultation requests.

`manage.py seed_load` calls `seed_load()`; tests call the same function. Everything is
deterministic for a given seed (one `random.Random` per kind of row, keyed by the seed) and
idempotent-ish: cloned advisers and companies are keyed by their email / NEQ, and appointments
are only generated when the database holds fewer load appointments than asked for.

Load rows are recognisable without an extra column:
- advisers and employers have users `load-adviser-<n>@load.example` / `load-employer-<n>@load.example`;
- companies have a 10-digit NEQ starting with 9 (real NEQs start with 11, 22 or 33);
- load appointments and load consultation requests are those of load companies.

Modules: `common` (keys, report, randomness, bulk writes), `advisers` (the network, cloned
advisers), `companies`, `calendars` (free days, day patterns, how many a day gets — and the
placement rules), `appointments`, `consultation_requests`, `seeding` (seed_load itself).
"""

from .advisers import ensure_network, scale_advisers
from .appointments import load_appointments
from .calendars import AdviserShape, adviser_shapes, blocked_days, day_patterns
from .common import (
    ADVISER_EMAIL,
    EMPLOYER_EMAIL,
    LOAD_ADVISERS,
    LOAD_APPOINTMENTS,
    LOAD_EMAIL_DOMAIN,
    LOAD_REQUESTS,
    NEQ_PREFIX,
    LoadReport,
)
from .companies import ensure_companies
from .consultation_requests import load_requests
from .seeding import load_appointment_count, load_request_count, seed_load

__all__ = [
    "ADVISER_EMAIL",
    "EMPLOYER_EMAIL",
    "LOAD_ADVISERS",
    "LOAD_APPOINTMENTS",
    "LOAD_EMAIL_DOMAIN",
    "LOAD_REQUESTS",
    "NEQ_PREFIX",
    "AdviserShape",
    "LoadReport",
    "adviser_shapes",
    "blocked_days",
    "day_patterns",
    "ensure_companies",
    "ensure_network",
    "load_appointment_count",
    "load_appointments",
    "load_request_count",
    "load_requests",
    "scale_advisers",
    "seed_load",
]
