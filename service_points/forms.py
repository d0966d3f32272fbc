"""Form fields for picking a municipality from the gazetteer, and the postal code field."""

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from service_points.models import Municipality
from service_points.validators import normalize_postal_code, validate_postal_code


class PostalCodeField(forms.CharField):
    """A Canadian postal code, digits of any script read as ASCII, saved as 'G9A 5S9'."""

    default_error_messages = {"invalid": _("Enter a valid Canadian postal code, for example G9A 5S9.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = normalize_postal_code(super().to_python(value))
        if value in self.empty_values:
            return value
        try:
            validate_postal_code(value)
        except forms.ValidationError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return value


class MunicipalityField(forms.CharField):
    """A text box with a <datalist> of the gazetteer; the text must name exactly one municipality.

    Names shared by several places carry their region: "Sainte-Marie (Chaudière-Appalaches)".
    """

    widget = forms.TextInput(attrs={"list": "municipality-list", "autocomplete": "off"})
    default_error_messages = {
        "unknown": _("We do not know this municipality. Choose one from the list."),
        "ambiguous": _(
            "Several municipalities have this name. Choose the one with its region from the list."
        ),
    }

    @staticmethod
    def label_for(municipality: Municipality, *, ambiguous: bool | None = None) -> str:
        if ambiguous is None:
            ambiguous = Municipality.objects.filter(name=municipality.name).count() > 1
        return f"{municipality.name} ({municipality.region.name})" if ambiguous else municipality.name

    def clean(self, value):
        text = " ".join(super().clean(value).split())
        name = text.split(" (")[0]
        candidates = list(Municipality.objects.select_related("region").filter(name__iexact=name))
        if not candidates:
            # SQLite folds case for ASCII only ("île" vs "Île"): compare in Python instead.
            candidates = [
                m
                for m in Municipality.objects.select_related("region")
                if m.name.casefold() == name.casefold()
            ]
        if len(candidates) == 1 and text.casefold() in (
            candidates[0].name.casefold(),
            self.label_for(candidates[0], ambiguous=True).casefold(),
        ):
            return candidates[0]
        for municipality in candidates:
            if self.label_for(municipality, ambiguous=True).casefold() == text.casefold():
                return municipality
        if len(candidates) > 1:
            raise forms.ValidationError(self.error_messages["ambiguous"], code="ambiguous")
        raise forms.ValidationError(self.error_messages["unknown"], code="unknown")


DATALIST_CACHE_KEY = "gazetteer:datalist:v1:{}"  # per language: region names are translated
DATALIST_CACHE_SECONDS = 600


def municipality_choices() -> list[str]:
    """The labels offered in the datalist, in alphabetical order."""
    municipalities = list(Municipality.objects.select_related("region").order_by("name"))
    counts: dict[str, int] = {}
    for m in municipalities:
        counts[m.name] = counts.get(m.name, 0) + 1
    return [MunicipalityField.label_for(m, ambiguous=counts[m.name] > 1) for m in municipalities]


def municipality_datalist() -> str:
    """The gazetteer's <datalist>, rendered once and cached (500 options weigh on every page).

    Saving or deleting a municipality or a region clears it (signals in apps.py); a change made
    by another process with a per-process cache (embedded mode) shows within ten minutes.
    """
    key = DATALIST_CACHE_KEY.format(get_language())
    html = cache.get(key)
    if html is None:
        html = format_html(
            '<datalist id="municipality-list">{}</datalist>',
            format_html_join(
                "", '<option value="{}"></option>', ((label,) for label in municipality_choices())
            ),
        )
        cache.set(key, str(html), DATALIST_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - built by format_html from escaped labels


GAZETTEER_NAMES_KEY = "gazetteer:names:v2"


def municipality_names() -> dict[int, tuple[str, str, str, str, int]]:
    """{municipality id: (name, region code, region name fr, region name en, region id)} for the
    whole gazetteer, cached like the datalist (the dashboards name and scope ids without a query)."""
    names = cache.get(GAZETTEER_NAMES_KEY)
    if names is None:
        names = {
            pk: (name, code, name_fr, name_en, region_id)
            for pk, name, code, name_fr, name_en, region_id in Municipality.objects.values_list(
                "pk", "name", "region__code", "region__name_fr", "region__name_en", "region_id"
            )
        }
        cache.set(GAZETTEER_NAMES_KEY, names, DATALIST_CACHE_SECONDS)
    return names


def forget_municipality_datalist(**_kwargs) -> None:
    cache.delete_many(
        [GAZETTEER_NAMES_KEY, *(DATALIST_CACHE_KEY.format(code) for code, _name in settings.LANGUAGES)]
    )
