"""The employer's text preferences, and the page a text's short link opens."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.access import Role, role_required
from appointments.links import manage_url
from appointments.models import Appointment
from core import local_time
from sms import links, selectors, services
from sms.forms import SmsPreferencesForm
from sms.models import SmsContact, SmsMessage


@role_required(Role.EMPLOYER)
def preferences(request):
    contact = selectors.contact_of(request.user)
    if request.method == "POST":
        if request.POST.get("action") == "remove":
            services.remove_number(user=request.user)
            messages.success(request, _("Your mobile number is removed. You will not get texts."))
            return redirect("accounts:sms_preferences")
        form = SmsPreferencesForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if data["number"]:
                services.save_preferences(
                    user=request.user,
                    number=data["number"],
                    opted_in=data["opted_in"],
                    changes=data["changes"],
                    reminders=data["reminders"],
                )
                if data["opted_in"]:
                    messages.success(
                        request, _("Saved. Texts about your appointments will go to this number.")
                    )
                else:
                    messages.success(request, _("Saved. You will not get texts until you tick the box."))
            else:
                services.remove_number(user=request.user)
                messages.success(request, _("Your mobile number is removed. You will not get texts."))
            return redirect("accounts:sms_preferences")
    else:
        form = SmsPreferencesForm(initial=SmsPreferencesForm.initial_for(contact))
    return render(
        request,
        "sms/preferences.html",
        {"form": form, "contact": contact},
        status=400 if form.is_bound else 200,
    )


def short_link(request, code):
    """/t/<code>: the page of the text, in the language it was written in."""
    pk = links.message_id(code)
    message = SmsMessage.objects.filter(pk=pk).only("language").first() if pk else None
    if message is None:
        raise Http404
    with translation.override(message.language or None):
        return redirect(reverse("sms:link", kwargs={"code": code}))


def link(request, code):
    """What a text's link opens: the appointment in a few words, a way to manage it, a way to
    stop texts. The code is the credential (signed, one message)."""
    pk = links.message_id(code)
    message = (
        SmsMessage.objects.select_related(
            "appointment__topic",
            "appointment__service_point__municipality",
            "appointment__municipality",
            "user",
        )
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if message is None:
        raise Http404
    appointment = message.appointment
    contact = SmsContact.objects.filter(user_id=message.user_id).first()
    stopped = False
    if request.method == "POST" and request.POST.get("action") == "stop":
        services.opt_out(user_id=message.user_id, by=SmsContact.OptOut.LINK)
        stopped = True
        contact = SmsContact.objects.filter(user_id=message.user_id).first()
    upcoming = appointment.status == Appointment.Status.CONFIRMED and appointment.starts_at > timezone.now()
    with timezone.override(local_time.zone(appointment.time_zone)):
        return render(
            request,
            "sms/link.html",
            {
                "message": message,
                "appointment": appointment,
                "manage_url": manage_url(appointment, language=translation.get_language())
                if upcoming
                else "",
                "receiving": contact is not None and contact.opted_in_at is not None,
                "stopped": stopped,
            },
        )
