"""The service point's page: address, hours, telephone, languages, its territory, a "Book here"
action and a plain directions link (no map, script or tile from elsewhere on our page)."""

import re
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

from appointments.models import Mode


def page(client, point) -> str:
    response = client.get(reverse("service_points:detail", args=[point.code]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_what_a_person_needs_to_come(network, client_for):
    point = network.point_a
    point.phone = "819 555-0110"
    point.save()
    point.territory_regions.add(network.region_a)
    html = page(client_for(None), point)
    for text in (point.street_address, point.postal_code, "819 555-0110", "Français", "Mauricie", "8 h 30"):
        assert text in html, text


def test_the_directions_link_carries_the_point_s_coordinates_and_nothing_else_leaves(network, client_for):
    point = network.point_a
    html = page(client_for(None), point)
    link = re.search(r'href="(https://www\.openstreetmap\.org/directions\?[^"]+)"', html).group(1)
    route = parse_qs(urlsplit(link.replace("&amp;", "&")).query)["route"][0]
    assert route == f";{point.latitude:.5f},{point.longitude:.5f}"
    # No map on our page: every script, stylesheet, image and frame comes from our own origin.
    for source in re.findall(r'<(?:script|link|img|iframe)[^>]*\b(?:src|href)="([^"]*)"', html):
        assert source.startswith("/") and not source.startswith("//"), source


def test_book_here_opens_the_booking_form_at_this_point(network, client_for, employer_a):
    html = page(client_for(employer_a), network.point_a)
    link = re.search(r'href="([^"]+)">Prendre rendez-vous ici<', html).group(1).replace("&amp;", "&")
    url = urlsplit(link)
    assert url.path == reverse("appointments:book")
    query = parse_qs(url.query, keep_blank_values=True)
    assert query["mode"] == [Mode.SERVICE_POINT] and query["municipality"] == ["Trois-Rivières"]
    form = client_for(employer_a).get(link).content.decode()
    assert 'value="Trois-Rivières"' in form
    assert re.search(r'value="service_point"[^>]*checked', form)


def test_a_visitor_is_offered_to_book_and_staff_are_not(network, client_for, advisor, manager):
    assert "Prendre rendez-vous ici" in page(client_for(None), network.point_a)
    for person in (advisor, manager):
        assert "Prendre rendez-vous ici" not in page(client_for(person), network.point_a)
