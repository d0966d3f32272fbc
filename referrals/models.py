"""Referrals: a partner organisation's member hands a company over to the regional advisers.

Partner organisations (Services Québec's business advisers, regional economic development
offices…) and their offices are data the administrators manage; a member's account carries a
`PartnerMember` (accounts.access: the partner role). A `Referral` records the company (matched,
never duplicated: referrals.matching), the contact person, the need, the company's consent to be
contacted (who, when, how: without it nothing is created), and what it became: a consultation
request, an existing open request or file it joined, or an appointment the partner booked. The
partner sees only its limited status (`Referral.Status`), never the advisers' notes or files.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PartnerOrganisation(models.Model):
    """An organisation whose members refer companies (Services Québec, an economic development office…)."""

    class Kind(models.TextChoices):
        SERVICES_QUEBEC = "services_quebec", _("Services Québec (business advisers)")
        ECONOMIC_DEVELOPMENT = "economic_development", _("Regional economic development office")
        OTHER = "other", _("Other partner organisation")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, default=Kind.SERVICES_QUEBEC)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerOffice(models.Model):
    """One office of a partner organisation (a Services Québec office, a local employment centre…)."""

    organisation = models.ForeignKey(
        PartnerOrganisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="offices"
    )
    name = models.CharField(_("name"), max_length=200)
    municipality = models.ForeignKey(
        "service_points.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("partner office")
        verbose_name_plural = _("partner offices")
        ordering = ["organisation", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="partner_office_once")]

    def __str__(self) -> str:
        return f"{self.organisation} – {self.name}"


class PartnerMember(models.Model):
    """Makes a user a partner (accounts.access.Role.PARTNER) of an organisation and an office."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="partner_membership",
    )
    organisation = models.ForeignKey(
        PartnerOrganisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="members"
    )
    office = models.ForeignKey(
        PartnerOffice,
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    job_title = models.CharField(_("job title"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("partner member")
        verbose_name_plural = _("partner members")

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation}"


class Referral(models.Model):
    """A company referred by a partner, with its consent, and what became of it."""

    class Status(models.TextChoices):
        # All a partner sees: never the adviser's notes, the company's files or documents.
        RECEIVED = "received", pgettext_lazy("referral status", "Received")
        CONTACTED = "contacted", pgettext_lazy("referral status", "Contacted")
        MEETING_HELD = "meeting_held", pgettext_lazy("referral status", "Meeting held")
        CLOSED = "closed", pgettext_lazy("referral status", "Closed")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("Normal")
        SOON = "soon", _("Within two weeks")
        URGENT = "urgent", _("Urgent")

    class ConsentMethod(models.TextChoices):
        IN_PERSON = "in_person", _("Verbally, in person")
        PHONE = "phone", _("Verbally, by telephone")
        EMAIL = "email", _("In writing, by email")
        FORM = "form", _("Signed form")

    uid = models.UUIDField(_("identifier"), default=uuid.uuid4, unique=True, editable=False)
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    # The partner's organisation and office when they referred (a member can move on).
    organisation = models.ForeignKey(
        PartnerOrganisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    office = models.ForeignKey(
        PartnerOffice,
        verbose_name=_("office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    company = models.ForeignKey(
        "accounts.Company", verbose_name=_("company"), on_delete=models.PROTECT, related_name="referrals"
    )
    company_created = models.BooleanField(_("company created as a prospect"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("contact's email address"))
    contact_phone = models.CharField(_("contact's telephone"), max_length=30, blank=True)
    contact_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact's account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    topic = models.ForeignKey(
        "appointments.Topic", verbose_name=_("topic"), on_delete=models.PROTECT, related_name="+"
    )
    program = models.ForeignKey(
        "company_files.Program",
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    need = models.TextField(_("need"), max_length=2000)
    mode = models.CharField(_("mode"), max_length=20)
    language = models.CharField(_("language of the consultation"), max_length=8, default="fr")
    municipality = models.ForeignKey(
        "service_points.Municipality", verbose_name=_("location"), on_delete=models.PROTECT, related_name="+"
    )
    # The company's consent to be contacted (Law 25): who gave it, when, how. Mandatory.
    consent_given_by = models.CharField(_("consent given by"), max_length=150)
    consent_given_at = models.DateTimeField(_("consent given on"))
    consent_method = models.CharField(_("consent given how"), max_length=10, choices=ConsentMethod.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    # What it became: a routed request (new or joined), a joined open file, or a booked appointment.
    request = models.ForeignKey(
        "consultations.ConsultationRequest",
        verbose_name=_("consultation request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    company_file = models.ForeignKey(
        "company_files.CompanyFile",
        verbose_name=_("company file"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        verbose_name=_("appointment"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
    )
    joined_existing = models.BooleanField(_("joined an open request or file"), default=False)
    created_at = models.DateTimeField(_("referred"), auto_now_add=True)
    contacted_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    meeting_held_at = models.DateTimeField(_("first meeting"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(consent_given_by="") & ~models.Q(consent_method=""),
                name="referral_consent_recorded",
            ),
        ]
        indexes = [
            # The partner's "Mes recommandations" (selectors.referrals_of).
            models.Index(fields=["partner", "created_at"], name="referral_partner_created"),
        ]

    def __str__(self) -> str:
        return f"{self.company} ← {self.organisation}"
