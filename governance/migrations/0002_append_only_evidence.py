"""Consent events and the audit log are evidence: the database refuses to change them.

Row triggers reject UPDATE and DELETE, a statement trigger rejects TRUNCATE.
A superuser can still disable triggers, which is why audit verification
recomputes every hash instead of trusting the table.
"""

from django.db import migrations

TABLES = ["governance_auditevent", "governance_consentevent"]

FUNCTION = """
CREATE OR REPLACE FUNCTION governance_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% on % is not allowed: this table is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def triggers(table: str) -> str:
    return f"""
CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION governance_refuse_change();
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION governance_refuse_change();
"""


def drop(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial_schema")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS governance_refuse_change();"),
        *[migrations.RunSQL(triggers(t), drop(t)) for t in TABLES],
    ]
