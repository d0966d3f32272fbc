"""The audit trail of role changes (RoleChange): signal handlers, and who is acting.

Roles come from links (accounts.access): `is_staff`, `RegionalDirectorate.manager`, an Advisor
record (with its home point, points, topics, languages, active flag) and an EmployerProfile.
They change in the Django admin, in commands and in the shell, not through our services, so
model signals record them whichever path is taken: `pre_save` reads the old values (one SELECT,
only when a field concerned may have changed: a `last_login` update costs nothing), `post_save`,
`m2m_changed` and `post_delete` write one row per change, in the transaction of the change.

The actor is the request's user (RoleAuditMiddleware keeps the request in a context variable
and the user is only read when a row is written); outside a request it is None, or whoever
`acting_as` names. Within one request, an adviser's list changed twice (the admin's `set()`
removes, then adds) ends as one row from the first value to the last.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from accounts.models import Company, EmployerProfile, User
from advisors.models import Advisor
from audit.models import RoleChange
from midi_regions.models import RegionalDirectorate
from service_points.models import ServicePoint

What = RoleChange.What

# A zero-argument callable returning the acting user (or None); set per request or by acting_as.
_actor_source: ContextVar = ContextVar("role_audit_actor", default=None)
# Per request: (adviser pk, what) → (row pk, first "before"), to fold repeated list changes.
_open_rows: ContextVar = ContextVar("role_audit_open_rows", default=None)
# Users being deleted: rows about them are written without the foreign key (label only).
_deleting: ContextVar = ContextVar("role_audit_deleting", default=frozenset())

USER_FIELDS = {"is_staff": What.STAFF, "is_superuser": What.SUPERUSER, "is_active": What.ACTIVE}


class RoleAuditMiddleware:
    """Makes the request's user the actor of role changes made while it is handled."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        actor = _actor_source.set(lambda: getattr(request, "user", None))
        rows = _open_rows.set({})
        try:
            return self.get_response(request)
        finally:
            _open_rows.reset(rows)
            _actor_source.reset(actor)


@contextmanager
def acting_as(user):
    """Record role changes made inside the block as done by `user` (commands, scripts)."""
    token = _actor_source.set(lambda: user)
    try:
        yield
    finally:
        _actor_source.reset(token)


def label(user) -> str:
    """A person as the trail keeps them: "Name (email)", or the email alone."""
    name = user.get_full_name()
    return f"{name} ({user.email})" if name else user.email


def forget_person(user) -> int:
    """Rewrite the snapshots naming `user` as the user now reads (an anonymised account closed
    under Law 25: privacy.services). Returns the number of rows rewritten."""
    now = label(user)
    return RoleChange.objects.filter(subject=user).exclude(subject_label=now).update(
        subject_label=now
    ) + RoleChange.objects.filter(actor=user).exclude(actor_label=now).update(actor_label=now)


def _actor():
    source = _actor_source.get()
    user = source() if source else None
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    return user


def _record(what, subject, *, before, after, directorate_id=None, previous_directorate_id=None):
    actor = _actor()
    subject_id = subject.pk if subject.pk not in _deleting.get() else None
    return RoleChange.objects.create(
        actor_id=actor.pk if actor else None,
        actor_label=label(actor) if actor else "",
        subject_id=subject_id,
        subject_label=label(subject),
        what=what,
        before=before,
        after=after,
        directorate_id=directorate_id,
        previous_directorate_id=(
            previous_directorate_id if previous_directorate_id != directorate_id else None
        ),
    )


def _concerned(update_fields, names) -> list:
    """The fields of `names` this save writes (all on a full save), in the order of `names`."""
    if update_fields is None:
        return list(names)
    return [name for name in names if name in update_fields or f"{name}_id" in update_fields]


def _remember_old(instance, update_fields, names) -> None:
    """pre_save: keep the stored values of the fields concerned on the instance (one SELECT)."""
    instance.__dict__.pop("_role_audit_old", None)
    if instance._state.adding or instance.pk is None:
        return
    fields = _concerned(update_fields, names)
    if not fields:
        return
    columns = [instance._meta.get_field(name).attname for name in fields]
    old = type(instance)._base_manager.filter(pk=instance.pk).values(*columns).first()
    if old is not None:
        instance._role_audit_old = old


def _changes(instance) -> dict:
    """post_save: attname → (old, new) for the fields that pre_save saw and that changed."""
    old = instance.__dict__.pop("_role_audit_old", None) or {}
    return {
        column: (value, getattr(instance, column))
        for column, value in old.items()
        if getattr(instance, column) != value
    }


# Users: the staff, superuser and active flags.


def _user_pre_save(sender, instance, update_fields=None, **kwargs):
    _remember_old(instance, update_fields, USER_FIELDS)


def _user_post_save(sender, instance, created, **kwargs):
    if created:
        # A new account is active and holds no role, unless it is made staff at once.
        for field in ("is_staff", "is_superuser"):
            if getattr(instance, field):
                _record(USER_FIELDS[field], instance, before=None, after=True)
        return
    for field, (old, new) in _changes(instance).items():
        directorate_id = None
        if field == "is_active":
            # An adviser's or a manager's account switched on or off concerns their directorate;
            # staff and superuser flags only show on the national page.
            directorate_id = _managed_directorate_id(instance.pk) or _advisor_directorate_id(instance.pk)
        _record(USER_FIELDS[field], instance, before=old, after=new, directorate_id=directorate_id)


def _managed_directorate_id(user_id):
    return RegionalDirectorate.objects.filter(manager_id=user_id).values_list("pk", flat=True).first()


def _advisor_directorate_id(user_id):
    return (
        Advisor.objects.filter(user_id=user_id)
        .values_list("home_service_point__municipality__region__directorate_id", flat=True)
        .first()
    )


def _user_pre_delete(sender, instance, **kwargs):
    _deleting.set(_deleting.get() | {instance.pk})
    # The managed directorate's link is cleared in SQL (SET_NULL, no signal): note it now.
    instance._role_audit_managed = (
        RegionalDirectorate.objects.filter(manager_id=instance.pk).values("pk", "name_fr").first()
    )


def _user_post_delete(sender, instance, **kwargs):
    for field in ("is_staff", "is_superuser"):
        if getattr(instance, field):
            _record(USER_FIELDS[field], instance, before=True, after=None)
    managed = instance.__dict__.pop("_role_audit_managed", None)
    if managed:
        _record(What.MANAGER, instance, before=managed["name_fr"], after=None, directorate_id=managed["pk"])
    _deleting.set(_deleting.get() - {instance.pk})


# Regional managers: RegionalDirectorate.manager.


def _directorate_pre_save(sender, instance, update_fields=None, **kwargs):
    _remember_old(instance, update_fields, ("manager",))


def _directorate_post_save(sender, instance, created, **kwargs):
    if created:
        old, new = None, instance.manager_id
    else:
        old, new = _changes(instance).get("manager_id", (None, None))
    if old == new:
        return
    users = User._base_manager.in_bulk([pk for pk in (old, new) if pk is not None])
    if old in users:
        _record(What.MANAGER, users[old], before=instance.name_fr, after=None, directorate_id=instance.pk)
    if new in users:
        _record(What.MANAGER, users[new], before=None, after=instance.name_fr, directorate_id=instance.pk)


def _directorate_post_delete(sender, instance, **kwargs):
    if instance.manager_id is not None:
        manager = User._base_manager.filter(pk=instance.manager_id).first()
        if manager is not None:
            _record(What.MANAGER, manager, before=instance.name_fr, after=None)


# Advisers: the record, its active flag and its home service point (hence its directorate).


def _points(*pks) -> dict:
    """Service point pk → (readable label, directorate pk), in one query."""
    rows = ServicePoint.objects.filter(pk__in=[pk for pk in pks if pk is not None]).values_list(
        "pk",
        "host_office",
        "municipality__region__directorate_id",
        "municipality__region__directorate__name_fr",
    )
    return {pk: (f"{office} ({name})", directorate_id) for pk, office, directorate_id, name in rows}


def _advisor_pre_save(sender, instance, update_fields=None, **kwargs):
    _remember_old(instance, update_fields, ("is_active", "home_service_point"))


def _advisor_post_save(sender, instance, created, **kwargs):
    if created:
        home, directorate_id = _points(instance.home_service_point_id)[instance.home_service_point_id]
        _record(What.ADVISER_CREATED, instance.user, before=None, after=home, directorate_id=directorate_id)
        return
    changes = _changes(instance)
    if not changes:
        return
    old_home, new_home = changes.get("home_service_point_id", (None, instance.home_service_point_id))
    points = _points(old_home, new_home)
    new_label, directorate_id = points[new_home]
    if old_home is not None:
        old_label, old_directorate_id = points.get(old_home, (None, None))
        _record(
            What.ADVISER_HOME,
            instance.user,
            before=old_label,
            after=new_label,
            directorate_id=directorate_id,
            previous_directorate_id=old_directorate_id,
        )
    if "is_active" in changes:
        old, new = changes["is_active"]
        _record(What.ADVISER_ACTIVE, instance.user, before=old, after=new, directorate_id=directorate_id)


def _advisor_post_delete(sender, instance, **kwargs):
    home, directorate_id = _points(instance.home_service_point_id).get(
        instance.home_service_point_id, (None, None)
    )
    user = User._base_manager.filter(pk=instance.user_id).first()
    if user is not None:
        _record(What.ADVISER_REMOVED, user, before=home, after=None, directorate_id=directorate_id)


# Advisers' lists: service points, topics, languages (many-to-many, either side).

M2M = {
    Advisor.service_points.through: (What.ADVISER_SERVICE_POINTS, "servicepoint"),
    Advisor.topics.through: (What.ADVISER_TOPICS, "topic"),
    Advisor.languages.through: (What.ADVISER_LANGUAGES, "language"),
}


def _codes(through, target: str, advisor_ids) -> dict:
    """Adviser pk → sorted codes of the list, in one query."""
    codes = {pk: [] for pk in advisor_ids}
    rows = through.objects.filter(advisor_id__in=advisor_ids).values_list("advisor_id", f"{target}__code")
    for advisor_id, code in rows:
        codes[advisor_id].append(code)
    return {pk: sorted(values) for pk, values in codes.items()}


def _advisor_m2m_changed(sender, instance, action, reverse, pk_set, **kwargs):
    what, target = M2M[sender]
    if action.startswith("pre_"):
        if not reverse:
            advisor_ids = [instance.pk]
        elif action == "pre_clear":
            advisor_ids = list(
                sender.objects.filter(**{f"{target}_id": instance.pk}).values_list("advisor_id", flat=True)
            )
        else:
            advisor_ids = list(pk_set or ())
        instance._role_audit_lists = (advisor_ids, _codes(sender, target, advisor_ids))
        return
    advisor_ids, before = instance.__dict__.pop("_role_audit_lists", ((), {}))
    if not advisor_ids:
        return
    after = _codes(sender, target, advisor_ids)
    changed = [pk for pk in advisor_ids if before[pk] != after[pk]]
    if not changed:
        return
    advisors = Advisor.objects.filter(pk__in=changed).select_related(
        "user", "home_service_point__municipality__region"
    )
    advisors = {a.pk: a for a in advisors}
    open_rows = _open_rows.get()
    for pk in changed:
        key = (pk, what)
        if open_rows is not None and key in open_rows:
            row_pk, first_before = open_rows[key]
            rows = RoleChange.objects.filter(pk=row_pk, what=what)
            if first_before == after[pk]:  # back where the request started: nothing happened
                rows.delete()
                del open_rows[key]
                continue
            if rows.update(after=after[pk]):
                continue
        advisor = advisors[pk]
        row = _record(
            what,
            advisor.user,
            before=before[pk],
            after=after[pk],
            directorate_id=advisor.home_service_point.municipality.region.directorate_id,
        )
        if open_rows is not None:
            open_rows[key] = (row.pk, before[pk])


# Employers: the EmployerProfile linking a user to a company.


def _companies(*pks) -> dict:
    rows = Company.objects.filter(pk__in=[pk for pk in pks if pk is not None]).values_list(
        "pk", "legal_name", "neq"
    )
    return {pk: f"{name} (NEQ {neq})" for pk, name, neq in rows}


def _employer_pre_save(sender, instance, update_fields=None, **kwargs):
    _remember_old(instance, update_fields, ("company",))


def _employer_post_save(sender, instance, created, **kwargs):
    if created:
        old, new = None, instance.company_id
    else:
        old, new = _changes(instance).get("company_id", (None, None))
    if old == new:
        return
    companies = _companies(old, new)
    _record(What.EMPLOYER_COMPANY, instance.user, before=companies.get(old), after=companies.get(new))


def _employer_post_delete(sender, instance, **kwargs):
    user = User._base_manager.filter(pk=instance.user_id).first()
    if user is not None:
        before = _companies(instance.company_id).get(instance.company_id)
        _record(What.EMPLOYER_COMPANY, user, before=before, after=None)


def connect() -> None:
    """Connect the handlers (MidiRegionsConfig.ready)."""
    handlers = [
        (pre_save, User, _user_pre_save),
        (post_save, User, _user_post_save),
        (pre_delete, User, _user_pre_delete),
        (post_delete, User, _user_post_delete),
        (pre_save, RegionalDirectorate, _directorate_pre_save),
        (post_save, RegionalDirectorate, _directorate_post_save),
        (post_delete, RegionalDirectorate, _directorate_post_delete),
        (pre_save, Advisor, _advisor_pre_save),
        (post_save, Advisor, _advisor_post_save),
        (post_delete, Advisor, _advisor_post_delete),
        (pre_save, EmployerProfile, _employer_pre_save),
        (post_save, EmployerProfile, _employer_post_save),
        (post_delete, EmployerProfile, _employer_post_delete),
    ]
    handlers += [(m2m_changed, through, _advisor_m2m_changed) for through in M2M]
    for signal, sender, handler in handlers:
        signal.connect(
            handler,
            sender=sender,
            weak=False,
            dispatch_uid=f"role-audit-{sender._meta.label_lower}-{handler.__name__}",
        )
