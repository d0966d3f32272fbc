"""The Django admin as the ministry's administrators read it: translated headers and names, the
ministry's name instead of Django's, the adviser list within 1 280 px, allauth's MFA methods under
a translated name without their secrets, and each week of hours edited on one page (a service
point's opening hours, an adviser's weekly availability), checked before anything is saved."""

from datetime import time

import pytest
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext

from advisors.models import AvailabilityChange, WeeklyAvailability
from core.organisation import organisation_name
from service_points.models import OpeningHours
from tests.admin_forms import admin_form_data
from tests.factories import ServicePointFactory

pytestmark = pytest.mark.django_db


def shown_fields(model_admin):
    """The model fields an admin page shows: its `fields` if it names them, else every editable
    one; and the same for its inlines."""
    for owner in (model_admin, *model_admin.inlines):
        model = owner.model
        concrete = [
            f for f in model._meta.get_fields() if getattr(f, "concrete", False) and not f.auto_created
        ]
        names = owner.fields or [f.name for f in concrete]
        for field in concrete:
            if field.name in names:
                yield model, field


def test_every_column_and_field_of_the_admin_has_a_translatable_name():
    untranslatable = []
    for model, model_admin in admin.site._registry.items():
        for name in model_admin.list_display:
            if name in ("action_checkbox", "__str__"):
                continue
            _, attr = label_for_field(name, model, model_admin, return_attr=True)
            label = getattr(attr, "short_description", None) if attr is not None else None
            if attr is None:
                label = model._meta.get_field(name).verbose_name
            if not isinstance(label, Promise):
                untranslatable.append(f"{model._meta.label} list_display {name}: {label!r}")
        for owner, field in shown_fields(model_admin):
            if not isinstance(field.verbose_name, Promise):
                untranslatable.append(f"{owner._meta.label}.{field.name}: {field.verbose_name!r}")
        for text in (model._meta.verbose_name, model._meta.verbose_name_plural):
            if not isinstance(text, Promise):
                untranslatable.append(f"{model._meta.label}: {text!r}")
    assert not untranslatable, "\n".join(untranslatable)


def test_the_adviser_list_reads_french_and_fits_five_columns(client_for, administrator, network):
    page = client_for(administrator).get(reverse("admin:advisors_advisor_changelist"))

    html = page.content.decode()
    with translation.override("fr-ca"):
        headers = [str(label_for_field(n, *_advisor_admin())) for n in page.context["cl"].list_display[1:]]
    assert headers == [
        "nom",
        "adresse courriel",
        "point de service d’attache",
        "région administrative",
        "actif",
    ]
    for english in ("Email", "Directorate name", "Region", "Authenticators"):
        assert f">{english}<" not in html
    assert str(network.advisor_a.home_service_point.municipality) in html


def _advisor_admin():
    from advisors.models import Advisor

    return Advisor, admin.site._registry[Advisor]


def test_the_adviser_list_is_in_french_order(client_for, administrator, network):
    from tests.factories import AdvisorFactory

    for name in ("Grenier", "Gélinas", "Émond", "Ethier"):
        AdvisorFactory(home_service_point=network.point_a, user__last_name=name, user__first_name="Zoé")

    page = client_for(administrator).get(reverse("admin:advisors_advisor_changelist"), {"q": "Zoé"})

    assert [a.user.last_name for a in page.context["cl"].result_list] == [
        "Émond",
        "Ethier",
        "Gélinas",
        "Grenier",
    ]


def test_the_user_list_sorts_last_names_the_french_way(client_for, administrator):
    from tests.factories import UserFactory

    for name in ("Grenier", "Gélinas", "Émond", "Ethier"):
        UserFactory(last_name=name, first_name="Zoé")
    column = admin.site._registry[type(administrator)].list_display.index("family_name") + 1

    page = client_for(administrator).get(reverse("admin:accounts_user_changelist"), {"q": "Zoé", "o": column})

    assert [u.last_name for u in page.context["cl"].result_list] == ["Émond", "Ethier", "Gélinas", "Grenier"]


@pytest.mark.parametrize(
    ("language", "header", "index_title"),
    [
        ("fr-ca", "Conseillères et conseillers régionaux en immigration", "Administration du réseau"),
        ("en", "Regional immigration advisers", "Network administration"),
    ],
)
def test_the_admin_carries_the_ministrys_name(client_for, administrator, language, header, index_title):
    with translation.override(language):
        url = reverse("admin:index")
        ministry = organisation_name()
    page = client_for(administrator).get(url)

    html = page.content.decode()
    assert header in html and index_title in html and ministry in html
    assert "Django" not in html.split("<body", 1)[1].split('id="content"', 1)[0]
    assert "Administration de Django" not in html and "Django administration" not in html


def test_allauths_french_catalogue_serves_fr_ca():
    """LANGUAGE_CODE "fr-ca" finds allauth's and Django's "fr" catalogues (gettext falls back from
    fr_CA to fr), under our own (LOCALE_PATHS), which wins where both translate."""
    # Through variables: makemessages would copy literal messages into our own catalogue.
    allauths, djangos, both = "Recovery codes", "Recent actions", "email address"
    with translation.override("fr-ca"):
        assert gettext(allauths) == "Codes de récupération"
        assert gettext(djangos) == "Actions récentes"
        assert gettext(both) == "adresse courriel"  # ours, not allauth's "adresse e-mail"


def test_mfa_methods_are_listed_under_a_translated_name_without_their_secrets(client_for, administrator):
    Authenticator.objects.create(
        user=administrator, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    client = client_for(administrator)

    index = client.get(reverse("admin:index")).content.decode()
    listing = client.get(reverse("admin:accounts_twofactormethod_changelist")).content.decode()
    method = Authenticator.objects.get()
    detail = client.get(reverse("admin:accounts_twofactormethod_change", args=[method.pk])).content.decode()

    assert "Méthodes d’authentification à deux facteurs" in index and "Authenticators" not in index
    assert "Authentificateur TOTP" in listing and "JBSWY3DPEHPK3PXP" not in listing
    assert "JBSWY3DPEHPK3PXP" not in detail
    assert client.get(reverse("admin:accounts_twofactormethod_add")).status_code == 403
    assert client.get("/admin/mfa/authenticator/").status_code == 404


# --- A week of hours on one page ---------------------------------------------------------------


@pytest.fixture
def point(network):
    point = network.point_a
    point.opening_hours.all().delete()
    OpeningHours.objects.create(service_point=point, weekday=0, opens=time(8, 30), closes=time(16, 30))
    OpeningHours.objects.create(service_point=point, weekday=1, opens=time(8, 30), closes=time(16, 30))
    return point


def hours(point) -> list[tuple]:
    return [
        (h.weekday, h.opens.strftime("%H:%M"), h.closes.strftime("%H:%M"))
        for h in point.opening_hours.order_by("weekday", "opens")
    ]


def grid_post(client, url, prefix, ranges: dict):
    """Post the change page with `ranges` {(weekday, n): (start, end)} put in the n-th range shown
    on that day (0: the first existing one, the next: the blank ones), "" to clear one."""
    page = client.get(url)
    data = admin_form_data(page, inlines=(prefix,))
    formset = next(i.formset for i in page.context["inline_admin_formsets"] if i.formset.prefix == prefix)
    for day in formset.days:
        for n, shown in enumerate(day.ranges):
            if (day.number, n) in ranges:
                data[shown.start.html_name], data[shown.end.html_name] = ranges[day.number, n]
    return client.post(url, data)


def test_the_opening_hours_are_the_week_on_one_page(client_for, administrator, point):
    page = client_for(administrator).get(reverse("admin:service_points_servicepoint_change", args=[point.pk]))

    html = page.content.decode()
    formset = page.context["inline_admin_formsets"][0].formset
    assert [d.name for d in formset.days] == [
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
    ]
    # Monday and Tuesday: their range and a blank one; the other days: a blank one.
    assert [len(d.ranges) for d in formset.days] == [2, 2, 1, 1, 1, 1, 1]
    assert html.count('type="time"') == 2 * (2 + 2 + 5) + 2  # the blank range's template too
    assert "Ajouter une plage le lundi" in html and "Maintenant" not in html


def test_an_administrator_sets_a_lunch_break_closes_a_day_and_opens_saturday(
    client_for, administrator, point
):
    url = reverse("admin:service_points_servicepoint_change", args=[point.pk])
    response = grid_post(
        client_for(administrator),
        url,
        "opening_hours",
        {
            (0, 0): ("08:30", "12:00"),
            (0, 1): ("13:00", "16:30"),  # Monday's blank range: the afternoon
            (1, 0): ("", ""),  # Tuesday cleared: closed
            (5, 0): ("09:00", "12:00"),
        },
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    assert hours(point) == [(0, "08:30", "12:00"), (0, "13:00", "16:30"), (5, "09:00", "12:00")]


def test_touching_ranges_are_fine(client_for, administrator, point):
    url = reverse("admin:service_points_servicepoint_change", args=[point.pk])
    response = grid_post(
        client_for(administrator),
        url,
        "opening_hours",
        {(0, 0): ("08:30", "12:00"), (0, 1): ("12:00", "16:30")},
    )

    assert response.status_code == 302
    assert hours(point)[:2] == [(0, "08:30", "12:00"), (0, "12:00", "16:30")]


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ({(0, 1): ("12:00", "13:00")}, "Cette plage chevauche celle de 8 h 30 à 16 h 30 le même jour."),
        ({(2, 0): ("16:00", "09:00")}, "La fin doit suivre le début."),
        ({(2, 0): ("09:00", "")}, "Indiquez aussi la fin de cette plage."),
        ({(2, 0): ("", "17:00")}, "Indiquez aussi le début de cette plage."),
        ({(3, 0): ("25:00", "26:00")}, "Saisissez une heure valide."),
    ],
)
def test_a_wrong_week_is_refused_with_the_reason_beside_the_range(
    client_for, administrator, point, ranges, message
):
    url = reverse("admin:service_points_servicepoint_change", args=[point.pk])
    before = hours(point)

    response = grid_post(client_for(administrator), url, "opening_hours", ranges)

    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert hours(point) == before


def test_each_range_inside_a_longer_one_is_refused(client_for, administrator, point):
    """Each range is compared with the latest end so far on its day, not only with its neighbour:
    8:30–16:30 holds 9:00–10:00 and 11:00–12:00, and both are marked."""
    url = reverse("admin:service_points_servicepoint_change", args=[point.pk])
    client = client_for(administrator)
    page = client.get(url)
    data = admin_form_data(page, inlines=("opening_hours",))
    formset = page.context["inline_admin_formsets"][0].formset
    monday_blank = formset.days[0].ranges[1]
    data[monday_blank.start.html_name], data[monday_blank.end.html_name] = "09:00", "10:00"
    added = len(formset.forms)  # a range added by the page's "Add a range" button
    data.update(
        {
            "opening_hours-TOTAL_FORMS": added + 1,
            f"opening_hours-{added}-weekday": 0,
            f"opening_hours-{added}-opens": "11:00",
            f"opening_hours-{added}-closes": "12:00",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 200
    assert response.content.decode().count("Cette plage chevauche celle de 8 h 30 à 16 h 30") == 2
    assert "ne peuvent pas se chevaucher" in str(
        response.context["inline_admin_formsets"][0].formset.non_form_errors()
    )


# --- The adviser's week ------------------------------------------------------------------------


@pytest.fixture
def advisor_week(network):
    advisor = network.advisor_a
    advisor.weekly_availability.all().delete()
    WeeklyAvailability.objects.create(
        advisor=advisor,
        weekday=0,
        start_time=time(9),
        end_time=time(12),
        service_point=advisor.home_service_point,
    )
    return advisor


def test_an_adviser_week_set_in_the_admin_is_recorded_by_the_administrator(
    client_for, administrator, advisor_week
):
    url = reverse("admin:advisors_advisor_change", args=[advisor_week.pk])

    response = grid_post(
        client_for(administrator), url, "weekly_availability", {(0, 0): ("", ""), (2, 0): ("13:00", "16:00")}
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    (block,) = advisor_week.weekly_availability.all()
    assert (block.weekday, block.start_time, block.end_time, block.service_point) == (
        2,
        time(13),
        time(16),
        None,
    )
    changes = list(AvailabilityChange.objects.filter(advisor=advisor_week).order_by("pk"))
    assert [(c.action, c.actor) for c in changes] == [("removed", administrator), ("added", administrator)]
    assert "09:00–12:00" in changes[0].description and "À distance" in changes[1].description


def test_an_adviser_block_at_a_point_they_do_not_serve_is_refused(client_for, administrator, advisor_week):
    elsewhere = ServicePointFactory()
    url = reverse("admin:advisors_advisor_change", args=[advisor_week.pk])
    client = client_for(administrator)
    page = client.get(url)
    data = admin_form_data(page, inlines=("weekly_availability",))
    formset = page.context["inline_admin_formsets"][0].formset
    blank = formset.days[3].ranges[0]
    data[blank.start.html_name], data[blank.end.html_name] = "09:00", "12:00"
    data[blank.others[0].html_name] = elsewhere.pk

    response = client.post(url, data)

    assert response.status_code == 200
    assert "ne fait pas partie des points de service de cette fiche" in response.content.decode()
    assert advisor_week.weekly_availability.count() == 1


def test_taking_a_point_off_an_advisers_list_asks_for_its_blocks_to_go_too(
    client_for, administrator, advisor_week
):
    other = ServicePointFactory()
    advisor_week.service_points.add(other)
    WeeklyAvailability.objects.create(
        advisor=advisor_week, weekday=4, start_time=time(9), end_time=time(12), service_point=other
    )
    url = reverse("admin:advisors_advisor_change", args=[advisor_week.pk])
    client = client_for(administrator)
    page = client.get(url)
    data = admin_form_data(page, inlines=("weekly_availability",))
    data["service_points"] = [str(advisor_week.home_service_point_id)]

    refused = client.post(url, data)

    assert refused.status_code == 200
    assert "ne fait pas partie des points de service de cette fiche" in refused.content.decode()
    assert advisor_week.service_points.filter(pk=other.pk).exists()

    friday = next(d for d in refused.context["inline_admin_formsets"][0].formset.days if d.number == 4)
    data[friday.ranges[0].delete.html_name] = "on"
    assert client.post(url, data).status_code == 302
    assert not advisor_week.weekly_availability.filter(weekday=4).exists()
    assert not advisor_week.service_points.filter(pk=other.pk).exists()
