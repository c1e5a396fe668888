"""PostgreSQL guards of the ledger: at commit, every transaction touched has at least two legs
summing to zero (a DEFERRABLE INITIALLY DEFERRED constraint trigger); ledger rows are never
updated or deleted. SQLite has no deferred triggers: the write path checks the same rule
(roadie.desk.pay.actions.check_balanced) and a test tries to break it."""

from django.db import migrations

BALANCE_SQL = """
CREATE OR REPLACE FUNCTION pay_check_balanced() RETURNS trigger AS $$
DECLARE
    legs integer;
    total numeric;
BEGIN
    SELECT count(*), coalesce(sum(amount), 0) INTO legs, total
      FROM pay_entry WHERE transaction_id = NEW.transaction_id;
    IF legs < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % is unbalanced: % leg(s) summing to %',
            NEW.transaction_id, legs, total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER pay_entry_balanced AFTER INSERT ON pay_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pay_check_balanced();

CREATE OR REPLACE FUNCTION pay_check_transaction_has_legs() RETURNS trigger AS $$
BEGIN
    IF (SELECT count(*) FROM pay_entry WHERE transaction_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'ledger transaction % has fewer than two legs', NEW.key
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER pay_transaction_has_legs AFTER INSERT ON pay_transaction
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pay_check_transaction_has_legs();

CREATE OR REPLACE FUNCTION pay_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are never updated or deleted: post a reversing transaction'
        USING ERRCODE = 'restrict_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER pay_entry_immutable BEFORE UPDATE OR DELETE ON pay_entry
    FOR EACH ROW EXECUTE FUNCTION pay_refuse_change();
CREATE TRIGGER pay_transaction_immutable BEFORE UPDATE OR DELETE ON pay_transaction
    FOR EACH ROW EXECUTE FUNCTION pay_refuse_change();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS pay_entry_balanced ON pay_entry;
DROP TRIGGER IF EXISTS pay_transaction_has_legs ON pay_transaction;
DROP TRIGGER IF EXISTS pay_entry_immutable ON pay_entry;
DROP TRIGGER IF EXISTS pay_transaction_immutable ON pay_transaction;
DROP FUNCTION IF EXISTS pay_check_balanced();
DROP FUNCTION IF EXISTS pay_check_transaction_has_legs();
DROP FUNCTION IF EXISTS pay_refuse_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BALANCE_SQL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [("pay", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
