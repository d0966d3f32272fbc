"""The employer's text preferences page, the page a text's link opens, and the adviser's view of
an appointment's texts with their delivery receipts."""

import pytest
from django.urls import reverse

from sms import links, services
from sms.models import SmsContact, SmsMessage
from tests.booking_helpers import book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now", "commits_at_once")]

URL = "/mon-espace/textos/"


def post(client, **fields):
    data = {"number": "", "changes": "on", "reminders": "all", **fields}
    return client.post(URL, {k: v for k, v in data.items() if v is not None})


def test_the_page_is_in_french_at_its_french_address(client_for, employer_a):
    assert reverse("accounts:sms_preferences") == URL
    page = client_for(employer_a).get(URL)
    assert page.status_code == 200
    assert "Textos sur vos rendez-vous" in page.content.decode()


@pytest.mark.parametrize(
    "typed", ["819 555-0101", "(819) 555-0101", "1-819-555-0101", "+1 819 555 0101", "８１９５５５０１０１"]
)
def test_a_number_typed_any_usual_way_is_stored_in_e164(client_for, employer_a, typed):
    response = post(client_for(employer_a), number=typed, opted_in="on")
    assert response.status_code == 302
    contact = SmsContact.objects.get(user=employer_a)
    assert contact.number == "+18195550101" and contact.opted_in_at is not None


def test_without_the_box_ticked_the_number_is_kept_but_nothing_is_sent(client_for, employer_a):
    post(client_for(employer_a), number="819 555-0101")
    contact = SmsContact.objects.get(user=employer_a)
    assert contact.opted_in_at is None and not contact.can_receive


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("819 555", "Entrez un numéro de cellulaire avec son indicatif régional"),
        ("abc", "Entrez un numéro de cellulaire avec son indicatif régional"),
        ("+33 6 12 34 56 78", "numéros de cellulaire canadiens (+1)"),
        ("+1 212 555 0199", "numéros de cellulaire canadiens (+1)"),  # New York
        ("+44 7700 900123", "numéros de cellulaire canadiens (+1)"),
        ("1 800 555-0199", "numéro sans frais"),
        ("819 555-0101 poste 12", "n’a pas de poste"),
        ("x" * 41, "40 caractères"),
    ],
)
def test_a_malformed_or_foreign_number_gets_a_clear_error(client_for, employer_a, typed, message):
    response = post(client_for(employer_a), number=typed, opted_in="on")
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SmsContact.objects.exists()


def test_ticking_the_box_without_a_number_asks_for_one(client_for, employer_a):
    response = post(client_for(employer_a), opted_in="on")
    assert response.status_code == 400
    assert "Entrez le numéro de cellulaire auquel envoyer les textos." in response.content.decode()


def test_a_bad_reminder_choice_is_refused(client_for, employer_a):
    response = post(client_for(employer_a), number="819 555-0101", reminders="hourly")
    assert response.status_code == 400


def test_the_number_can_be_removed(client_for, employer_a, opted_in):
    client = client_for(employer_a)
    assert client.post(URL, {"action": "remove"}).status_code == 302
    assert not SmsContact.objects.exists()


def test_a_colleague_chooses_for_themselves(client_for, employer_a, bookable):
    from tests import factories

    colleague = factories.EmployerProfileFactory(company=employer_a.employer_profile.company).user
    post(client_for(colleague), number="819 555-0199", opted_in="on")
    assert not SmsContact.objects.filter(user=employer_a).exists()


# --- The page a text's link opens -----------------------------------------------------------------


@pytest.fixture
def text(bookable, employer_a, opted_in):
    book(bookable, employer_a)
    return SmsMessage.objects.get(kind="confirmation")


def test_the_short_link_opens_the_page_in_the_texts_language(client, text):
    code = links.code_for(text.pk)
    assert len(code) <= 12
    response = client.get(f"/t/{code}")
    assert response.status_code == 302 and response["Location"] == f"/textos/{code}/"
    SmsMessage.objects.filter(pk=text.pk).update(language="en")
    assert client.get(f"/t/{code}")["Location"] == f"/en/texts/{code}/"


def test_the_text_itself_carries_that_short_link(text, sms_outbox):
    assert sms_outbox[0]["body"].endswith(f"https://rdv.mifi.gouv.qc.ca/t/{links.code_for(text.pk)}")


def test_the_page_shows_the_appointment_and_a_way_to_manage_it(client, text):
    page = client.get(f"/textos/{links.code_for(text.pk)}/").content.decode()
    assert "mardi 24 novembre 2026, 10 h 30" in page
    assert "Déplacer ou annuler" in page
    assert "Arrêter les textos" in page


def test_stop_on_the_page_stops_every_text(client, text):
    response = client.post(f"/textos/{links.code_for(text.pk)}/", {"action": "stop"})
    assert response.status_code == 200
    assert "vous ne recevrez plus de textos" in response.content.decode()
    contact = SmsContact.objects.get(user=text.user)
    assert (contact.opted_in_at, contact.opted_out_by) == (None, SmsContact.OptOut.LINK)
    assert not SmsMessage.objects.filter(status=SmsMessage.Status.PENDING).exists()


@pytest.mark.parametrize("code", ["0000000001", "abc", "k3R9xQa" + "Z" * 13, "!!!!!!!!!!"])
def test_a_forged_code_is_a_404(client, text, code):
    assert client.get(f"/t/{code}").status_code == 404
    assert client.get(f"/textos/{code}/").status_code in (404,)


def test_a_code_with_another_messages_id_is_a_404(client, text):
    code = links.code_for(text.pk)
    forged = code[: links.SIGNATURE_LENGTH] + links.code_for(text.pk + 1)[links.SIGNATURE_LENGTH :]
    assert client.get(f"/textos/{forged}/").status_code == 404


# --- The adviser's page ----------------------------------------------------------------------------


def test_the_adviser_sees_each_text_and_its_receipts_without_the_full_number(client_for, advisor, text):
    services.record_receipt(reference=str(text.uid), provider="memory", status="delivered")
    page = client_for(advisor).get(reverse("advisors:appointment", kwargs={"uid": text.appointment.uid}))
    html = page.content.decode()
    assert "Textos à l’employeur" in html
    panel = html.split('id="texts"')[1].split("</section>")[0]
    assert ">Remis</span>" in panel and "Accusés de réception\u00a0: Remis (10 h)" in panel
    assert "••• ••• 0101" in panel
    assert "819" not in panel and "555" not in panel
    assert panel.count("En attente d’envoi") == 2  # the two reminders


def test_the_adviser_page_says_when_no_one_asked_for_texts(client_for, advisor, bookable, employer_a):
    appointment = book(bookable, employer_a)
    page = client_for(advisor).get(reverse("advisors:appointment", kwargs={"uid": appointment.uid}))
    assert "personne dans l’entreprise n’a demandé de textos" in page.content.decode()
