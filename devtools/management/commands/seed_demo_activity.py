"""Give the demo employer something to look at: two upcoming appointments, an open request and a
company file waiting for documents."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from appointments.models import Appointment, Mode, TimeOfDay, Topic
from appointments.selectors import available_slots
from appointments.services import SlotChoice, book_appointment
from company_files import services as files
from company_files.models import CompanyFile, Program
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
        self.seed_file(employer)
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

    def seed_file(self, employer: User) -> None:
        """The demo company's file in the temporary foreign workers program, routed to its adviser,
        who asked for two documents and wrote; the employer answered."""
        company = employer.employer_profile.company
        program = Program.objects.filter(code="travailleurs-etrangers-temporaires").first()
        if program is None or CompanyFile.objects.filter(company=company).exists():
            return
        file = files.open_file(company=company, program=program, by=employer)
        file = files.route_file(file.pk)  # now: a demo has no worker running
        if file.assigned_advisor is None:
            return
        advisor = file.assigned_advisor.user
        files.move_to_stage(
            file=file,
            to_stage=program.stages.get(code="documents-demandes"),
            by=advisor,
            expected_stage_id=file.stage_id,
            reason="Pour commencer l'analyse, il nous faut le contrat signé et les preuves de recrutement.",
        )
        for document in program.required_documents.filter(is_mandatory=True)[:2]:
            files.request_document(file=file, by=advisor, required_document=document)
        files.post_message(
            file=file,
            by=advisor,
            body="Bonjour, j'ai ouvert l'analyse de votre demande conjointe. Il me manque deux documents.",
        )
        files.post_message(file=file, by=employer, body="Merci, nous vous les envoyons cette semaine.")
        files.add_internal_note(file=file, by=advisor, body="Entreprise déjà accompagnée en 2025 (soudeurs).")
        self.stdout.write(self.style.SUCCESS(f"A company file for the demo employer, held by {advisor}."))
