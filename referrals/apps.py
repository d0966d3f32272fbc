from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Referrals from partner organisations")

    def ready(self):
        from consultations import provenance
        from referrals import signals
        from referrals.selectors import referral_lines

        signals.connect()  # the partner's status follows the request, appointment and file
        provenance.register(referral_lines)  # the adviser sees who referred the company
