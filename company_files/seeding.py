"""The starting set of programs, stages, transitions and required documents (data/programs.json),
loaded by seed_network (midi_regions.seeding.seed_programs) and by the tests' factories."""

import json
from pathlib import Path

PROGRAMS_FILE = Path(__file__).resolve().parent / "data" / "programs.json"


def load_programs() -> list[dict]:
    with PROGRAMS_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)["programs"]
