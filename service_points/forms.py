"""Form fields: the place a person types (a municipality, forgivingly), and the postal code."""

from django import forms
from django.core.cache import cache
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.catalogue import derived
from service_points import places
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


class PlaceInput(forms.TextInput):
    """A text box with its own <datalist> of suggestions: those of the typed text when the form
    comes back (an error names them too), then as the person types (static/js/places.js asks the
    API's municipality search)."""

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        attrs = context["widget"]["attrs"]
        attrs["list"] = f"{attrs.get('id') or name}-suggestions"
        attrs["data-place-search"] = reverse("api:municipality-list")
        return context

    def render(self, name, value, attrs=None, renderer=None):
        text = value if isinstance(value, str) else ""
        labels = [m.label for m in places.find_places(text).matches] if text.strip() else []
        list_id = f"{(attrs or {}).get('id') or name}-suggestions"
        return format_html(
            '{}<datalist id="{}">{}</datalist>',
            super().render(name, value, attrs, renderer),
            list_id,
            format_html_join("", '<option value="{}"></option>', ((label,) for label in labels)),
        )


class MunicipalityField(forms.CharField):
    """The place a person types, read as forgivingly as the directory reads it
    (service_points.places.find_places): a municipality, a former town or borough, an English
    name, a postal code. The text must name one municipality; otherwise the error names the
    suggestions, which the widget also offers.
    """

    widget = PlaceInput
    default_error_messages = {
        "unknown": _("No municipality matches “%(text)s”; check the spelling or enter your postal code."),
        "suggest": _("We do not know “%(text)s” as a municipality. Did you mean: %(suggestions)s?"),
        "ambiguous": _(
            "Several municipalities are named “%(text)s”: choose yours in the list (%(suggestions)s)."
        ),
        "shared_postal_code": _(
            "The postal code %(text)s covers several municipalities: enter the name of yours."
        ),
    }

    # With a catalogue generation (set by the form that has one), the place a text names and a
    # municipality's label are kept for it (core.catalogue.derived: the gazetteer's tables bump
    # the generation) instead of read every time.
    generation: int | None = None

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    @staticmethod
    def label_for(
        municipality: Municipality, *, ambiguous: bool | None = None, generation: int | None = None
    ) -> str:
        """The text the field shows for a municipality: its name, with its MRC and region when
        another municipality has the same name."""
        if ambiguous is None:
            return derived.get(
                generation,
                ("place label", municipality.pk, get_language()),  # regions are named in both
                lambda: MunicipalityField.label_for(
                    municipality,
                    ambiguous=Municipality.objects.filter(search_name=municipality.search_name).count() > 1,
                ),
            )
        return places.place_label(municipality) if ambiguous else municipality.name

    def clean(self, value):
        text = " ".join(super().clean(value).split())
        results = derived.get(self.generation, ("places", text), lambda: places.find_places(text))
        chosen = results.chosen
        if chosen is not None:
            area = chosen.postal_area
            if area is not None and area.is_fsa and area.share < SHARED_POSTAL_AREA:
                raise forms.ValidationError(
                    self.error_messages["shared_postal_code"],
                    code="shared_postal_code",
                    params={"text": text},
                )
            return chosen.municipality
        if not results.matches:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown", params={"text": text})
        suggestions = "; ".join(m.label for m in results.matches[:5])
        code = "ambiguous" if results.homonyms else "suggest"
        raise forms.ValidationError(
            self.error_messages[code], code=code, params={"text": text, "suggestions": suggestions}
        )


# An FSA names a municipality in the forms only if this share of its postal codes lie there
# (G9A: all of them are in Trois-Rivières; J7V: half in Vaudreuil-Dorion, half elsewhere).
SHARED_POSTAL_AREA = 0.8

GAZETTEER_NAMES_KEY = "gazetteer:names:v3"
GAZETTEER_CACHE_SECONDS = 600


def municipality_names() -> dict[int, tuple[str, str, str, str, int]]:
    """{municipality id: (name, region code, region name fr, region name en, region id)} for the
    whole gazetteer, cached (the dashboards name and scope ids without a query)."""
    names = cache.get(GAZETTEER_NAMES_KEY)
    if names is None:
        names = {
            pk: (name, code, name_fr, name_en, region_id)
            for pk, name, code, name_fr, name_en, region_id in Municipality.objects.values_list(
                "pk", "name", "region__code", "region__name_fr", "region__name_en", "region_id"
            )
        }
        cache.set(GAZETTEER_NAMES_KEY, names, GAZETTEER_CACHE_SECONDS)
    return names


def forget_gazetteer_names(**_kwargs) -> None:
    """Saving or deleting a municipality or region drops the cached names (signals in apps.py; the
    seed calls it after its bulk writes). A per-process cache sees another process's change within
    ten minutes."""
    cache.delete_many([GAZETTEER_NAMES_KEY, places.HOMONYMS_KEY])
