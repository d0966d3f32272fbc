"""Texts in the tests: the memory provider (sms.providers.local.MemoryProvider), emptied per test."""

import pytest

from sms import providers
from sms.providers.local import MemoryProvider


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_PROVIDER = "memory"
    settings.SMS_LINK_BASE_URL = "https://rdv.mifi.gouv.qc.ca"
    providers.reset()
    MemoryProvider.outbox = []
    MemoryProvider.fail_with = []
    yield MemoryProvider.outbox
    providers.reset()


@pytest.fixture
def opted_in(employer_a):
    """Employer A with a mobile number, opted in to every text."""
    from sms import services

    return services.save_preferences(
        user=employer_a, number="+18195550101", opted_in=True, changes=True, reminders="all"
    )
