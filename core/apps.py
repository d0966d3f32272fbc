from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Infrastructure")

    def ready(self):
        from core.collation import register_sqlite_collation

        # SQLite has no French collation: each new connection gets ours (core.collation).
        connection_created.connect(register_sqlite_collation, dispatch_uid="midi-french-collation")
