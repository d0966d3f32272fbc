from django.contrib import admin
from django.db.models import Count

from .models import Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = (
        "name_fr",
        "name_en",
        "code",
        "duration_minutes",
        "advisor_count",
        "position",
        "is_active",
    )
    list_editable = ("position", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name_fr", "name_en")
    prepopulated_fields = {"code": ("name_en",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_advisor_count=Count("advisors"))

    @admin.display(ordering="_advisor_count")
    def advisor_count(self, obj):
        return obj._advisor_count
