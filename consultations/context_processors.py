"""Template context: the signed-in adviser's or manager's count of requests waiting for them."""

from accounts.access import Role, role_of
from consultations.models import ConsultationRequest


def _inbox_count(user, role) -> int:
    if role == Role.MANAGER:
        return ConsultationRequest.objects.filter(
            status=ConsultationRequest.Status.MANAGER, assigned_manager=user
        ).count()
    return ConsultationRequest.objects.filter(
        status=ConsultationRequest.Status.ASSIGNED, assigned_advisor__user=user
    ).count()


def inbox(request):
    user = getattr(request, "user", None)
    role = role_of(user)
    if role not in (Role.ADVISOR, Role.MANAGER):
        return {}
    # A callable: counted only when a template shows it (one indexed COUNT).
    return {"inbox_count": lambda: _inbox_count(user, role)}
