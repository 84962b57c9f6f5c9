# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which values a client may send for a TC model: read-only fields are set by TC Ops.

Odoo does not enforce ``readonly`` on the server: ``write`` stores a value for a readonly
computed stored field (it is only recomputed when a dependency changes), and ``create``
takes ``default_<field>`` context keys and personal ``ir.default`` values for any field. So a model that
relies on read-only fields (states, amounts the approval tiers compare, who decided)
refuses them here, unless our own code writes them (tc_trust) or the superuser does."""

from odoo.exceptions import AccessError

from .tc_trust import is_trusted


def system_fields(model, extra=()):
    """Names of the fields of ``model`` no client may set: readonly fields (which
    include computed fields without an inverse and related fields) and ``extra``."""
    return {name for name, field in model._fields.items() if field.readonly} | set(
        extra
    )


def privileged(model):
    return model.env.su or is_trusted()


def check_client_values(model, vals, extra=()):
    """Raise AccessError when a client sends a system field in ``vals``."""
    if privileged(model):
        return
    refused = {
        name
        for name in system_fields(model, extra) & set(vals)
        # a form sends the x2many fields it shows, as no command at all
        if not (
            model._fields[name].type in ("one2many", "many2many") and not vals[name]
        )
    }
    if refused:
        raise AccessError(
            model.env._(
                "%(model)s: %(fields)s are set by TC Ops itself and cannot be written.",
                model=model._description,
                fields=", ".join(sorted(refused)),
            )
        )


def sanitize_defaults(model, defaults, extra=()):
    """``defaults`` (from ``default_get``) with the field's own default, or none, for
    each system field: the client's ``default_<field>`` context keys and its personal
    ``ir.default`` values would otherwise become the values ``create`` stores."""
    if privileged(model):
        return defaults
    for name in system_fields(model, extra) & set(defaults):
        field = model._fields[name]
        if field.default:
            defaults[name] = field.default(model)
        else:
            del defaults[name]
    return defaults
