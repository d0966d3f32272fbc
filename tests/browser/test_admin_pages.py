"""The admin in Chromium: an administrator sets a service point's week (a lunch break on Monday,
a second range on Saturday added with the page's "Add a range" button, an overlap refused beside
its range, then everything saved at once), and the adviser list fits 1 280 px with long names."""

from datetime import time

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips the test (fails it in CI) and says why
    expect = None

from service_points.models import OpeningHours
from tests import factories
from tests.browser.helpers import fr

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def sign_in_to_the_admin(page, next_path: str) -> None:
    administrator = factories.UserFactory(is_staff=True, is_superuser=True)
    page.goto(f"/admin/login/?next={next_path}")
    page.locator("input[name=username]").fill(administrator.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[type=submit]").click()


def test_an_administrator_sets_the_week_of_a_service_point(page, live_url):
    point = factories.ServicePointFactory()
    OpeningHours.objects.create(service_point=point, weekday=0, opens=time(8, 30), closes=time(16, 30))

    sign_in_to_the_admin(page, f"/admin/service_points/servicepoint/{point.pk}/change/")
    expect(page.locator("#opening_hours-heading")).to_have_text(fr("opening hours"), ignore_case=True)

    monday_from = page.get_by_label("De (lundi)", exact=True)
    monday_to = page.get_by_label("à (lundi)", exact=True)
    expect(monday_from).to_have_count(2)  # the saved range and a blank one
    monday_to.nth(0).fill("12:00")
    monday_from.nth(1).fill("11:00")  # overlaps the morning: refused
    monday_to.nth(1).fill("16:30")
    page.get_by_label("De (samedi)", exact=True).fill("09:00")
    page.get_by_label("à (samedi)", exact=True).fill("12:00")
    page.get_by_role("button", name="Ajouter une plage le samedi").click()
    saturday_from = page.get_by_label("De (samedi)", exact=True)
    expect(saturday_from).to_have_count(2)
    expect(saturday_from.nth(1)).to_be_focused()
    saturday_from.nth(1).fill("13:00")
    page.get_by_label("à (samedi)", exact=True).nth(1).fill("15:00")
    page.locator("input[name=_continue]").click()

    overlap = page.locator(".weekly-grid__range--error")
    expect(overlap).to_have_count(1)
    expect(overlap).to_contain_text("Cette plage chevauche celle de 8 h 30 à 12 h le même jour.")
    assert list(point.opening_hours.values_list("weekday", "opens", "closes")) == [
        (0, time(8, 30), time(16, 30))
    ]

    # What was typed is still there, the added range too: correct the afternoon and save.
    expect(page.get_by_label("De (samedi)", exact=True)).to_have_count(2)
    page.get_by_label("De (lundi)", exact=True).nth(1).fill("13:00")
    page.locator("input[name=_continue]").click()

    expect(page.locator(".messagelist")).to_be_visible()
    assert list(
        point.opening_hours.order_by("weekday", "opens").values_list("weekday", "opens", "closes")
    ) == [
        (0, time(8, 30), time(12)),
        (0, time(13), time(16, 30)),
        (5, time(9), time(12)),
        (5, time(13), time(15)),
    ]
    page.context.problems.assert_clean()


def test_the_adviser_list_fits_1280_px(page, live_url):
    region = factories.RegionFactory(code="11", name_fr="Gaspésie–Îles-de-la-Madeleine")
    point = factories.ServicePointFactory(
        municipality=factories.MunicipalityFactory(name="Saint-Jean-sur-Richelieu", region=region)
    )
    factories.AdvisorFactory(
        home_service_point=point,
        user__first_name="Marie-Ève",
        user__last_name="Beauchemin-Desrosiers",
        user__email="marie-eve.beauchemin-desrosiers@midi.example",
    )

    sign_in_to_the_admin(page, "/admin/advisors/advisor/")

    expect(page.locator("#result_list")).to_contain_text("Beauchemin-Desrosiers")
    widths = page.evaluate(
        "() => ({table: document.querySelector('#result_list').scrollWidth,"
        " room: document.querySelector('.results').clientWidth,"
        " page: document.documentElement.scrollWidth})"
    )
    assert widths["table"] <= widths["room"] and widths["page"] <= 1280, widths
    page.context.problems.assert_clean()
