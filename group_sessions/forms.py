"""Forms of group sessions: scheduling (one or a series), the public filters, participants."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from advisors.models import Language
from appointments.models import Topic
from core.dates import validate_within_window
from group_sessions import services
from group_sessions.models import LONGEST_SESSION_MINUTES, MAX_CAPACITY, MAX_PARTY, SessionMode
from midi_regions.models import AdministrativeRegion
from service_points.models import ServicePoint

REPEAT_CHOICES = [
    ("", _("Once")),
    ("1", _("Every week")),
    ("2", _("Every second week")),
    ("4", _("Every fourth week")),
]
WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


class SessionForm(forms.Form):
    advisor = forms.ModelChoiceField(label=_("Presenter"), queryset=None)
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.filter(is_active=True))
    language = forms.ModelChoiceField(label=_("Language"), queryset=Language.objects.order_by("code"))
    mode = forms.ChoiceField(label=_("Mode"), choices=SessionMode.choices, widget=forms.RadioSelect)
    service_point = forms.ModelChoiceField(
        label=_("Service point"),
        queryset=ServicePoint.objects.select_related("municipality"),
        required=False,
        help_text=_("Required in person."),
    )
    room = forms.CharField(label=_("Room"), max_length=120, required=False)
    room_capacity = forms.IntegerField(
        label=_("Room capacity"), required=False, min_value=1, max_value=MAX_CAPACITY
    )
    day = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), validators=[validate_within_window]
    )
    start_time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), initial=90, min_value=15, max_value=LONGEST_SESSION_MINUTES
    )
    capacity = forms.IntegerField(
        label=_("Capacity (seats)"), initial=20, min_value=1, max_value=MAX_CAPACITY
    )
    max_party_size = forms.IntegerField(
        label=_("Participants per company, at most"), initial=5, min_value=1, max_value=MAX_PARTY
    )
    deadline_hours = forms.IntegerField(
        label=_("Registration closes (hours before the start)"), initial=24, min_value=0, max_value=30 * 24
    )
    waitlist_enabled = forms.BooleanField(
        label=_("Offer a waitlist when the session is full"), required=False, initial=True
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=4000
    )
    materials_url = forms.URLField(
        label=_("Materials (link)"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("A document or a page shown to the registrants."),
    )
    repeat = forms.ChoiceField(label=_("Repeat"), choices=REPEAT_CHOICES, required=False)
    occurrences = forms.IntegerField(
        label=_("Number of sessions in the series"),
        required=False,
        validators=[MinValueValidator(2), MaxValueValidator(services.MAX_OCCURRENCES)],
    )

    def __init__(self, *args, presenters=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisor"].queryset = presenters
        only = list(presenters[:2]) if presenters is not None else []
        if len(only) == 1:
            self.fields["advisor"].initial = only[0].pk

    def clean(self):
        data = super().clean()
        if data.get("mode") == SessionMode.SERVICE_POINT and not data.get("service_point"):
            self.add_error("service_point", _("Choose the service point where the session is held."))
        if data.get("repeat") and not data.get("occurrences"):
            self.add_error("occurrences", _("Say how many sessions the series has."))
        room, capacity = data.get("room_capacity"), data.get("capacity")
        if room and capacity and capacity > room and data.get("mode") == SessionMode.SERVICE_POINT:
            self.add_error(
                "capacity",
                _("The room holds %(room)s people: the capacity cannot be larger.") % {"room": room},
            )
        return data

    def session_data(self) -> services.SessionData:
        d = self.cleaned_data
        return services.SessionData(
            advisor=d["advisor"],
            topic=d["topic"],
            language=d["language"],
            mode=d["mode"],
            service_point=d.get("service_point"),
            room=d.get("room") or "",
            room_capacity=d.get("room_capacity"),
            day=d["day"],
            start_time=d["start_time"],
            duration_minutes=d["duration_minutes"],
            capacity=d["capacity"],
            max_party_size=d["max_party_size"],
            deadline_hours=d["deadline_hours"],
            waitlist_enabled=d.get("waitlist_enabled", False),
            description=d.get("description") or "",
            materials_url=d.get("materials_url") or "",
        )

    def rule(self) -> str:
        d = self.cleaned_data
        if not d.get("repeat"):
            return ""
        weekday = WEEKDAY_CODES[d["day"].weekday()]
        return f"FREQ=WEEKLY;INTERVAL={int(d['repeat'])};BYDAY={weekday};COUNT={d['occurrences']}"


class FilterForm(forms.Form):
    """The public list's filters, by code. Plain choices read with one query each: a model choice
    field iterates with a server-side cursor (several round trips) and queries again to validate."""

    topic = forms.ChoiceField(label=_("Topic"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    mode = forms.ChoiceField(
        label=_("Mode"), choices=[("", _("In person or by video")), *SessionMode.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lists = {
            "topic": (_("All topics"), Topic.objects.filter(is_active=True).order_by("position", "code")),
            "region": (_("All regions"), AdministrativeRegion.objects.order_by("code")),
            "language": (_("All languages"), Language.objects.order_by("code")),
        }
        for name, (everything, rows) in lists.items():
            self.fields[name].choices = [("", everything), *((row.code, row.name) for row in list(rows))]

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        return {name: self.cleaned_data.get(name) or "" for name in ("topic", "region", "language", "mode")}


class ParticipantsForm(forms.Form):
    """Up to `size` rows of name and email; empty rows are ignored."""

    waitlist = forms.BooleanField(label=_("If the session is full, put us on the waitlist"), required=False)

    def __init__(self, *args, size: int, filled: list | None = None, offer_waitlist: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.size = size
        filled = filled or []
        for n in range(size):
            person = filled[n] if n < len(filled) else None
            # Short labels: each pair sits in a fieldset whose legend numbers the participant.
            self.fields[f"name_{n}"] = forms.CharField(
                label=_("Name"),
                max_length=150,
                required=False,
                initial=person.name if person else "",
            )
            self.fields[f"email_{n}"] = forms.EmailField(
                label=_("Email"),
                required=False,
                initial=person.email if person else "",
            )
            self.fields[f"name_{n}"].widget.attrs["autocomplete"] = "name"
            self.fields[f"email_{n}"].widget.attrs["autocomplete"] = "email"
        if not offer_waitlist:
            del self.fields["waitlist"]

    def rows(self):
        return [(self[f"name_{n}"], self[f"email_{n}"]) for n in range(self.size)]

    def clean(self):
        data = super().clean()
        people, seen = [], set()
        for n in range(self.size):
            name, email = (
                (data.get(f"name_{n}") or "").strip(),
                (data.get(f"email_{n}") or "").strip().lower(),
            )
            if not name and not email:
                continue
            if not name:
                self.add_error(f"name_{n}", _("Give this participant's name."))
            elif not email:
                self.add_error(f"email_{n}", _("Give this participant's email address."))
            elif email in seen:
                self.add_error(f"email_{n}", _("This address is already in the list."))
            else:
                seen.add(email)
                people.append(services.Person(name, email))
        if not people and not self.errors:
            raise forms.ValidationError(_("Give at least one participant."))
        data["people"] = people
        return data


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label=_("Capacity (seats)"), min_value=1, max_value=MAX_CAPACITY)


class MessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=150)
    body = forms.CharField(label=_("Message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (told to the registrants)"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_within_window],
    )
    end = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_within_window],
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end comes before the start."))
        return data
