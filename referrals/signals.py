"""A referral's status follows its request, appointment and file.

Referrals sit above consultations, appointments and company files, which may not import them. A
meeting held is told at once (appointments.signals.appointment_held, inside the transaction that
records it: the referral's row commits or rolls back with it); the other changes (the adviser's
first answer, a withdrawal, a cancellation, a file closed) are found by the beat's sweep
(`services.sweep_statuses`, every two minutes), so booking and routing carry no extra work.
"""

from appointments.signals import appointment_held
from referrals import services


def _meeting_held(sender, appointment, **kwargs):
    services.refresh_for(appointment_ids=[appointment.pk])


def connect() -> None:
    appointment_held.connect(_meeting_held, dispatch_uid="referrals.meeting_held")
