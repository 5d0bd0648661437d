"""Django admin is for administrators: people, their roles and employee records.

The catalogue, notices, consent and audit are deliberately absent: their
writes must go through services that audit them, and evidence is read-only.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from governance.models import Employee

User = get_user_model()


class EmployeeInline(admin.StackedInline):
    model = Employee
    fk_name = "user"
    can_delete = False
    fields = ["employee_number", "department", "country", "region", "manager", "subject_id"]
    readonly_fields = ["subject_id"]
    autocomplete_fields = ["manager"]


@admin.register(Employee)
class EmployeeAdmin(admin.ModelAdmin):
    list_display = ["employee_number", "user", "department", "country", "region"]
    list_filter = ["department", "country"]
    search_fields = ["employee_number", "user__email", "user__first_name", "user__last_name"]
    readonly_fields = ["subject_id", "created_at"]
    autocomplete_fields = ["manager", "user"]

    def has_delete_permission(self, request, obj=None):
        # Consent evidence refers to employees; people leave, records stay.
        return False


admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [EmployeeInline]
    list_display = ["username", "email", "first_name", "last_name", "is_active", "roles"]
    list_filter = ["groups", "is_active", "is_staff"]

    @admin.display(description="Roles")
    def roles(self, user):
        return ", ".join(user.groups.values_list("name", flat=True))


admin.site.site_header = "Interaction Data Governance Portal: administration"
