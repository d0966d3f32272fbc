"""Staff find an appointment by the reference an employer reads out: in any case, with or without
the dashes; an adviser among their own appointments, a manager among their directorate's, an
administrator among all. Another directorate's appointment is not found, and says nothing more."""

import pytest
from django.urls import reverse

from tests.booking_helpers import book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

FIND = "advisors:find_appointment"


@pytest.fixture
def appointment(bookable, employer_a):
    """Company A's appointment with adviser A (directorate A)."""
    return book(bookable, employer_a)


def typings(reference: str) -> list[str]:
    bare = reference.replace("-", "")
    return [reference, reference.lower(), bare, bare.lower(), bare[2:], f"  {reference[:6]} {reference[7:]} "]


@pytest.mark.parametrize("person", ["advisor", "manager", "administrator"])
def test_staff_who_may_see_it_find_it_however_it_is_typed(appointment, client_for, request, person):
    client = client_for(request.getfixturevalue(person))
    page = reverse("advisors:appointment", args=[appointment.uid])
    for typed in typings(appointment.reference):
        response = client.get(reverse(FIND), {"reference": typed})
        assert response.status_code == 302, typed
        assert response["Location"] == page


@pytest.mark.parametrize("person", ["other_advisor", "other_manager"])
def test_another_directorate_s_appointment_is_not_found(appointment, client_for, request, person):
    response = client_for(request.getfixturevalue(person)).get(
        reverse(FIND), {"reference": appointment.reference}
    )
    assert response.status_code == 404
    page = response.content.decode()
    assert appointment.reference in page  # "no appointment with the reference …"
    assert appointment.company.legal_name not in page


def test_an_unknown_reference_is_not_found(appointment, client_for, advisor):
    response = client_for(advisor).get(reverse(FIND), {"reference": "RV-222-222"})
    assert response.status_code == 404
    assert response.context["not_found"] == "RV-222-222"


@pytest.mark.parametrize("typed", ["", "RV-123-456", "bonjour", "RV-7K3"])
def test_what_cannot_be_a_reference_gets_a_form_error(client_for, advisor, typed):
    response = client_for(advisor).get(reverse(FIND), {"reference": typed})
    assert response.status_code == 400
    assert response.context["form"].errors["reference"]
    assert 'class="field__error"' in response.content.decode()


@pytest.mark.parametrize("person", ["employer_a", "employer_b"])
def test_employers_cannot_use_the_staff_search(appointment, client_for, request, person):
    response = client_for(request.getfixturevalue(person)).get(
        reverse(FIND), {"reference": appointment.reference}
    )
    assert response.status_code == 403


def test_the_workspace_and_the_dashboard_offer_the_search(client_for, advisor, manager, network):
    workspace = client_for(advisor).get(reverse("advisors:me")).content.decode()
    dashboard = client_for(manager).get(
        reverse("midi_regions:dashboard", kwargs={"code": network.directorate_a.code})
    )
    for html in (workspace, dashboard.content.decode()):
        assert f'action="{reverse(FIND)}"' in html and 'name="reference"' in html
