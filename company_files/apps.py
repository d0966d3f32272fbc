from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CompanyFilesConfig(AppConfig):
    name = "company_files"
    verbose_name = _("Company files")

    def ready(self):
        from company_files.selectors import open_files_per_advisor
        from consultations import caseload

        # Routing balances caseloads: a file in progress keeps an adviser busy too.
        caseload.register(open_files_per_advisor)
