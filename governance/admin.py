"""Django admin is for administrators: people, their roles and employee records.

The catalogue, notices, consent and audit are deliberately absent: their
writes must go through services that audit them, and evidence is read-only.
"""

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from governance.models import Employee
from governance.services.people import changes_by

User = get_user_model()


class EmployeeInline(admin.StackedInline):
    model = Employee
    fk_name = "user"
    can_delete = False
    fields = ["employee_number", "department", "country", "region", "manager", "subject_id"]
    readonly_fields = ["subject_id"]
    raw_id_fields = ["manager"]  # a labelled input; the autocomplete widget has no name


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ["employee_number", "user", "department", "country", "region"]
    list_filter = ["department", "country"]
    search_fields = ["employee_number", "user__email", "user__first_name", "user__last_name"]
    # Leaving is recorded on the people page or API, which erases and restricts with it;
    # a restriction is set and lifted there too, audited; pseudonymisation is the evidence
    # task's. Here they are shown, not set.
    readonly_fields = [
        "subject_id",
        "created_at",
        "left_at",
        "processing_restricted_at",
        "restriction_preserves",
        "evidence_pseudonymised_at",
    ]
    raw_id_fields = ["manager", "user"]  # labelled inputs; the autocomplete widget has no name

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "language":  # only a language the portal speaks, or the default
            return forms.ChoiceField(
                choices=[("", _("Company default"))] + list(settings.LANGUAGES),
                required=False,
                label=db_field.verbose_name,
                help_text=db_field.help_text,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # Consent evidence refers to employees; people leave, records stay.
        return False


admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [EmployeeInline]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "roles"]
    list_filter = ["groups", "is_active", "is_staff"]
    # Sign-in times are the account's record, not settings; and plain labelled multiple
    # selects for roles, as the two-box filter widget's icons break ARIA rules.
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ()

    # Users created, changed or deleted here are audited by signal receivers,
    # which cannot see the request: tell them who is acting.
    def changeform_view(self, request, *args, **kwargs):
        with changes_by(request.user):
            return super().changeform_view(request, *args, **kwargs)

    def user_change_password(self, request, *args, **kwargs):
        with changes_by(request.user):
            return super().user_change_password(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with changes_by(request.user):
            return super().delete_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):  # bulk actions such as delete
        with changes_by(request.user):
            return super().changelist_view(request, *args, **kwargs)

    @admin.display(description="Roles")
    def roles(self, user):
        return ", ".join(user.groups.values_list("name", flat=True))


admin.site.site_header = "Interaction Data Governance Portal: administration"
