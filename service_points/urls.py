from django.urls import path

from service_points import views

app_name = "service_points"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<slug:code>/", views.detail, name="detail"),
]
