"""Erasure reaches everything: leavers, the officer's choice to restrict capture, and
consent evidence whose network data (and, after leaving, whose naming) is minimised.

Consent events stay append-only (0002) with exactly one exception, checked by the
database rather than trusted to the application: an UPDATE that changes nothing but
`ip_address` to NULL, `user_agent` to '' and `actor_label` either unchanged or to the
person's own pseudonym, and that changes at least one of them. Receipts are built from
the other columns, which the trigger keeps as they were, so every receipt verifies as
before. DELETE and TRUNCATE are refused.
"""

from django.conf import settings
from django.db import migrations, models

MINIMISE_ONLY = """
CREATE OR REPLACE FUNCTION governance_consentevent_minimise_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND (to_jsonb(NEW) - 'ip_address' - 'user_agent' - 'actor_label')
           = (to_jsonb(OLD) - 'ip_address' - 'user_agent' - 'actor_label')
       AND NEW.ip_address IS NULL AND NEW.user_agent = ''
       AND (NEW.actor_label = OLD.actor_label
            OR NEW.actor_label = (SELECT subject_id FROM governance_employee
                                  WHERE id = NEW.employee_id))
       -- and it changes something: an UPDATE that rewrites a row as it was is refused too
       AND (OLD.ip_address IS NOT NULL OR OLD.user_agent <> ''
            OR NEW.actor_label <> OLD.actor_label)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% on % is not allowed: this table is append-only (only its network '
                    'data may be minimised)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER governance_consentevent_no_update_delete ON governance_consentevent;
CREATE TRIGGER governance_consentevent_no_update_delete
    BEFORE UPDATE OR DELETE ON governance_consentevent
    FOR EACH ROW EXECUTE FUNCTION governance_consentevent_minimise_only();
"""

APPEND_ONLY = """
DROP TRIGGER governance_consentevent_no_update_delete ON governance_consentevent;
CREATE TRIGGER governance_consentevent_no_update_delete
    BEFORE UPDATE OR DELETE ON governance_consentevent
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();
DROP FUNCTION governance_consentevent_minimise_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0023_user_email_lower_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="employee",
            name="evidence_pseudonymised_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When their consent evidence stopped naming them (EVIDENCE_RETENTION_DAYS after leaving)",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="employee",
            name="left_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When they left: their interaction data is erased and capture stops",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="erasurejob",
            name="restricts_capture",
            field=models.BooleanField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="erasurejob",
            name="cause",
            field=models.CharField(
                choices=[
                    ("consent_withdrawal", "Consent withdrawn"),
                    ("consent_ended", "Consent lapsed or expired"),
                    ("officer", "Privacy officer"),
                    ("request", "Data subject request"),
                    ("left", "Left the company"),
                ],
                max_length=32,
            ),
        ),
        migrations.AddIndex(
            model_name="consentevent",
            index=models.Index(
                condition=models.Q(
                    ("ip_address__isnull", False),
                    models.Q(("user_agent", ""), _negated=True),
                    _connector="OR",
                ),
                fields=["occurred_at"],
                name="consentevent_network_data_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="employee",
            index=models.Index(
                condition=models.Q(
                    ("evidence_pseudonymised_at__isnull", True), ("left_at__isnull", False)
                ),
                fields=["left_at"],
                name="employee_left_unpseudonymised",
            ),
        ),
        migrations.RunSQL(MINIMISE_ONLY, APPEND_ONLY),
    ]
