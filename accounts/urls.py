from django.urls import path
from django.utils.translation import gettext_lazy as _

from accounts import invitation_views, token_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path(_("profile/"), views.profile, name="profile"),
    path(_("api-tokens/"), token_views.api_tokens, name="api_tokens"),
    path(_("api-tokens/<int:pk>/revoke/"), token_views.api_token_revoke, name="api_token_revoke"),
    path(_("colleagues/invite/"), invitation_views.invite, name="invite"),
    path(_("colleagues/invitations/<int:pk>/revoke/"), invitation_views.revoke, name="invitation_revoke"),
    path(_("invitation/<str:token>/"), invitation_views.accept_invitation, name="accept_invitation"),
]
