from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = "Interaction data governance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from governance import auth

        User = get_user_model()
        user_locked_out.connect(auth.on_user_locked_out, dispatch_uid="governance.audit_lockout")
        user_logged_in.connect(auth.on_user_logged_in, dispatch_uid="governance.audit_login")
        user_logged_out.connect(auth.on_user_logged_out, dispatch_uid="governance.audit_logout")
        user_login_failed.connect(
            auth.on_user_login_failed, dispatch_uid="governance.audit_login_failed"
        )
        post_save.connect(auth.on_user_saved, sender=User, dispatch_uid="governance.audit_user")
        post_delete.connect(
            auth.on_user_deleted, sender=User, dispatch_uid="governance.audit_user_deleted"
        )
        m2m_changed.connect(
            auth.on_user_groups_changed,
            sender=User.groups.through,
            dispatch_uid="governance.audit_roles",
        )
