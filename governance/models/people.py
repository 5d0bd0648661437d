import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")
    LEGAL = "legal", _("Legal")
    ADMIN = "admin", _("Admin")
    WORKS_COUNCIL = "works_council", _("Works council")


def new_subject_id() -> str:
    return "sub_" + secrets.token_hex(12)


class Employee(models.Model):
    """A person whose interactions may be recorded, keyed in stores by `subject_id`.

    `subject_id` is the pseudonym used by every data store and the audit log, so
    the interaction data itself never carries an email or a name.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="employee"
    )
    employee_number = models.CharField(max_length=32, unique=True)
    department = models.CharField(max_length=100)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    region = models.CharField(max_length=100, blank=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    subject_id = models.CharField(
        max_length=40, unique=True, default=new_subject_id, editable=False
    )
    processing_restricted_at = models.DateTimeField(
        null=True, blank=True, help_text="While set, nothing of this person is ingested (Art. 18)"
    )
    left_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When they left: their interaction data is erased and capture stops",
    )
    evidence_pseudonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When their consent evidence stopped naming them (EVIDENCE_RETENTION_DAYS "
        "after leaving)",
    )
    restriction_preserves = models.BooleanField(
        default=False,
        db_default=False,  # bulk loaders (the scale seed) COPY rows without it
        help_text="Restricted to preserve the data for a legal claim (Art. 18(1)(c)): "
        "retention keeps it until the restriction is lifted",
    )
    language = models.CharField(
        max_length=16,
        blank=True,
        default="",
        db_default="",  # bulk loaders (the scale seed) COPY rows without it
        help_text="The language they read the portal and notices in (one of LANGUAGES); "
        "empty means the company default (PORTAL_LANGUAGE)",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["employee_number"]
        indexes = [
            models.Index(fields=["department"]),
            models.Index(fields=["country"]),
            # The officers' people search is a case-insensitive substring match
            # (`UPPER(col) LIKE UPPER('%q%')`): trigrams find it without reading everyone.
            GinIndex(
                OpClass(Upper("employee_number"), name="gin_trgm_ops"),
                OpClass(Upper("department"), name="gin_trgm_ops"),
                OpClass(Upper("country"), name="gin_trgm_ops"),
                name="employee_search_trgm",
            ),
            # The audit log hides any employee number in an entry's details, whatever its
            # case: one lookup of a page's candidate texts by this index.
            models.Index(Lower("employee_number"), name="employee_number_lower"),
            # The daily pseudonymisation looks for leavers whose evidence still names them.
            models.Index(
                fields=["left_at"],
                condition=models.Q(left_at__isnull=False, evidence_pseudonymised_at__isnull=True),
                name="employee_left_unpseudonymised",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.employee_number})"

    @property
    def display_name(self) -> str:
        # A leaver whose evidence was pseudonymised has neither: the pseudonym stands in.
        return self.user.get_full_name() or self.user.email or self.subject_id

    @property
    def work_email(self) -> str:
        return self.user.email

    @property
    def jurisdiction(self) -> str:
        return f"{self.country}-{self.region}" if self.region else self.country
