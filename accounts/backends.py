"""Authentication: allauth's backend (login by email), loading the user's role links at once, and
keeping the result in the cache between requests.

Every signed-in request loads the user from the session. Selecting the profile links in the
same query (employer profile and company, adviser record, managed directorate) lets
`accounts.access.role_of` and `company_of` answer without one more query each; keeping that user
in the cache (Redis in production) saves the query on the next requests. Any change that could
alter what the cached user says is an invalidation (`accounts.apps` connects the signals):
saving or deleting the user, their employer profile, company or adviser record drops that
user's entry; a change to a directorate, municipality or region (rare, and touching many
people) starts a new generation of the whole cache (each entry carries the generation it was
built in; it is read with the current generation in one round trip). Django still checks the
session's password hash against the cached user, so a password change logs other sessions out
as before.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.core.cache import cache

from accounts.models import User

ROLE_LINKS = (
    "employer_profile__company__municipality__region",
    "advisor",
    "managed_directorate",
)
USER_SECONDS = 300
GENERATION_KEY = "auth:users:generation"


def _key(user_id) -> str:
    return f"auth:user:{user_id}"


def forget_users(user_ids) -> None:
    """Drop these users' cached entries (after a change to them or their profile links)."""
    cache.delete_many([_key(pk) for pk in user_ids if pk is not None])


def forget_all_users(**_kwargs) -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # evicted: any new number leaves the old entries unreachable
        cache.set(GENERATION_KEY, 2, None)


def load_user(user_id) -> User | None:
    """The user with their role links, from the cache or the database.

    One cache round trip: the entry and the current generation are read together, and an entry
    stored under an older generation counts as missing."""
    key = _key(user_id)
    found = cache.get_many([GENERATION_KEY, key])
    generation = found.get(GENERATION_KEY)
    if generation is None:
        generation = cache.get_or_set(GENERATION_KEY, 1, None)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    try:
        user = User._default_manager.select_related(*ROLE_LINKS).get(pk=user_id)
    except (User.DoesNotExist, ValueError):
        return None
    cache.set(key, (generation, user), USER_SECONDS)
    return user


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def now_and_after_commit(forget, *args) -> None:
    """Forget now, and again once the change is committed: a request in another process that
    loaded the user between the two (from the rows as they were) is not kept."""
    from django.db import transaction

    forget(*args)
    transaction.on_commit(lambda: forget(*args))


def forget_cached_user_of(model) -> None:
    """Forget the cached signed-in user whenever a row of `model` (with a `user` link) changes."""
    from django.db.models.signals import post_delete, post_save

    def link_changed(sender, instance, **kwargs):
        now_and_after_commit(forget_users, [instance.user_id])

    for signal in (post_save, post_delete):
        signal.connect(
            link_changed, sender=model, weak=False, dispatch_uid=f"users-{model.__name__}-{signal}"
        )
