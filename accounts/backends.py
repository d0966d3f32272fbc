"""Authentication: allauth's backend (login by email), loading the user's role links at once.

Every signed-in request loads the user from the session. Selecting the profile links in the
same query (employer profile and company, adviser record, managed directorate) lets
`accounts.access.role_of` and `company_of` answer without one more query each.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend

from .models import User

ROLE_LINKS = (
    "employer_profile__company__municipality__region",
    "advisor",
    "managed_directorate",
)


class AuthenticationBackend(AllauthBackend):
    def get_user(self, user_id):
        user = User._default_manager.select_related(*ROLE_LINKS).filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
