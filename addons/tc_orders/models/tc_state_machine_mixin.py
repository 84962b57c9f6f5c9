# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The state machine of tc_orders' workflow models: the state a record starts in
(``_tc_initial_state``), which state may follow which (``_tc_transitions``), the one
method that moves records (``_set_state``), and what every new record of such a model
goes through (defaults and values a client may not set, its number)."""

from odoo import api, models
from odoo.exceptions import UserError

from .tc_client_values import check_client_values, sanitize_defaults
from .tc_trust import is_trusted, trusted


class TcStateMachineMixin(models.AbstractModel):
    """A model with a ``state`` selection and a ``name``, whose state only its own
    workflow methods change: they call ``_set_state``, which checks the move against
    ``_tc_transitions`` and writes it under tc_trust's server-side flag (the
    models' ``write`` refuses ``state`` from anyone else)."""

    _name = "tc.state.machine.mixin"
    _description = "Workflow state machine"

    # each model declares its own: the state a new record has, state -> the states
    # it may move to, the ir.sequence code of its number, and the relations only
    # the workflow (or mail's own methods) change besides its readonly fields
    _tc_initial_state = None
    _tc_transitions = {}
    _tc_sequence = None
    _tc_system_relations = ()

    @api.model
    def default_get(self, fields_list):
        # the client's default_<field> context keys and personal defaults must not
        # set a state or any other field TC Ops sets itself
        return sanitize_defaults(
            self, super().default_get(fields_list), self._tc_system_relations
        )

    def _tc_new_record_vals(self, vals):
        """What ``create`` does first with each ``vals``: a new record starts in
        the initial state (unless the workflow creates it), a client's state, name
        and system fields are refused or dropped, and it gets its number."""
        initial = self._tc_initial_state
        if vals.get("state", initial) != initial and not is_trusted():
            states = dict(self._fields["state"].selection)
            raise UserError(
                self.env._(
                    "A new %(what)s starts as %(state)s.",
                    what=self._description.lower(),
                    state=states[initial].lower(),
                )
            )
        if not self.env.su:
            if vals.get("name") == "/":
                del vals["name"]
            vals.pop("state", None)
        check_client_values(self, vals, self._tc_system_relations)
        if vals.get("name", "/") == "/":
            vals["name"] = self.env["ir.sequence"].next_by_code(self._tc_sequence)

    def _set_state(self, new_state, **extra):
        """Move ``self`` to ``new_state`` and write ``extra`` with it; UserError
        naming the first record that may not make that move (nothing written)."""
        states = dict(self._fields["state"].selection)
        for rec in self:
            if new_state not in self._tc_transitions[rec.state]:
                raise UserError(
                    self.env._(
                        "%(name)s is %(state)s: it cannot become %(new)s.",
                        name=rec.name,
                        state=states[rec.state],
                        new=states[new_state],
                    )
                )
        self._tc_write_state(dict(extra, state=new_state))

    def _tc_write_state(self, vals):
        """The write of an allowed move, as the workflow."""
        with trusted():
            self.write(vals)
