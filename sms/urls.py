"""The page a text's link opens (sms:link); the employer's preferences are in accounts'
namespace (sms.preference_urls)."""

from django.urls import path
from django.utils.translation import gettext_lazy as _

from sms import views

app_name = "sms"

urlpatterns = [
    path(_("<slug:code>/"), views.link, name="link"),
]
