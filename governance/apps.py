from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Interaction data governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from axes.signals import user_locked_out

        from governance.auth import on_user_locked_out

        user_locked_out.connect(on_user_locked_out, dispatch_uid="governance.audit_lockout")
