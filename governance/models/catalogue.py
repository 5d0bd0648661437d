from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Names and titles are shown in pages, receipts and exports: a control character
# (C0, DEL or C1) in one is invisible, breaks lines and terminals, or is a NUL
# PostgreSQL cannot store. Long texts may keep tab and line breaks.
single_line_text = RegexValidator(
    r"^[^\x00-\x1f\x7f-\x9f]+\Z",
    "Control characters (such as line breaks, tabs or NUL) are not allowed here.",
    code="control_characters",
)
multi_line_text = RegexValidator(
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+\Z",
    "Control characters other than tab and line breaks are not allowed.",
    code="control_characters",
)


class Application(models.Model):
    """An application the capture client may record, identified by executables/bundle ids."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    identifiers = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        help_text="Executable names or bundle ids the capture client matches.",
    )
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DataKind(models.Model):
    """A kind of interaction data: key, pointer, click, scroll, menu, window_focus."""

    slug = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    pii_category = models.CharField(
        max_length=80, default="Behavioural data", help_text="Kantara piiCategory"
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Purpose(models.Model):
    """Why data is processed. Prohibited purposes name what data must never serve."""

    class Use(models.TextChoices):
        PERMITTED = "permitted", _("Permitted")
        PROHIBITED = "prohibited", _("Prohibited")

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    use = models.CharField(max_length=16, choices=Use.choices, default=Use.PERMITTED)
    category = models.CharField(
        max_length=120, default="Research and development", help_text="Kantara purposeCategory"
    )
    third_party_disclosure = models.BooleanField(default=False)
    termination = models.CharField(
        max_length=200, default="Until withdrawn, or when the retention period ends"
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def consentable(self) -> bool:
        return self.enabled and self.use == self.Use.PERMITTED


# Key event times are never stored finer than this, whatever the catalogue says: the
# rhythm of typing identifies a person and can reveal what was typed.
KEY_TIMING_FLOOR_MS = 50


class SafeguardRule(models.Model):
    """A rule applied before anything is stored: exclusions, redaction, coarsening."""

    class Kind(models.TextChoices):
        EXCLUDED_APPLICATION = "excluded_application", _("Excluded application")
        WINDOW_TITLE_PATTERN = "window_title_pattern", _("Excluded window title pattern")
        REDACTION_DETECTOR = "redaction_detector", _("Redaction detector")
        KEYSTROKE_TIMING = "keystroke_timing", _("Keystroke timing coarsening")

    class Detector(models.TextChoices):
        CARD_NUMBER = "card_number", _("Card numbers (Luhn-checked)")
        NATIONAL_ID = "national_id", _("National identifiers (US SSN, UK NINO)")
        EMAIL = "email", _("Email addresses")
        PHONE = "phone", _("Phone numbers")
        IBAN = "iban", _("IBANs")
        SECRET = "secret", _("Secrets and API keys")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    name = models.CharField(max_length=120)
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="safeguards"
    )
    pattern = models.CharField(max_length=300, blank=True, help_text="Regular expression")
    detector = models.CharField(max_length=32, choices=Detector.choices, blank=True)
    resolution_ms = models.PositiveIntegerField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["detector"],
                condition=models.Q(kind="redaction_detector"),
                name="one_rule_per_detector",
            ),
        ]

    def __str__(self) -> str:
        return self.name
