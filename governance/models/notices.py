from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from governance.models.catalogue import Application, DataKind, Purpose


def language_name(code: str, *, own: bool = False) -> str:
    """A language's name in the reader's language ("German" to an English reader,
    "Deutsch" to a German one), or with `own` in that language itself (for a switch)."""
    try:
        info = get_language_info(code)
    except KeyError:  # a language Django does not know: the name LANGUAGES gives
        return dict(settings.LANGUAGES).get(code, code)
    return info["name_local"] if own else str(info["name_translated"])


class LawfulBasis(models.TextChoices):
    """The GDPR Art. 6(1) bases. Interaction capture rests on consent alone; the others
    are named so that an officer who picks one is told why it is refused."""

    CONSENT = "consent", _("Consent (Art. 6(1)(a))")
    CONTRACT = "contract", _("Contract (Art. 6(1)(b))")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation (Art. 6(1)(c))")
    VITAL_INTERESTS = "vital_interests", _("Vital interests (Art. 6(1)(d))")
    PUBLIC_TASK = "public_task", _("Public task (Art. 6(1)(e))")
    LEGITIMATE_INTERESTS = "legitimate_interests", _("Legitimate interests (Art. 6(1)(f))")


class Notice(models.Model):
    """A version of the consent notice; once published its text never changes.

    The scopes a notice covers are every purpose × application × data kind
    of its three sets. A material change lapses consents given under earlier
    versions, so those people are asked again: a task lapses them in batches
    from `lapse_started_at` until `lapse_applied_at`.

    A material change lapses only the scopes it changes: the grants whose purpose,
    application and data kind are each among its `lapse_*` choices, where an empty
    choice means every one (the default, so a notice that names none lapses all).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    version = models.PositiveIntegerField(unique=True)
    # The version's own text, in the language it was drafted in: the one its content hash
    # has always signed. It is also one of its `texts`, kept equal by the services.
    language = models.CharField(max_length=16, default="en")
    title = models.CharField(max_length=200)
    body = models.TextField()
    purposes = models.ManyToManyField(Purpose, related_name="notices")
    applications = models.ManyToManyField(Application, related_name="notices")
    data_kinds = models.ManyToManyField(DataKind, related_name="notices")
    material_change = models.BooleanField(default=False)
    effective_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    content_hash = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lapse_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When lapsing older consents began; the ingestion gate ignores them from then",
    )
    lapse_applied_at = models.DateTimeField(
        null=True, blank=True, help_text="When a material change lapsed older consents"
    )
    lapse_purposes = models.ManyToManyField(
        Purpose, blank=True, related_name="+", help_text="Lapses only these; none: every purpose"
    )
    lapse_applications = models.ManyToManyField(
        Application,
        blank=True,
        related_name="+",
        help_text="Lapses only these; none: every application",
    )
    lapse_data_kinds = models.ManyToManyField(
        DataKind, blank=True, related_name="+", help_text="Lapses only these; none: every kind"
    )
    # What Art. 13 GDPR requires a notice to tell people. Drafts may leave them empty;
    # publishing requires them all. Older notices published without them stay valid.
    lawful_bases = models.JSONField(
        default=dict, blank=True, help_text="Purpose slug → lawful basis (LawfulBasis)"
    )
    controller_name = models.CharField(max_length=200, blank=True)
    controller_contact = models.CharField(max_length=300, blank=True)
    dpo_contact = models.CharField(max_length=300, blank=True)
    recipients = ArrayField(
        models.CharField(max_length=300),
        default=list,
        blank=True,
        help_text="Categories of recipients of the data",
    )
    withdrawal_right = models.TextField(blank=True)
    access_right = models.TextField(blank=True)
    authority_name = models.CharField(max_length=200, blank=True)
    authority_contact = models.CharField(max_length=300, blank=True)
    safeguards = models.TextField(blank=True)

    STATEMENT_FIELDS = (
        "lawful_bases",
        "controller_name",
        "controller_contact",
        "dpo_contact",
        "recipients",
        "withdrawal_right",
        "access_right",
        "authority_name",
        "authority_contact",
        "safeguards",
    )

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version} {self.title}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def language_name(self) -> str:
        return language_name(self.language)


class NoticeText(models.Model):
    """What one notice version says in one language: its title and its text.

    A version holds one text per language, the one in the version's own `language`
    among them. Officers add, edit and remove texts while the version is a draft;
    all are published with it and never change after (a database trigger refuses it).

    The statement's names, contacts and bases belong to the version; its prose (the
    rights and safeguards, `PROSE_FIELDS`) is worded per language. The version's own
    text leaves them empty: its prose is the version's statement.
    """

    PROSE_FIELDS = ("withdrawal_right", "access_right", "safeguards")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=16, help_text="One of LANGUAGES")
    title = models.CharField(max_length=200)
    body = models.TextField()
    withdrawal_right = models.TextField(blank=True)
    access_right = models.TextField(blank=True)
    safeguards = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of this text")

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "language"], name="one_text_per_language")
        ]

    def __str__(self) -> str:
        return f"v{self.notice.version} {self.language}"

    @property
    def states_prose(self) -> bool:
        """Every prose field of the statement is worded in this text."""
        return all((getattr(self, name) or "").strip() for name in self.PROSE_FIELDS)

    @property
    def language_name(self) -> str:
        return language_name(self.language)
