"""Several representatives of one company: a representative invites a colleague by email, the
colleague accepts with that (verified) address and then shares the company's appointments."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import invitations
from accounts.access import Role, role_of
from accounts.models import CompanyInvitation, EmployerProfile
from tests import factories
from tests.booking_helpers import book
from tests.inputs import valid_profile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

COLLEAGUE = "marie.tremblay@example.org"


@pytest.fixture
def company_a(employer_a):
    return employer_a.employer_profile.company


@pytest.fixture
def invited(company_a, employer_a):
    """Employer A invited COLLEAGUE; the invitation email is in mail.outbox."""
    return invitations.invite(company=company_a, by=employer_a, email=COLLEAGUE)


@pytest.fixture
def colleague(db):
    """A signed-up account with the invited address (verified), no company yet."""
    return factories.UserFactory(email=COLLEAGUE, first_name="Marie", last_name="Tremblay")


def accept_url(invitation):
    return reverse("accounts:accept_invitation", kwargs={"token": invitation.token})


def invite_via_web(client, email, **headers):
    return client.post(reverse("accounts:invite"), {"email": email}, **headers)


# --- Inviting -------------------------------------------------------------------------------------


def test_a_representative_invites_a_colleague_who_gets_a_link_by_email(client_for, employer_a, company_a):
    response = invite_via_web(client_for(employer_a), "Marie.Tremblay@Example.org ")
    assert response.status_code == 302
    invitation = CompanyInvitation.objects.get()
    assert (invitation.company, invitation.email, invitation.invited_by) == (company_a, COLLEAGUE, employer_a)
    assert invitation.expires_at == timezone.now() + timedelta(days=14)
    assert len(invitation.token) >= 40
    [message] = mail.outbox
    assert message.to == [COLLEAGUE]
    assert company_a.legal_name in message.subject
    assert accept_url(invitation) in message.body
    assert accept_url(invitation) in message.alternatives[0][0]


def test_the_home_page_lists_representatives_and_pending_invitations(client_for, employer_a, invited):
    response = client_for(employer_a).get(reverse("accounts:home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="colleagues"' in page
    assert employer_a.email in page and COLLEAGUE in page
    assert reverse("accounts:invitation_revoke", kwargs={"pk": invited.pk}) in page
    assert invited.token not in page  # the link is the invitee's credential, not the inviter's


def test_sending_again_refreshes_the_one_pending_invitation(employer_a, company_a, invited, frozen_now):
    frozen_now.shift(timedelta(days=10))
    again = invitations.invite(company=company_a, by=employer_a, email=COLLEAGUE.upper())
    assert again.pk == invited.pk and again.token == invited.token
    assert CompanyInvitation.objects.count() == 1
    assert again.expires_at == timezone.now() + timedelta(days=14)
    assert len(mail.outbox) == 2


def test_an_expired_invitation_can_be_sent_again(employer_a, company_a, invited, frozen_now):
    frozen_now.shift(timedelta(days=15))
    again = invitations.invite(company=company_a, by=employer_a, email=COLLEAGUE)
    assert again.pk == invited.pk
    assert invitations.link_problem(again) is None


def test_an_address_that_already_represents_a_company_is_refused(client_for, employer_a, employer_b):
    response = invite_via_web(client_for(employer_a), employer_b.email.upper())
    assert response.status_code == 409
    assert response.context["invite_form"].errors["email"]
    assert not CompanyInvitation.objects.exists()
    assert mail.outbox == []
    with pytest.raises(invitations.InvitationError) as refused:
        invitations.invite(company=employer_a.employer_profile.company, by=employer_a, email=employer_a.email)
    assert refused.value.code == invitations.ALREADY_REPRESENTS


def test_only_a_representative_of_the_company_can_invite(company_a, employer_b, advisor, administrator):
    for outsider in (employer_b, advisor, administrator):
        with pytest.raises(invitations.InvitationError) as refused:
            invitations.invite(company=company_a, by=outsider, email=COLLEAGUE)
        assert refused.value.code == invitations.NOT_REPRESENTATIVE
    assert not CompanyInvitation.objects.exists()


@pytest.mark.parametrize("email", ["", "not-an-address", "a" * 250 + "@example.org", "x@\x00.org"])
def test_a_bad_address_is_a_form_error(client_for, employer_a, email):
    response = invite_via_web(client_for(employer_a), email)
    assert response.status_code == 400  # a NUL character is refused before the view (middleware)
    if "\x00" not in email:
        assert response.context["invite_form"].errors["email"]
    assert not CompanyInvitation.objects.exists()


def test_htmx_gets_the_refreshed_section_only(client_for, employer_a):
    response = invite_via_web(client_for(employer_a), COLLEAGUE, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="card" id="colleagues"')
    assert COLLEAGUE in page


def test_the_email_is_in_the_inviters_language(employer_a, company_a):
    employer_a.language = "en"
    employer_a.save()
    invitations.invite(company=company_a, by=employer_a, email=COLLEAGUE)
    [message] = mail.outbox
    assert message.subject.startswith("Invitation to represent")
    assert "/en/" in message.body


def test_the_email_is_in_french_by_default(employer_a, company_a):
    invitation = invitations.invite(company=company_a, by=employer_a, email=COLLEAGUE)
    invitation.invited_by = None
    invitation.save()
    mail.outbox.clear()
    assert invitations.send_invitation_email(invitation_id=invitation.pk) == 1
    assert "/en/" not in mail.outbox[0].body
    assert invitations.invitation_language(invitation) == "fr-ca"


def test_a_company_cannot_have_endless_pending_invitations(employer_a, company_a, monkeypatch):
    monkeypatch.setattr(invitations, "MAX_PENDING", 2)
    invitations.invite(company=company_a, by=employer_a, email="one@example.org")
    invitations.invite(company=company_a, by=employer_a, email="two@example.org")
    with pytest.raises(invitations.InvitationError) as refused:
        invitations.invite(company=company_a, by=employer_a, email="three@example.org")
    assert refused.value.code == invitations.TOO_MANY
    invitations.invite(company=company_a, by=employer_a, email="two@example.org")  # a refresh is fine


# --- Revoking -------------------------------------------------------------------------------------


def test_a_representative_withdraws_an_invitation_and_the_link_dies(
    client_for, employer_a, invited, colleague
):
    client = client_for(employer_a)
    response = client.post(reverse("accounts:invitation_revoke", kwargs={"pk": invited.pk}))
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.revoked_at is not None
    client.force_login(colleague)
    response = client.get(accept_url(invited))
    assert response.status_code == 410
    assert response.context["problem"] == invitations.REVOKED
    assert mail.outbox and invitations.send_invitation_email(invitation_id=invited.pk) == 0


def test_another_company_cannot_withdraw_the_invitation(client_for, employer_b, invited):
    response = client_for(employer_b).post(reverse("accounts:invitation_revoke", kwargs={"pk": invited.pk}))
    assert response.status_code == 404
    invited.refresh_from_db()
    assert invited.revoked_at is None
    with pytest.raises(invitations.InvitationError):
        invitations.revoke(invitation=invited, by=employer_b)


def test_withdrawing_twice_says_it_is_already_done(client_for, employer_a, invited):
    client = client_for(employer_a)
    url = reverse("accounts:invitation_revoke", kwargs={"pk": invited.pk})
    client.post(url)
    response = client.post(url)
    assert response.status_code == 409


# --- Accepting ------------------------------------------------------------------------------------


def test_the_colleague_accepts_and_both_see_the_same_appointments(
    client_for, bookable, employer_a, company_a, invited, colleague
):
    appointment = book(bookable, employer_a, company=company_a)
    client = client_for(colleague)
    page = client.get(accept_url(invited))
    assert page.status_code == 200
    assert company_a.legal_name in page.content.decode()

    response = client.post(accept_url(invited), {"first_name": "Marie", "last_name": "Tremblay"})
    assert response.status_code == 302 and response.url == reverse("accounts:home")
    profile = EmployerProfile.objects.get(user=colleague)
    assert profile.company == company_a
    invited.refresh_from_db()
    assert invited.accepted_at == timezone.now() and invited.accepted_by == colleague

    listing = client.get(reverse("appointments:list"))
    assert listing.status_code == 200
    assert [a.pk for a in listing.context["upcoming"]] == [appointment.pk]
    own = client_for(employer_a).get(reverse("appointments:list"))
    assert [a.pk for a in own.context["upcoming"]] == [appointment.pk]
    assert client.get(reverse("appointments:detail", args=[appointment.uid])).status_code == 200
    # And the colleague is listed as a representative on the home page.
    assert "Marie Tremblay" in client.get(reverse("accounts:home")).content.decode()


def test_accepting_takes_the_names_given(client, invited):
    user = factories.UserFactory(email=COLLEAGUE, first_name="", last_name="")
    client.force_login(user)
    response = client.post(accept_url(invited), {"first_name": " Luc ", "last_name": "Roy"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Luc", "Roy")
    assert role_of(user) == Role.EMPLOYER


def test_accepting_without_a_name_is_a_form_error(client, invited):
    client.force_login(factories.UserFactory(email=COLLEAGUE, first_name="", last_name=""))
    response = client.post(accept_url(invited), {"first_name": "", "last_name": ""})
    assert response.status_code == 400
    assert not EmployerProfile.objects.filter(user__email=COLLEAGUE).exists()


def test_the_address_is_compared_without_case(client, employer_a, company_a):
    invitation = invitations.invite(company=company_a, by=employer_a, email="Marie.Tremblay@EXAMPLE.org")
    client.force_login(factories.UserFactory(email=COLLEAGUE))
    assert client.get(accept_url(invitation)).status_code == 200


def test_an_anonymous_visitor_signs_in_first_and_comes_back(client, invited):
    url = accept_url(invited)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login")) and "next=" in response.url


def test_another_account_is_refused_with_a_reason(client_for, invited, new_user):
    response = client_for(new_user).get(accept_url(invited))
    assert response.status_code == 403
    page = response.content.decode()
    assert response.context["problem"] == invitations.WRONG_ACCOUNT and new_user.email in page
    assert (
        client_for(new_user).post(accept_url(invited), {"first_name": "A", "last_name": "B"}).status_code
        == 403
    )
    assert not EmployerProfile.objects.filter(user=new_user).exists()


def test_an_account_that_already_represents_a_company_cannot_accept(
    client, employer_b, company_a, employer_a
):
    invitation = invitations.invite(company=company_a, by=employer_a, email=COLLEAGUE)
    # The address created its own company after being invited.
    employer_b.email = COLLEAGUE
    employer_b.save()
    EmailAddress.objects.filter(user=employer_b).update(email=COLLEAGUE)
    client.force_login(employer_b)
    response = client.post(accept_url(invitation), {"first_name": "A", "last_name": "B"})
    assert response.status_code == 403
    assert EmployerProfile.objects.get(user=employer_b).company != company_a


def test_an_unverified_address_must_be_confirmed_first(client, colleague, invited):
    EmailAddress.objects.filter(user=colleague).update(verified=False)
    client.force_login(colleague)
    response = client.get(accept_url(invited))
    assert response.status_code == 403
    assert response.context["problem"] == invitations.UNVERIFIED
    assert reverse("account_email") in response.content.decode()
    with pytest.raises(invitations.InvitationError) as refused:
        invitations.accept(token=invited.token, user=colleague)
    assert refused.value.code == invitations.UNVERIFIED


def test_an_expired_invitation_is_gone(client, colleague, invited):
    client.force_login(colleague)
    with time_machine.travel(invited.expires_at + timedelta(seconds=1), tick=False):
        response = client.get(accept_url(invited))
    assert response.status_code == 410
    assert response.context["problem"] == invitations.EXPIRED


def test_an_expired_invitation_is_gone_even_before_signing_in(client, invited):
    with time_machine.travel(invited.expires_at, tick=False):
        assert client.get(accept_url(invited)).status_code == 410


def test_a_used_invitation_is_gone(client, colleague, invited):
    client.force_login(colleague)
    client.post(accept_url(invited), {"first_name": "Marie", "last_name": "Tremblay"})
    response = client.get(accept_url(invited))
    assert response.status_code == 410
    assert EmployerProfile.objects.filter(user=colleague).count() == 1


@pytest.mark.parametrize("token", ["nope", "x" * 64, "x" * 300])
def test_an_unknown_link_is_a_404(client, colleague, token):
    client.force_login(colleague)
    assert client.get(reverse("accounts:accept_invitation", kwargs={"token": token})).status_code == 404


def test_a_new_user_sees_their_invitation_on_the_profile_page(client, colleague, invited):
    client.force_login(colleague)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert accept_url(invited) in page


def test_a_new_user_who_enters_a_registered_neq_is_told_to_ask_for_an_invitation(
    client, colleague, company_a, network
):
    client.force_login(colleague)
    response = client.post(
        reverse("accounts:profile"), valid_profile(network.municipality_a, neq=company_a.neq)
    )
    assert response.status_code == 400
    assert response.context["form"].errors.as_data()["neq"][0].code == "neq_taken"
    assert "de vous inviter" in response.content.decode()


def test_administrators_see_a_companys_invitations(client_for, administrator, company_a, invited):
    response = client_for(administrator).get(reverse("admin:accounts_company_change", args=[company_a.pk]))
    assert response.status_code == 200
    assert COLLEAGUE in response.content.decode()
