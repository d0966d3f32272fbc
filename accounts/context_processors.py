"""Template context: the current user's role, for navigation."""

from accounts.access import role_of


def roles(request):
    return {"role": role_of(getattr(request, "user", None)).value}
