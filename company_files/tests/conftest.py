"""Fixtures of the company-file tests: the seeded programs on the small network's topic."""

import pytest

from tests import factories


@pytest.fixture
def programs(network):
    return factories.file_programs(network.topic)


@pytest.fixture
def tfw(programs):
    """Temporary foreign workers (joint LMIA-CAQ): opened → documents → analysis → decision → closed."""
    return programs["travailleurs-etrangers-temporaires"]


def stage(program, code):
    return program.stages.get(code=code)
