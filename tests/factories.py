"""factory_boy factories and a small hand-made network for tests."""

from dataclasses import dataclass
from datetime import time

import factory
from allauth.account.models import EmailAddress

from accounts.models import Company, EmployerProfile, User
from advisors.models import Advisor, Language
from appointments.models import Topic
from company_files.models import Program
from company_files.seeding import load_programs
from midi_regions.models import AdministrativeRegion, RegionalDirectorate
from referrals.models import PartnerMember, PartnerOffice, PartnerOrganisation
from service_points.models import Mrc, Municipality, OpeningHours, ServicePoint


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name", locale="fr_CA")
    last_name = factory.Faker("last_name", locale="fr_CA")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


class DirectorateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegionalDirectorate

    code = factory.Sequence(lambda n: f"directorate-{n}")
    name_fr = factory.Sequence(lambda n: f"Direction régionale {n}")
    name_en = factory.Sequence(lambda n: f"Regional directorate {n}")
    manager = factory.SubFactory(UserFactory)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdministrativeRegion
        django_get_or_create = ("code",)

    code = "04"
    name_fr = "Mauricie"
    name_en = "Mauricie"
    directorate = factory.SubFactory(DirectorateFactory)


class MrcFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mrc
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n % 100:02d}")  # real MRC codes are digits
    name = factory.Sequence(lambda n: f"MRC {n}")
    region = factory.SubFactory(RegionFactory)


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    # No geographic code starts with 00 (region codes start at 01): never a real municipality's.
    code = factory.Sequence(lambda n: f"00{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Municipalité {n}")
    region = factory.SubFactory(RegionFactory)
    mrc = factory.SubFactory(MrcFactory, region=factory.SelfAttribute("..region"))
    latitude = 46.35
    longitude = -72.55
    population = 1000


class ServicePointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePoint

    code = factory.Sequence(lambda n: f"point-{n}")
    host_type = ServicePoint.HostType.SERVICES_QUEBEC
    host_office = factory.Sequence(lambda n: f"Bureau de Services Québec {n}")
    street_address = "100, rue Principale"
    postal_code = "G9A 5S9"
    municipality = factory.SubFactory(MunicipalityFactory)
    latitude = factory.SelfAttribute("municipality.latitude")
    longitude = factory.SelfAttribute("municipality.longitude")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"topic-{n}")
    name_fr = factory.Sequence(lambda n: f"Sujet {n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
    duration_minutes = 60


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ("code",)

    code = "fr"
    name_fr = "Français"
    name_en = "French"


class AdvisorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Advisor
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    home_service_point = factory.SubFactory(ServicePointFactory)
    travel_radius_km = 80

    @factory.post_generation
    def serves(obj, create, extracted, **kwargs):
        if create:
            obj.service_points.add(obj.home_service_point, *(extracted or []))

    @factory.post_generation
    def speaks(obj, create, extracted, **kwargs):
        if create:
            obj.languages.add(*(extracted or [LanguageFactory()]))

    @factory.post_generation
    def knows(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.topics.add(*extracted)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    legal_name = factory.Sequence(lambda n: f"Entreprise {n} inc.")
    neq = factory.Sequence(lambda n: f"{1140000000 + n}")
    sector = Company.Sector.MANUFACTURING
    size = Company.Size.SMALL
    street_address = "1, rue du Moulin"
    postal_code = "G9A 1A1"
    municipality = factory.SubFactory(MunicipalityFactory)


class EmployerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerProfile

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    # E.164 as the profile form stores it (core.phones); 555-01xx numbers are fictional.
    phone = factory.Sequence(lambda n: f"+181955501{n % 100:02d}")


def partner(*, organisation: str, office: str, municipality=None, **user_fields) -> User:
    """A partner organisation's member (accounts.access.Role.PARTNER), at one of its offices."""
    org, _created = PartnerOrganisation.objects.get_or_create(name=organisation)
    place, _created = PartnerOffice.objects.get_or_create(
        organisation=org, name=office, defaults={"municipality": municipality}
    )
    user = UserFactory(**user_fields)
    PartnerMember.objects.create(
        user=user, organisation=org, office=place, job_title="Conseillère aux entreprises"
    )
    return user


@dataclass
class SmallNetwork:
    directorate_a: RegionalDirectorate
    directorate_b: RegionalDirectorate
    region_a: AdministrativeRegion
    region_b: AdministrativeRegion
    municipality_a: Municipality
    municipality_b: Municipality
    point_a: ServicePoint
    point_b: ServicePoint
    topic: Topic
    advisor_a: Advisor
    advisor_b: Advisor


def small_network() -> SmallNetwork:
    """Two directorates (Mauricie, Montréal), one point and one adviser in each."""
    directorate_a = DirectorateFactory(code="mauricie", name_fr="Direction régionale de la Mauricie")
    directorate_b = DirectorateFactory(code="montreal", name_fr="Direction régionale de Montréal")
    region_a = RegionFactory(code="04", name_fr="Mauricie", name_en="Mauricie", directorate=directorate_a)
    region_b = RegionFactory(code="06", name_fr="Montréal", name_en="Montréal", directorate=directorate_b)
    municipality_a = MunicipalityFactory(
        code="37067",
        name="Trois-Rivières",
        mrc=MrcFactory(code="371", name="Trois-Rivières", region=region_a),
        region=region_a,
        latitude=46.35006,
        longitude=-72.54912,
    )
    municipality_b = MunicipalityFactory(
        code="66023",
        name="Montréal",
        mrc=MrcFactory(code="66", name="Montréal", region=region_b),
        region=region_b,
        latitude=45.50884,
        longitude=-73.58781,
    )
    point_a = ServicePointFactory(code="trois-rivieres", municipality=municipality_a)
    point_b = ServicePointFactory(code="montreal-centre", municipality=municipality_b, postal_code="H2Y 1C6")
    for point in (point_a, point_b):
        for weekday in range(5):
            OpeningHours.objects.create(
                service_point=point, weekday=weekday, opens=time(8, 30), closes=time(16, 30)
            )
    topic = TopicFactory(
        code="temporary-immigration",
        name_fr="Immigration temporaire",
        name_en="Temporary immigration",
    )
    english = LanguageFactory(code="en", name_fr="Anglais", name_en="English")
    advisor_a = AdvisorFactory(home_service_point=point_a, knows=[topic], speaks=[LanguageFactory(), english])
    advisor_b = AdvisorFactory(home_service_point=point_b, knows=[topic])
    return SmallNetwork(
        directorate_a,
        directorate_b,
        region_a,
        region_b,
        municipality_a,
        municipality_b,
        point_a,
        point_b,
        topic,
        advisor_a,
        advisor_b,
    )


def file_programs(topic: Topic) -> dict[str, Program]:
    """The seeded company-file programs (company_files/data/programs.json), every one on `topic`
    (the small network's only topic), by code: the same builder as seed_network."""
    from collections import defaultdict

    from midi_regions.seeding import SeedReport, seed_programs

    seed_programs(load_programs(), defaultdict(lambda: topic), SeedReport())
    return {p.code: p for p in Program.objects.all()}
