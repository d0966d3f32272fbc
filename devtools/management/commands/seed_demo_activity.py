"""Give the demo employer something to look at: two upcoming appointments and an open request."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from appointments.models import Appointment, Mode, TimeOfDay, Topic
from appointments.selectors import available_slots
from appointments.services import SlotChoice, book_appointment
from consultations.models import ConsultationRequest
from consultations.services import RequestData, create_request
from midi_regions.seeding import DEMO_EMPLOYER_EMAIL


class Command(BaseCommand):
    help = (
        "Book three appointments (at the office, by phone, by video) and open a consultation request "
        "for the demo employer (seed_network --demo-users first). Does nothing when the employer "
        "already has some."
    )

    def handle(self, *args, **options):
        employer = User.objects.filter(email=DEMO_EMPLOYER_EMAIL).select_related("employer_profile").first()
        if employer is None:
            raise CommandError("No demo employer: run `manage.py seed_network --demo-users` first.")
        company = employer.employer_profile.company
        if Appointment.objects.filter(company=company).exists():
            self.stdout.write("The demo employer already has appointments; nothing to do.")
            return
        topics = list(Topic.objects.filter(is_active=True).order_by("pk")[:3])
        with transaction.atomic():
            for topic, mode in zip(topics, (Mode.SERVICE_POINT, Mode.PHONE, Mode.VIDEO), strict=False):
                search = available_slots(topic=topic, mode=mode, location=company.municipality)
                slot = next((s for g in search.groups for _day, slots in g.days for s in slots), None)
                if slot is None:
                    raise CommandError(f"No free time for {topic} ({mode}): does the network have hours?")
                book_appointment(
                    company=company,
                    booked_by=employer,
                    topic=topic,
                    mode=mode,
                    location=company.municipality,
                    choice=SlotChoice(slot.advisor_id, slot.service_point_id, slot.start),
                    contact_phone=employer.employer_profile.phone if mode == Mode.PHONE else "",
                )
            if not ConsultationRequest.objects.filter(company=company).exists():
                create_request(
                    company=company,
                    user=employer,
                    data=RequestData(
                        topic=topics[0],
                        mode=Mode.SERVICE_POINT,
                        municipality=company.municipality,
                        language="fr",
                        preferred_weekdays=[1, 3],
                        preferred_time=TimeOfDay.MORNING,
                        message="Nous voulons recruter deux soudeurs à l'étranger d'ici le printemps.",
                    ),
                )
        self.stdout.write(self.style.SUCCESS("Three appointments and a request for the demo employer."))
