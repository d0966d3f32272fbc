"""Builders that load the real network (data/network.json + the gazetteer files) idempotently.

`seed_network` calls `seed_network()`; tests call the same function, so the demo site and the
test database share one cast. Every builder upserts by a natural key (codes,
emails) and only writes what differs, so a second run changes nothing.
"""

import json
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.backends import forget_all_users
from accounts.models import Company, EmployerProfile, User
from advisors.models import Advisor, Language
from advisors.seeding import sync_weekly_availability, weekly_plan
from appointments.models import Topic
from company_files.models import Program, RequiredDocument, Stage, Transition
from company_files.seeding import load_programs
from core.page_cache import bump_catalogue_version
from midi_regions.models import AdministrativeRegion, RegionalDirectorate
from referrals.models import PartnerMember, PartnerOffice, PartnerOrganisation
from service_points import gazetteer
from service_points.folding import fold
from service_points.forms import forget_gazetteer_names
from service_points.models import Mrc, Municipality, MunicipalityAlias, OpeningHours, ServicePoint

NETWORK_FILE = Path(settings.BASE_DIR) / "midi_regions" / "data" / "network.json"

LANGUAGES = [
    ("fr", "Français", "French"),
    ("en", "Anglais", "English"),
    ("es", "Espagnol", "Spanish"),
    ("ar", "Arabe", "Arabic"),
    ("zh", "Mandarin", "Mandarin"),
    ("pt", "Portugais", "Portuguese"),
]

DEMO_PASSWORD = "demo-midi-2026"  # documented in the README; only set with --demo-users
DEMO_ADMIN_EMAIL = "admin@midi.example"
DEMO_EMPLOYER_EMAIL = "employeur@entreprise.example"
DEMO_PARTNER_EMAIL = "marc.bergeron@servicesquebec.example"


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, *, created: bool = False, updated: bool = False, n: int = 1) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + n
        if updated:
            self.updated[kind] = self.updated.get(kind, 0) + n

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _upsert(model, lookup: dict, values: dict, report: SeedReport, kind: str):
    """get_or_create by lookup, then save only the fields whose value differs."""
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if created:
        report.add(kind, created=True)
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        report.add(kind, updated=True)
    return obj


def _set_m2m(manager, objects, report: SeedReport, kind: str) -> None:
    wanted = {o.pk for o in objects}
    if set(manager.values_list("pk", flat=True)) != wanted:
        manager.set(objects)
        report.add(kind, updated=True)


def _upsert_user(person: dict, report: SeedReport, *, password: str | None) -> User:
    """A person of the data file: names, and the grammatical gender French sentences about them
    agree with (written in the data for each staff member, never guessed from the first name)."""
    user = _upsert(
        User,
        {"email": person["email"].lower()},
        {
            "first_name": person["first_name"],
            "last_name": person["last_name"],
            "grammatical_gender": person["grammatical_gender"],
        },
        report,
        "users",
    )
    if password and (not user.password or not user.has_usable_password()):
        # `password` is already hashed once per run: hashing 60 times would take seconds.
        # A demo user who changed their password keeps it.
        user.password = password
        user.save(update_fields=["password"])
    elif not password and not user.password:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if password:
        # Demo accounts sign in at once: their address counts as verified.
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    return user


def load_network() -> dict:
    with NETWORK_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)


def seed_gazetteer(regions: dict[str, AdministrativeRegion], report: SeedReport) -> dict[str, Municipality]:
    """Bulk upsert of the official list (~100 MRCs, ~1 100 municipalities, their aliases) by code,
    in a handful of queries; aliases no longer in the file are removed."""
    rows = gazetteer.municipality_rows()
    mrcs = {m.code: m for m in Mrc.objects.all()}
    for row in rows:
        values = {"name": row.mrc_name, "region": regions[row.region_code]}
        current = mrcs.get(row.mrc_code)
        if current is None:
            mrcs[row.mrc_code] = Mrc.objects.create(code=row.mrc_code, **values)
            report.add("MRCs", created=True)
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            current.save()
            report.add("MRCs", updated=True)

    existing = {m.code: m for m in Municipality.objects.all()}
    fields = [
        "name",
        "designation",
        "mrc",
        "region",
        "latitude",
        "longitude",
        "population",
        "geonames_id",
        "time_zone",
    ]
    to_create, to_update = [], []
    for row in rows:
        values = {
            "name": row.name,
            "designation": row.designation,
            "mrc": mrcs[row.mrc_code],
            "region": regions[row.region_code],
            "latitude": row.latitude,
            "longitude": row.longitude,
            "population": row.population,
            "geonames_id": row.geonames_id,
            "time_zone": row.time_zone,
        }
        current = existing.get(row.code)
        if current is None:
            to_create.append(Municipality(code=row.code, search_name=fold(row.name), **values))
        elif any(getattr(current, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(current, k, v)
            current.search_name = fold(row.name)
            to_update.append(current)
    Municipality.objects.bulk_create(to_create, batch_size=500)
    Municipality.objects.bulk_update(to_update, [*fields, "search_name"], batch_size=500)
    report.add("municipalities", created=bool(to_create), n=len(to_create))
    report.add("municipalities", updated=bool(to_update), n=len(to_update))
    municipalities = {m.code: m for m in Municipality.objects.all()}

    wanted = {(fold(a.name), municipalities[a.municipality_code].pk): a for a in gazetteer.alias_rows()}
    current_aliases = {(a.search_name, a.municipality_id): a for a in MunicipalityAlias.objects.all()}
    stale = [a.pk for key, a in current_aliases.items() if key not in wanted]
    changed = [
        a
        for key, a in current_aliases.items()
        if key in wanted and (a.name, a.kind) != (wanted[key].name, wanted[key].kind)
    ]
    for alias in changed:
        alias.name, alias.kind = (
            wanted[(alias.search_name, alias.municipality_id)].name,
            wanted[(alias.search_name, alias.municipality_id)].kind,
        )
    missing = [
        MunicipalityAlias(name=a.name, kind=a.kind, municipality_id=pk, search_name=key)
        for (key, pk), a in wanted.items()
        if (key, pk) not in current_aliases
    ]
    MunicipalityAlias.objects.filter(pk__in=stale).delete()
    MunicipalityAlias.objects.bulk_update(changed, ["name", "kind"])
    MunicipalityAlias.objects.bulk_create(missing, batch_size=500)
    if stale or changed or missing:
        report.add("aliases", updated=bool(stale or changed), created=bool(missing), n=len(missing) or 1)
    return municipalities


def seed_opening_hours(point: ServicePoint, hours: list[dict], report: SeedReport) -> None:
    wanted = {
        (day, time.fromisoformat(h["opens"]), time.fromisoformat(h["closes"]))
        for h in hours
        for day in h["weekdays"]
    }
    current = {(oh.weekday, oh.opens, oh.closes): oh for oh in point.opening_hours.all()}
    stale = [oh.pk for key, oh in current.items() if key not in wanted]
    missing = [
        OpeningHours(service_point=point, weekday=d, opens=o, closes=c) for d, o, c in wanted - current.keys()
    ]
    if stale:
        OpeningHours.objects.filter(pk__in=stale).delete()
    if missing:
        OpeningHours.objects.bulk_create(missing)
    if stale or missing:
        report.add("opening hours", updated=True)


@transaction.atomic
def seed_network(*, demo_users: bool = False) -> SeedReport:
    """Load or refresh the whole network. Safe to run on a partly filled database."""
    report = SeedReport()
    data = load_network()
    password = make_password(DEMO_PASSWORD) if demo_users else None
    regions = seed_directorates_and_regions(data, report, password=password)
    municipalities = seed_gazetteer(regions, report)
    languages = seed_languages(report)
    topics = seed_topics(data, report)
    points = seed_service_points(data, municipalities, report)
    seed_advisers(data, points, languages, topics, report, password=password)
    seed_programs(load_programs(), topics, report)
    if demo_users:
        seed_demo_users(password, report)
    forget_gazetteer_names()  # the gazetteer was written in bulk, without signals
    bump_catalogue_version()
    forget_all_users()  # users and links were written in bulk too
    return report


def seed_directorates_and_regions(
    data: dict, report: SeedReport, *, password: str | None
) -> dict[str, AdministrativeRegion]:
    """The directorates with their managers and public contact, then the administrative regions
    they cover."""
    directorates = {}
    for d in data["directorates"]:
        manager = d["manager"]
        user = _upsert_user(manager, report, password=password)
        contact = d.get("contact", {})
        directorates[d["code"]] = _upsert(
            RegionalDirectorate,
            {"code": d["code"]},
            {
                "name_fr": d["name_fr"],
                "name_en": d["name_en"],
                "manager": user,
                "phone": contact.get("phone", ""),
                "email": contact.get("email", ""),
                "address": contact.get("address", ""),
            },
            report,
            "directorates",
        )
    return {
        r["code"]: _upsert(
            AdministrativeRegion,
            {"code": r["code"]},
            {
                "name_fr": r["name_fr"],
                "name_en": r["name_en"],
                "directorate": directorates[r["directorate"]],
            },
            report,
            "regions",
        )
        for r in data["regions"]
    }


def seed_languages(report: SeedReport) -> dict[str, Language]:
    """The languages advisers speak (LANGUAGES)."""
    return {
        code: _upsert(Language, {"code": code}, {"name_fr": fr, "name_en": en}, report, "languages")
        for code, fr, en in LANGUAGES
    }


def seed_topics(data: dict, report: SeedReport) -> dict[str, Topic]:
    """The topics, in the order of the network file."""
    topics = {}
    for position, t in enumerate(data["topics"], start=1):
        topics[t["code"]] = _upsert(
            Topic,
            {"code": t["code"]},
            {
                "name_fr": t["name_fr"],
                "name_en": t["name_en"],
                "description_fr": t.get("description_fr", ""),
                "description_en": t.get("description_en", ""),
                "duration_minutes": t["duration_minutes"],
                "position": position,
            },
            report,
            "topics",
        )
    return topics


def seed_programs(programs: list[dict], topics: dict[str, Topic], report: SeedReport) -> None:
    """Company-file programs with their stages, allowed transitions and required documents
    (company_files/data/programs.json). Stages and documents the file no longer names are kept:
    files may stand on them; an administrator retires them."""
    for position, p in enumerate(programs, start=1):
        program = _upsert(
            Program,
            {"code": p["code"]},
            {
                "name_fr": p["name_fr"],
                "name_en": p["name_en"],
                "description_fr": p["description_fr"],
                "description_en": p["description_en"],
                "topic": topics[p["topic"]],
                "position": position,
            },
            report,
            "programs",
        )
        stages = {
            s["code"]: _upsert(
                Stage,
                {"program": program, "code": s["code"]},
                {
                    "name_fr": s["name_fr"],
                    "name_en": s["name_en"],
                    "position": index,
                    "target_business_days": s["days"],
                    "reason_required_to_leave": s.get("reason", False),
                    "waits_for": s["waits_for"],
                    "closes_file": s.get("closes", False),
                },
                report,
                "stages",
            )
            for index, s in enumerate(p["stages"], start=1)
        }
        wanted = {(stages[a].pk, stages[b].pk) for a, b in p["transitions"]}
        existing = set(
            Transition.objects.filter(from_stage__program=program).values_list("from_stage_id", "to_stage_id")
        )
        missing = wanted - existing
        if missing:
            Transition.objects.bulk_create(Transition(from_stage_id=a, to_stage_id=b) for a, b in missing)
            report.add("transitions", created=True, n=len(missing))
        for index, d in enumerate(p["documents"], start=1):
            _upsert(
                RequiredDocument,
                {"program": program, "name_fr": d["name_fr"]},
                {"name_en": d["name_en"], "is_mandatory": d["mandatory"], "position": index},
                report,
                "required documents",
            )


def seed_service_points(
    data: dict, municipalities: dict[str, Municipality], report: SeedReport
) -> dict[str, ServicePoint]:
    """The service points with their opening hours and territory.

    A point alone in its municipality stands at the municipality's coordinates; the offices of a
    city with several (Montréal, Laval, Québec, Gatineau, Saguenay, Rimouski, Rouyn-Noranda) are
    told apart by the GeoNames position (CC BY 4.0) of their postal code, else of its FSA, written
    in the network file with that method (`coordinates`)."""
    points = {}
    for sp in data["service_points"]:
        municipality = municipalities[sp["municipality_code"]]
        point = _upsert(
            ServicePoint,
            {"code": sp["code"]},
            {
                "host_type": sp["host_type"],
                "host_office": sp["host_office"],
                "street_address": sp["street_address"],
                "postal_code": sp["postal_code"],
                "municipality": municipality,
                "latitude": sp.get("latitude", municipality.latitude),
                "longitude": sp.get("longitude", municipality.longitude),
                "phone": sp.get("phone", ""),
            },
            report,
            "service points",
        )
        seed_opening_hours(point, sp["hours"], report)
        points[sp["code"]] = point
    seed_territories(list(points.values()), report)
    return points


def seed_territories(points: list[ServicePoint], report: SeedReport) -> None:
    """Sectorisation (service_points.territory): each point serves its own administrative region.

    The rule: no region spans the St. Lawrence (north shore: Capitale-Nationale, Mauricie,
    Lanaudière, Laurentides, Outaouais, Abitibi-Témiscamingue, Saguenay–Lac-Saint-Jean, Côte-Nord,
    Nord-du-Québec; south shore: Bas-Saint-Laurent, Gaspésie–Îles-de-la-Madeleine,
    Chaudière-Appalaches, Centre-du-Québec, Estrie, Montérégie; Montréal and Laval are islands) and
    each lies in one directorate, so no point serves the other shore or another directorate's
    employers; every region has a point, so every employer has a territory (Kuujjuaq's,
    Nord-du-Québec, is served from Chibougamau). A point whose territory is already set — by an
    administrator in the admin — keeps it."""
    through = ServicePoint.territory_regions.through
    served = set(through.objects.filter(servicepoint__in=points).values_list("servicepoint_id", flat=True))
    served |= set(
        ServicePoint.territory_mrcs.through.objects.filter(servicepoint__in=points).values_list(
            "servicepoint_id", flat=True
        )
    )
    missing = [
        through(servicepoint_id=p.pk, administrativeregion_id=p.municipality.region_id)
        for p in points
        if p.pk not in served
    ]
    if missing:
        through.objects.bulk_create(missing)
        report.add("territories", created=True, n=len(missing))


def seed_advisers(
    data: dict,
    points: dict[str, ServicePoint],
    languages: dict[str, Language],
    topics: dict[str, Topic],
    report: SeedReport,
    *,
    password: str | None,
) -> None:
    """The advisers: their user, home point, the points, languages and topics they cover, and a
    week of availability at those points' opening hours."""
    hours_by_point: dict[int, dict[int, list]] = {}
    for oh in OpeningHours.objects.all():
        hours_by_point.setdefault(oh.service_point_id, {}).setdefault(oh.weekday, []).append(
            (oh.opens, oh.closes)
        )
    for a in data["advisors"]:
        user = _upsert_user(a, report, password=password)
        advisor = _upsert(
            Advisor,
            {"user": user},
            {
                "home_service_point": points[a["home_service_point"]],
                "travel_radius_km": a["travel_radius_km"],
            },
            report,
            "advisers",
        )
        served = {a["home_service_point"], *a["service_points"]}
        _set_m2m(advisor.service_points, [points[c] for c in sorted(served)], report, "advisers")
        _set_m2m(advisor.languages, [languages[c] for c in a["languages"]], report, "advisers")
        _set_m2m(advisor.topics, [topics[c] for c in a["topics"]], report, "advisers")
        plan = weekly_plan(advisor, [points[c].pk for c in sorted(served)], hours_by_point)
        if sync_weekly_availability(advisor, plan):
            report.add("weekly availability", updated=True)


def seed_demo_users(password: str, report: SeedReport) -> None:
    """An administrator, an employer with a company in Trois-Rivières and a Services Québec
    business adviser there (a partner), see the README."""
    admin = _upsert_user(
        {
            "email": DEMO_ADMIN_EMAIL,
            "first_name": "Camille",
            "last_name": "Administratrice",
            "grammatical_gender": "f",
        },
        report,
        password=password,
    )
    if not (admin.is_staff and admin.is_superuser):
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    # Employers are not asked: sentences addressed to them say « vous ».
    employer = _upsert_user(
        {
            "email": DEMO_EMPLOYER_EMAIL,
            "first_name": "Julie",
            "last_name": "Tremblay",
            "grammatical_gender": "",
        },
        report,
        password=password,
    )
    trois_rivieres = Municipality.objects.get(code="37067")
    company = _upsert(
        Company,
        {"neq": "1170000001"},
        {
            "legal_name": "Usinage Laviolette inc.",
            "sector": Company.Sector.MANUFACTURING,
            "size": Company.Size.MEDIUM,
            "street_address": "1200, boulevard du Saint-Maurice",
            "postal_code": "G9A 3P9",
            "municipality": trois_rivieres,
        },
        report,
        "companies",
    )
    _upsert(
        EmployerProfile,
        {"user": employer},
        # A Trois-Rivières number (area code 819) from the 555-01xx range kept for fiction.
        {"company": company, "job_title": "Directrice RH", "phone": "+18195550101"},
        report,
        "employers",
    )
    # A Services Québec business adviser in Trois-Rivières, who refers companies (referrals).
    partner = _upsert_user(
        {
            "email": DEMO_PARTNER_EMAIL,
            "first_name": "Marc",
            "last_name": "Bergeron",
            "grammatical_gender": "m",
        },
        report,
        password=password,
    )
    organisation = _upsert(
        PartnerOrganisation,
        {"name": "Services Québec"},
        {"kind": PartnerOrganisation.Kind.SERVICES_QUEBEC},
        report,
        "partner organisations",
    )
    office = _upsert(
        PartnerOffice,
        {"organisation": organisation, "name": "Bureau de Services Québec de Trois-Rivières"},
        {"municipality": trois_rivieres},
        report,
        "partner offices",
    )
    _upsert(
        PartnerMember,
        {"user": partner},
        {"organisation": organisation, "office": office, "job_title": "Conseiller aux entreprises"},
        report,
        "partners",
    )
