"""What the referral tests share: a referral's data for the small network."""

from appointments.models import Mode
from referrals.models import Referral
from referrals.services import CompanyData, ReferralData
from tests.booking_helpers import NOW


def company_data(network, **overrides) -> CompanyData:
    fields = {
        "legal_name": "Boulangerie l'Épi d'or inc.",
        "municipality": network.municipality_a,
        "neq": "1178 456 321",
        "sector": "31",
        "size": "5-19",
        "street_address": "125, rue des Forges",
        "postal_code": "G9A 2G8",
    }
    fields.update(overrides)
    return CompanyData(**fields)


def referral_data(network, *, company=None, consent=True, **overrides) -> ReferralData:
    fields = {
        "company": company or company_data(network),
        "contact_name": "Mélanie Gervais",
        "contact_email": "m.gervais@epidor.example",
        "contact_phone": "+18195550142",
        "topic": network.topic,
        "mode": Mode.SERVICE_POINT,
        "need": "Trois boulangers à recruter au Maroc d'ici le printemps.",
        "consent_given_by": "Mélanie Gervais, propriétaire" if consent else "",
        "consent_given_at": NOW if consent else None,
        "consent_method": Referral.ConsentMethod.PHONE if consent else "",
    }
    fields.update(overrides)
    return ReferralData(**fields)
