"""The custom user (email is the login) and the companies employers represent."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_neq
from service_points.validators import validate_postal_code


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class GrammaticalGender(models.TextChoices):
    """How French sentences about a person agree: « votre conseillère a confirmé », « le plus chargé »;
    not specified, they are written in neutral (epicene) words. Set for staff, who are named in
    sentences shown to others (accounts.grammar)."""

    FEMININE = "f", _("Feminine (conseillère, directrice)")
    MASCULINE = "m", _("Masculine (conseiller, directeur)")
    UNSPECIFIED = "", _("Not specified (neutral wording)")


class CsvSeparator(models.TextChoices):
    """How the columns of a downloaded CSV file are separated. Excel set up in French (Canada)
    expects semicolons and puts a comma-separated file in column A; in English, commas."""

    SEMICOLON = ";", _("Semicolon (;) for Excel in French")
    COMMA = ",", _("Comma (,) for Excel in English and other software")


class User(AbstractUser):
    """A person who signs in with an email address. Roles come from profile links (accounts.access)."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    grammatical_gender = models.CharField(
        _("grammatical gender in French"),
        max_length=1,
        choices=GrammaticalGender.choices,
        default=GrammaticalGender.UNSPECIFIED,
        db_default=GrammaticalGender.UNSPECIFIED,  # the running release inserts users without it
        blank=True,
        help_text=_(
            "How French sentences that name this person agree (« votre conseillère », « votre conseiller »). "
            "Not specified: neutral wording."
        ),
    )

    # The separator last chosen for the dashboard's CSV exports; empty: by the page's language.
    csv_separator = models.CharField(
        _("CSV separator"), max_length=1, choices=CsvSeparator.choices, blank=True, default="", db_default=""
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Company(models.Model):
    """An enterprise, identified by its Québec enterprise number (NEQ)."""

    class Sector(models.TextChoices):
        # Top-level sectors of the North American Industry Classification System (SCIAN).
        AGRICULTURE = "11", _("Agriculture, forestry, fishing and hunting")
        MINING = "21", _("Mining, quarrying, and oil and gas extraction")
        UTILITIES = "22", _("Utilities")
        CONSTRUCTION = "23", _("Construction")
        MANUFACTURING = "31", _("Manufacturing")
        WHOLESALE = "41", _("Wholesale trade")
        RETAIL = "44", _("Retail trade")
        TRANSPORT = "48", _("Transportation and warehousing")
        INFORMATION = "51", _("Information and cultural industries")
        FINANCE = "52", _("Finance and insurance")
        REAL_ESTATE = "53", _("Real estate and rental and leasing")
        PROFESSIONAL = "54", _("Professional, scientific and technical services")
        MANAGEMENT = "55", _("Management of companies and enterprises")
        ADMINISTRATIVE = "56", _("Administrative and support services")
        EDUCATION = "61", _("Educational services")
        HEALTH = "62", _("Health care and social assistance")
        ARTS = "71", _("Arts, entertainment and recreation")
        ACCOMMODATION = "72", _("Accommodation and food services")
        OTHER_SERVICES = "81", _("Other services (except public administration)")
        PUBLIC_ADMINISTRATION = "91", _("Public administration")

    class Size(models.TextChoices):
        MICRO = "1-4", _("1 to 4 employees")
        SMALL = "5-19", _("5 to 19 employees")
        MEDIUM = "20-99", _("20 to 99 employees")
        LARGE = "100-499", _("100 to 499 employees")
        VERY_LARGE = "500+", _("500 employees or more")

    legal_name = models.CharField(_("legal name"), max_length=200)
    neq = models.CharField(
        _("Québec enterprise number (NEQ)"), max_length=10, unique=True, validators=[validate_neq]
    )
    sector = models.CharField(_("sector"), max_length=2, choices=Sector.choices)
    size = models.CharField(_("size"), max_length=8, choices=Size.choices)
    street_address = models.CharField(_("civic address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=7, validators=[validate_postal_code])
    municipality = models.ForeignKey(
        "service_points.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="companies",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["legal_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(neq__regex=r"^[0-9]{10}$"), name="company_neq_ten_digits"
            )
        ]

    def __str__(self) -> str:
        return self.legal_name


class EmployerProfile(models.Model):
    """Links an employer's user account to the company they represent."""

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="employer_profile"
    )
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.PROTECT, related_name="representatives"
    )
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("employer profile")
        verbose_name_plural = _("employer profiles")

    def __str__(self) -> str:
        return f"{self.user} – {self.company}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the secret is stored (accounts.tokens).

    The token reads `midi_<prefix>_<secret>`: the prefix finds the row, the secret proves
    possession. It is shown once, when created; the user can revoke it at any time.
    """

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (midi_{self.prefix}_…)"


class CompanyInvitation(models.Model):
    """A representative invites a colleague to represent the same company (same NEQ).

    The emailed link carries `token`; the colleague signs in or signs up with that address and
    accepts: their account is linked to the company and shares its appointments and limits.
    """

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    token = models.CharField(_("link secret"), max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        User, verbose_name=_("invited by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("company invitation")
        verbose_name_plural = _("company invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"


class TwoFactorMethod(Authenticator):
    """django-allauth's MFA authenticator (an authenticator app, recovery codes), under names the
    admin can translate: allauth's model has none ("Authenticators")."""

    class Meta:
        proxy = True
        verbose_name = _("two-factor authentication method")
        verbose_name_plural = _("two-factor authentication methods")
