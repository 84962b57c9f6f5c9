# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One staff SSO login, bound to the browser session that started it.

OCA auth_oidc 18.0 keeps one PKCE ``code_verifier`` per provider record and does not
check the ``nonce`` it sends; auth_oauth's ``state`` is not tied to the browser. For
staff providers tc_care does it per login: when /web/login renders the provider's
button (``controllers/oidc.py``) a fresh verifier and nonce are kept in the server
side session under a random key carried in ``state`` (``"k"``); the code exchange
(``models/res_users.py``) sends that verifier and the ID token must carry that
nonce. A signin request from another browser, a replayed one or a second use of the
same key finds nothing and is refused.
"""

import base64
import hashlib
import json
import secrets

SESSION_KEY = "tc_oidc_logins"
KEEP = 5  # logins started in one session and not finished (several tabs)


def s256(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def start(session, provider_id):
    """A new login of ``provider_id`` in ``session``: (key, verifier, nonce)."""
    key = secrets.token_urlsafe(16)
    verifier = secrets.token_urlsafe(48)
    nonce = secrets.token_urlsafe(24)
    pending = dict(session.get(SESSION_KEY) or {})
    pending[key] = {"p": provider_id, "v": verifier, "n": nonce}
    while len(pending) > KEEP:
        pending.pop(next(iter(pending)))
    session[SESSION_KEY] = pending
    return key, verifier, nonce


def _key(params):
    try:
        state = json.loads(params.get("state") or "{}")
    except ValueError:
        return None
    key = state.get("k") if isinstance(state, dict) else None
    return key if isinstance(key, str) else None


def find(session, provider_id, params):
    """The login this signin request finishes, or None."""
    if session is None:
        return None
    entry = (session.get(SESSION_KEY) or {}).get(_key(params))
    if not entry or entry.get("p") != provider_id:
        return None
    return entry


def finish(session, params):
    """Forget the login (used once, whatever the outcome)."""
    pending = dict(session.get(SESSION_KEY) or {})
    if pending.pop(_key(params), None) is not None:
        session[SESSION_KEY] = pending
