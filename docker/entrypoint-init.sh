#!/bin/bash
# Create the TC Ops database (once) ready for many web nodes, and install or update
# the suite: the sessions database (OCA session_db), fs_attachment with the shared
# attachment storage (scripts/attachment_storage.py: s3 or a shared path, and the
# migration of any attachment still in a local filestore), then the five addons.
set -e
DB=${TC_DB:-tcops}
SESSION_DB=${TC_SESSION_DB:-tcops_sessions}
ARGS=(--db_host="$HOST" --db_user="$USER" --db_password="$PASSWORD" -d "$DB" --stop-after-init)
PG="postgresql://$USER:$PASSWORD@$HOST"
SUITE=tc_care,tc_network,tc_fieldops,tc_orders,tc_integrations
if ! psql "$PG/postgres" -Atc "select 1 from pg_database where datname='$SESSION_DB'" | grep -q 1; then
  echo "tc-init: creating the sessions database $SESSION_DB"
  psql "$PG/postgres" -c "CREATE DATABASE \"$SESSION_DB\""
fi
storage() {
  odoo shell --db_host="$HOST" --db_user="$USER" --db_password="$PASSWORD" -d "$DB" \
    --no-http < /usr/local/share/tc/attachment_storage.py
}
if psql "$PG/$DB" -Atc "select 1 from ir_module_module where name='tc_integrations' and state='installed'" 2>/dev/null | grep -q 1; then
  echo "tc-init: $DB already has TC Ops; updating"
  odoo "${ARGS[@]}" -i fs_attachment
  storage
  exec odoo "${ARGS[@]}" -u "$SUITE"
fi
# fs_attachment first: what the suite's install writes goes to the shared storage
odoo "${ARGS[@]}" -i fs_attachment ${TC_WITHOUT_DEMO:+--without-demo=all}
storage
exec odoo "${ARGS[@]}" -i "$SUITE" ${TC_WITHOUT_DEMO:+--without-demo=all}
