"""Shared attachment storage of a TC Ops database (OCA fs_storage + fs_attachment):
creates or updates the one ``fs.storage`` record that every node uses as the default
storage for attachments, then moves the attachments still in a node's local
filestore into it (fs_attachment's own migration, ``ir.attachment.force_storage``).

Run inside ``odoo shell`` on a database where ``fs_attachment`` is installed:

    TC_FS_PROTOCOL=file TC_FS_DIRECTORY=/srv/tc-attachments \\
      python3 -m odoo shell -c odoo.conf -d tcops --no-http < scripts/attachment_storage.py

Settings (environment):

    TC_FS_CODE       storage code, the prefix of ``store_fname`` (default ``tcfs``)
    TC_FS_PROTOCOL   an fsspec protocol: ``s3`` in production (needs ``s3fs``),
                     ``file`` for a path shared by the nodes (default ``file``)
    TC_FS_DIRECTORY  the bucket (s3) or the shared directory (file); required
    TC_FS_OPTIONS    JSON options of the fsspec filesystem; a string value that starts
                     with ``$`` is read from that environment variable by every node
                     at run time (fs_storage's ``eval_options_from_env``), so secrets
                     never enter the database, e.g.
                     {"endpoint_url": "$TC_S3_ENDPOINT_URL", "key": "$TC_S3_KEY",
                      "secret": "$TC_S3_SECRET"}
    TC_FS_MIGRATE    ``0`` skips the migration of existing attachments (default: run)

Idempotent: a second run updates the record and finds nothing left to move.
docker/entrypoint-init.sh and tests/live/cluster.py run it; docs/deployment.md says
why and how.
"""

import json
import os

env = globals()["env"]  # given by `odoo shell`


def _counts():
    env.cr.execute(
        "SELECT CASE WHEN store_fname LIKE %s THEN 'shared storage'"
        " WHEN store_fname IS NOT NULL THEN 'local filestore' ELSE 'database' END,"
        " count(*) FROM ir_attachment GROUP BY 1 ORDER BY 1",
        [code + "://%"],
    )
    return dict(env.cr.fetchall())


code = os.environ.get("TC_FS_CODE") or "tcfs"
protocol = os.environ.get("TC_FS_PROTOCOL") or "file"
directory = os.environ.get("TC_FS_DIRECTORY") or ""
options = json.loads(os.environ.get("TC_FS_OPTIONS") or "{}")
if not directory:
    raise SystemExit("attachment_storage: TC_FS_DIRECTORY is required")
if protocol == "file":
    os.makedirs(directory, exist_ok=True)

values = {
    "name": "TC Ops shared attachments",
    "code": code,
    "protocol": protocol,
    "directory_path": directory,
    "options": json.dumps(options),
    "eval_options_from_env": True,
    "use_as_default_for_attachments": True,
    "optimizes_directory_path": True,
    "autovacuum_gc": True,
}
Storage = env["fs.storage"].sudo()
storage = Storage.search([("code", "=", code)])
if storage:
    storage.write(values)
else:
    storage = Storage.create(values)
env.cr.commit()
print(f"attachment_storage: {code} = {protocol}:{directory}; before: {_counts()}")

if os.environ.get("TC_FS_MIGRATE", "1") != "0":
    # fs_attachment's migration: every attachment not yet in the default storage
    # is rewritten through it (small images, JS and CSS go to the database by the
    # storage's force_db rules); the local files are removed after the commit.
    env["ir.attachment"].sudo().force_storage()
    env.cr.commit()
print(f"attachment_storage: after: {_counts()}")
