"""The audit trail of roles: who gave or took which role from whom, when, before → after, whichever
path made the change (the admin, the ORM in a command or the shell), and who may read it."""

import pytest
from django.test import Client
from django.urls import reverse

from advisors.models import Advisor
from audit.models import RoleChange
from audit.role_changes import acting_as, label
from tests import factories
from tests.admin_forms import admin_form_data

pytestmark = pytest.mark.django_db

What = RoleChange.What


def admin_save(client, url: str, **changes):
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, {**admin_form_data(page), **changes})
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def rows(**filters) -> list[RoleChange]:
    return list(RoleChange.objects.filter(**filters).order_by("pk"))


@pytest.fixture
def staff_client(administrator):
    client = Client()
    client.force_login(administrator)
    return client


# Through the admin: the administrator is recorded as the actor.


def test_making_someone_staff_in_the_admin_records_the_administrator(staff_client, administrator, new_user):
    admin_save(staff_client, reverse("admin:accounts_user_change", args=[new_user.pk]), is_staff="on")
    (change,) = rows(subject=new_user)
    assert (change.what, change.before, change.after) == (What.STAFF, False, True)
    assert change.actor == administrator and change.actor_label == label(administrator)
    assert change.subject_label == label(new_user) and change.directorate is None


def test_changing_a_directorate_manager_in_the_admin_records_both_people(
    network, staff_client, administrator, new_user
):
    directorate = network.directorate_a
    previous = directorate.manager
    RoleChange.objects.all().delete()
    admin_save(
        staff_client,
        reverse("admin:midi_regions_regionaldirectorate_change", args=[directorate.pk]),
        manager=new_user.pk,
    )
    left, arrived = rows()
    name = directorate.name_fr
    assert (left.subject, left.what, left.before, left.after) == (previous, What.MANAGER, name, None)
    assert (arrived.subject, arrived.what, arrived.before, arrived.after) == (
        new_user,
        What.MANAGER,
        None,
        name,
    )
    assert {left.directorate, arrived.directorate} == {directorate}
    assert {left.actor, arrived.actor} == {administrator}


def test_creating_an_adviser_in_the_admin_records_the_record_and_its_lists(
    network, staff_client, administrator, new_user
):
    url = reverse("admin:advisors_advisor_add")
    admin_save(
        staff_client,
        url,
        user=new_user.pk,
        home_service_point=network.point_a.pk,
        service_points=[network.point_a.pk],
        topics=[network.topic.pk],
        languages=list(network.advisor_a.languages.values_list("pk", flat=True)),
    )
    changes = {c.what: c for c in rows(subject=new_user)}
    assert set(changes) == {
        What.ADVISER_CREATED,
        What.ADVISER_SERVICE_POINTS,
        What.ADVISER_TOPICS,
        What.ADVISER_LANGUAGES,
    }
    created = changes[What.ADVISER_CREATED]
    assert created.before is None
    assert created.after == f"{network.point_a.host_office} ({network.directorate_a.name_fr})"
    assert (changes[What.ADVISER_SERVICE_POINTS].before, changes[What.ADVISER_SERVICE_POINTS].after) == (
        [],
        ["trois-rivieres"],
    )
    assert changes[What.ADVISER_TOPICS].after == ["temporary-immigration"]
    assert changes[What.ADVISER_LANGUAGES].after == ["en", "fr"]
    assert {c.actor for c in changes.values()} == {administrator}
    assert {c.directorate for c in changes.values()} == {network.directorate_a}


def test_changing_an_advisers_topics_in_the_admin_is_one_row_from_first_to_last_value(
    network, staff_client, administrator
):
    advisor = network.advisor_a
    other_topic = factories.TopicFactory(code="financial-aid")
    admin_save(
        staff_client, reverse("admin:advisors_advisor_change", args=[advisor.pk]), topics=[other_topic.pk]
    )
    # The admin's set() removes, then adds: one row all the same.
    (change,) = rows(subject=advisor.user, what=What.ADVISER_TOPICS, actor=administrator)
    assert (change.before, change.after) == (["temporary-immigration"], ["financial-aid"])
    assert change.directorate == network.directorate_a


def test_saving_an_adviser_unchanged_in_the_admin_records_nothing(network, staff_client):
    advisor = network.advisor_a
    count = RoleChange.objects.count()
    admin_save(staff_client, reverse("admin:advisors_advisor_change", args=[advisor.pk]))
    assert RoleChange.objects.count() == count


# Through the ORM (a command, the shell): no actor, unless the command names one.


def test_making_someone_staff_in_the_shell_records_no_actor(new_user):
    new_user.is_staff = True
    new_user.save()
    (change,) = rows(subject=new_user)
    assert (change.what, change.before, change.after, change.actor, change.actor_label) == (
        What.STAFF,
        False,
        True,
        None,
        "",
    )


def test_a_command_may_name_who_acts(new_user, administrator):
    with acting_as(administrator):
        new_user.is_active = False
        new_user.save(update_fields=["is_active"])
    (change,) = rows(subject=new_user)
    assert (change.what, change.before, change.after) == (What.ACTIVE, True, False)
    assert change.actor == administrator


def test_a_new_superuser_is_recorded(db):
    from accounts.models import User

    user = User.objects.create_superuser("root@example.org", "x")
    assert {(c.what, c.before, c.after) for c in rows(subject=user)} == {
        (What.STAFF, None, True),
        (What.SUPERUSER, None, True),
    }


def test_changing_a_directorate_manager_in_the_shell(network, new_user):
    directorate = network.directorate_a
    previous = directorate.manager
    directorate.manager = new_user
    directorate.save(update_fields=["manager"])
    *_setup, left, arrived = rows(what=What.MANAGER, directorate=directorate)
    name = directorate.name_fr
    assert (left.subject, left.before, left.after, left.actor) == (previous, name, None, None)
    assert (arrived.subject, arrived.before, arrived.after, arrived.actor) == (new_user, None, name, None)


def test_creating_an_adviser_in_the_shell(network, new_user):
    advisor = Advisor.objects.create(user=new_user, home_service_point=network.point_b)
    advisor.topics.add(network.topic)
    created, topics = rows(subject=new_user)
    assert (created.what, created.after, created.directorate, created.actor) == (
        What.ADVISER_CREATED,
        f"{network.point_b.host_office} ({network.directorate_b.name_fr})",
        network.directorate_b,
        None,
    )
    assert (topics.what, topics.before, topics.after) == (What.ADVISER_TOPICS, [], ["temporary-immigration"])


def test_changing_an_advisers_topics_in_the_shell_either_side(network):
    advisor = network.advisor_a
    other_topic = factories.TopicFactory(code="financial-aid")
    advisor.topics.add(other_topic)
    other_topic.advisors.remove(advisor)  # the reverse side is recorded too
    advisor.topics.clear()
    assert [(c.before, c.after) for c in rows(subject=advisor.user, what=What.ADVISER_TOPICS)][-3:] == [
        (["temporary-immigration"], ["financial-aid", "temporary-immigration"]),
        (["financial-aid", "temporary-immigration"], ["temporary-immigration"]),
        (["temporary-immigration"], []),
    ]


def test_moving_an_adviser_to_another_directorate_shows_in_both(network, manager, other_manager):
    advisor = network.advisor_a
    advisor.home_service_point = network.point_b
    advisor.save()
    (change,) = rows(what=What.ADVISER_HOME)
    assert change.before == f"{network.point_a.host_office} ({network.directorate_a.name_fr})"
    assert change.after == f"{network.point_b.host_office} ({network.directorate_b.name_fr})"
    assert (change.directorate, change.previous_directorate) == (network.directorate_b, network.directorate_a)
    for person, directorate in ((manager, network.directorate_a), (other_manager, network.directorate_b)):
        client = Client()
        client.force_login(person)
        page = client.get(reverse("midi_regions:audit", kwargs={"code": directorate.code}))
        assert [r.get("role") for r in page.context["rows"]].count(What.ADVISER_HOME) == 1


def test_deactivating_and_removing_an_adviser(network):
    advisor = network.advisor_b
    advisor.is_active = False
    advisor.save(update_fields=["is_active"])
    user = advisor.user
    advisor.delete()
    deactivated, removed = rows(subject=user, what__in=[What.ADVISER_ACTIVE, What.ADVISER_REMOVED])
    assert (deactivated.what, deactivated.before, deactivated.after) == (What.ADVISER_ACTIVE, True, False)
    assert (removed.what, removed.after, removed.directorate) == (
        What.ADVISER_REMOVED,
        None,
        network.directorate_b,
    )


def test_an_employers_company_link_is_recorded(employer_a, network):
    profile = employer_a.employer_profile
    company = profile.company
    other = factories.CompanyFactory(municipality=network.municipality_a)
    profile.company = other
    profile.save()
    created, moved = rows(subject=employer_a)
    assert (created.what, created.before, created.after) == (
        What.EMPLOYER_COMPANY,
        None,
        f"{company.legal_name} (NEQ {company.neq})",
    )
    assert (moved.before, moved.after) == (created.after, f"{other.legal_name} (NEQ {other.neq})")


def test_deleting_a_manager_keeps_their_name_in_the_trail(network):
    manager = network.directorate_b.manager
    manager.is_staff = True
    manager.save()
    manager.delete()
    trail = rows(subject_label=label(manager))
    assert [(c.what, c.before, c.after) for c in trail] == [
        (What.MANAGER, None, network.directorate_b.name_fr),  # the network was set up
        (What.STAFF, False, True),
        (What.STAFF, True, None),  # deleted: both roles end
        (What.MANAGER, network.directorate_b.name_fr, None),
    ]
    assert {c.subject_id for c in trail} == {None}
    assert trail[-1].directorate == network.directorate_b


# What is not a role change costs nothing.


def test_a_login_records_nothing_and_costs_no_query(new_user, django_assert_num_queries):
    count = RoleChange.objects.count()
    with django_assert_num_queries(1):  # the UPDATE itself
        new_user.save(update_fields=["last_login"])
    Client().force_login(new_user)
    assert RoleChange.objects.count() == count


def test_an_unrelated_save_records_nothing(network, django_assert_num_queries):
    count = RoleChange.objects.count()
    user = network.advisor_a.user
    user.first_name = "Renée"
    with django_assert_num_queries(2):  # the old flags, the UPDATE
        user.save()
    advisor = Advisor.objects.get(pk=network.advisor_a.pk)
    advisor.travel_radius_km = 10
    advisor.save()
    with django_assert_num_queries(1):
        advisor.save(update_fields=["travel_radius_km"])
    directorate = network.directorate_a
    directorate.name_en = "Mauricie"
    directorate.save(update_fields=["name_en"])
    assert RoleChange.objects.count() == count


# Who may read it.


def test_a_manager_sees_their_directorates_role_changes_only(network, manager, other_manager):
    topic = factories.TopicFactory(code="financial-aid")
    network.advisor_a.topics.add(topic)
    network.advisor_b.languages.clear()
    other_manager.is_staff = True  # national only
    other_manager.save()
    RoleChange.objects.filter(subject=other_manager).update(subject_label="Marked")
    client = Client()
    client.force_login(manager)
    page = client.get(reverse("midi_regions:audit", kwargs={"code": network.directorate_a.code}))
    role_rows = [r for r in page.context["rows"] if r["kind"] == "role"]
    people = {r["adviser"] for r in role_rows}
    assert label(network.advisor_a.user) in people and label(manager) in people
    assert label(network.advisor_b.user) not in people and "Marked" not in people
    topics = next(r for r in role_rows if r["role"] == What.ADVISER_TOPICS)
    assert topics["before"] == "temporary-immigration"
    assert topics["after"] == "financial-aid, temporary-immigration"
    html = page.content.decode()
    assert "financial-aid, temporary-immigration" in html
    other_page = client.get(reverse("midi_regions:audit", kwargs={"code": network.directorate_b.code}))
    assert other_page.status_code == 404


def test_the_national_page_is_for_administrators_only(
    network, employer_a, advisor, manager, administrator, new_user
):
    new_user.is_staff = True
    new_user.save()
    url = reverse("midi_regions:national_audit")
    assert Client().get(url).status_code == 302
    for person, status in ((employer_a, 403), (advisor, 403), (manager, 404), (administrator, 200)):
        client = Client()
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == status, person
    changes = response.context["changes"]
    assert any(c.subject == new_user and c.what == What.STAFF for c in changes)
    assert label(new_user) in response.content.decode()


def test_the_audit_pages_cost_the_same_whatever_the_volume(
    network, manager, administrator, django_assert_max_num_queries
):
    def add_changes(n):
        for i in range(n):
            user = factories.UserFactory()
            user.is_staff = True
            user.save()
            network.advisor_a.topics.add(factories.TopicFactory(code=f"topic-volume-{n}-{i}"))
        network.advisor_a.home_service_point = network.point_b
        network.advisor_a.save()
        network.advisor_a.home_service_point = network.point_a
        network.advisor_a.save()

    directorate_page = reverse("midi_regions:audit", kwargs={"code": network.directorate_a.code})
    national_page = reverse("midi_regions:national_audit")
    as_manager, as_admin = Client(), Client()
    as_manager.force_login(manager)
    as_admin.force_login(administrator)
    for n in (1, 20):
        add_changes(n)
        # The user, the directorate, the four kinds of rows, the menu's inbox count.
        with django_assert_max_num_queries(7):
            assert as_manager.get(directorate_page).status_code == 200
        with django_assert_max_num_queries(2):  # the user, the role changes
            assert as_admin.get(national_page).status_code == 200


def test_the_admin_shows_the_trail_read_only(staff_client, new_user):
    new_user.is_staff = True
    new_user.save()
    change = RoleChange.objects.get(subject=new_user)
    listing = staff_client.get(reverse("admin:audit_rolechange_changelist"))
    assert listing.status_code == 200 and label(new_user) in listing.content.decode()
    assert staff_client.get(reverse("admin:audit_rolechange_add")).status_code == 403
    assert staff_client.get(reverse("admin:audit_rolechange_delete", args=[change.pk])).status_code == 403
    page = staff_client.post(reverse("admin:audit_rolechange_change", args=[change.pk]), {"after": "false"})
    assert page.status_code == 403
    change.refresh_from_db()
    assert change.after is True


def test_a_closed_account_can_be_forgotten_in_the_trail(employer_a):
    from audit.role_changes import forget_person

    real = label(employer_a)
    employer_a.email, employer_a.first_name, employer_a.last_name = "closed-1@invalid.example", "", ""
    employer_a.save()
    assert forget_person(employer_a) == 1  # the company link recorded at sign-up
    assert not RoleChange.objects.filter(subject_label=real).exists()
