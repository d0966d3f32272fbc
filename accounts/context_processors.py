"""Template context: the current user's role, for navigation, and their request inbox count."""

from accounts.access import Role, role_of


def _inbox_count(user, role) -> int:
    from consultations.models import ConsultationRequest

    if role == Role.MANAGER:
        return ConsultationRequest.objects.filter(
            status=ConsultationRequest.Status.MANAGER, assigned_manager=user
        ).count()
    return ConsultationRequest.objects.filter(
        status=ConsultationRequest.Status.ASSIGNED, assigned_advisor__user=user
    ).count()


def roles(request):
    user = getattr(request, "user", None)
    role = role_of(user)
    context = {"role": role.value}
    if role in (Role.ADVISOR, Role.MANAGER):
        # A callable: counted only when a template shows it (one indexed COUNT).
        context["inbox_count"] = lambda: _inbox_count(user, role)
    return context
