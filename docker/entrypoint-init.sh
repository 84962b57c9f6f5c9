#!/bin/bash
# Create the TC Ops database (once) and install the suite with demo data.
set -e
DB=${TC_DB:-tcops}
ARGS=(--db_host="$HOST" --db_user="$USER" --db_password="$PASSWORD" -d "$DB" --stop-after-init)
if psql "postgresql://$USER:$PASSWORD@$HOST/$DB" -Atc "select 1 from ir_module_module where name='tc_integrations' and state='installed'" 2>/dev/null | grep -q 1; then
  echo "tc-init: $DB already has TC Ops; updating"
  exec odoo "${ARGS[@]}" -u tc_care,tc_network,tc_fieldops,tc_orders,tc_integrations
fi
exec odoo "${ARGS[@]}" -i tc_care,tc_network,tc_fieldops,tc_orders,tc_integrations ${TC_WITHOUT_DEMO:+--without-demo=all}
