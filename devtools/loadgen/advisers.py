"""The network under the load, and clones of its advisers for larger scales."""

from accounts.models import User
from advisors.models import Advisor, WeeklyAvailability
from advisors.seeding import week_of, weekly_blocks
from midi_regions.seeding import seed_network

from .common import ADVISER_EMAIL, LOAD_ADVISERS, LOAD_EMAIL_DOMAIN, LoadReport, bulk, load_user, rng_for

# What a clone copies from its model, besides the links (`_clone_links`).
CLONED = (
    "home_service_point_id",
    "travel_radius_km",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "max_appointments_per_day",
    "is_active",
)


def ensure_network(report: LoadReport) -> None:
    """Run seed_network() when the real advisers are missing."""
    if not Advisor.objects.exclude(**LOAD_ADVISERS).exists():
        seed_network()
        report.seeded_network = True


def scale_advisers(scale: int, seed: int, report: LoadReport) -> None:
    """(scale - 1) clones of every real adviser: same points, topics, languages and week."""
    real = list(
        Advisor.objects.exclude(**LOAD_ADVISERS)
        .select_related("user")
        .prefetch_related("service_points", "languages", "topics", "weekly_availability")
        .order_by("pk")
    )
    wanted = (scale - 1) * len(real)
    if wanted <= 0:
        return
    existing = set(
        User.objects.filter(email__endswith="@" + LOAD_EMAIL_DOMAIN).values_list("email", flat=True)
    )
    missing = [n for n in range(1, wanted + 1) if ADVISER_EMAIL.format(n) not in existing]
    if not missing:
        return
    source = {n: real[(n - 1) % len(real)] for n in missing}
    clones = _clone_advisers(source, seed, report)
    _clone_links(source, clones, report)


def _clone_advisers(source: dict[int, Advisor], seed: int, report: LoadReport) -> dict[int, int]:
    """Users and advisers for clones n (of source[n]); returns {n: new adviser id}."""
    users = [
        load_user(
            ADVISER_EMAIL.format(n),
            model.user.first_name,
            f"{model.user.last_name} {n}",
            rng_for(seed, "adviser", n),
        )
        for n, model in source.items()
    ]
    bulk(User, users, report, "users")
    user_ids = dict(User.objects.filter(email__in=[u.email for u in users]).values_list("email", "pk"))
    advisers = [
        Advisor(user_id=user_ids[ADVISER_EMAIL.format(n)], **{name: getattr(model, name) for name in CLONED})
        for n, model in source.items()
    ]
    bulk(Advisor, advisers, report, "advisers")
    advisor_ids = dict(Advisor.objects.filter(user_id__in=user_ids.values()).values_list("user_id", "pk"))
    return {n: advisor_ids[user_ids[ADVISER_EMAIL.format(n)]] for n in source}


def _clone_links(source: dict[int, Advisor], clones: dict[int, int], report: LoadReport) -> None:
    """The clones' service points, languages, topics and weekly blocks: their model's."""
    points, languages, topics, weekly = [], [], [], []
    for n, model in source.items():
        pk = clones[n]
        points += [
            Advisor.service_points.through(advisor_id=pk, servicepoint_id=p.pk)
            for p in model.service_points.all()
        ]
        languages += [
            Advisor.languages.through(advisor_id=pk, language_id=x.pk) for x in model.languages.all()
        ]
        topics += [Advisor.topics.through(advisor_id=pk, topic_id=t.pk) for t in model.topics.all()]
        weekly += weekly_blocks(pk, week_of(model))
    bulk(Advisor.service_points.through, points, report, "adviser service points")
    bulk(Advisor.languages.through, languages, report, "adviser languages")
    bulk(Advisor.topics.through, topics, report, "adviser topics")
    bulk(WeeklyAvailability, weekly, report, "weekly availability blocks")
