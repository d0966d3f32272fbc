"""The appointment's summary names the adviser in words that agree with them (accounts.grammar)."""

import pytest
from django.urls import reverse

from tests.booking_helpers import book
from tests.clients import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]


@pytest.mark.parametrize(
    ("gender", "label"), [("f", "Conseillère"), ("m", "Conseiller"), ("", "Conseillère ou conseiller")]
)
def test_the_summary_labels_the_adviser_by_their_grammatical_gender(bookable, employer_a, gender, label):
    user = bookable.advisor_a.user
    user.grammatical_gender = gender
    user.save(update_fields=["grammatical_gender"])
    appointment = book(bookable, employer_a)
    page = signed_in(employer_a).get(reverse("appointments:detail", kwargs={"uid": appointment.uid}))
    assert f"<dt>{label}</dt>" in page.content.decode()
