# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The state machine of tc_orders' workflow models: which state may follow which
(``_tc_transitions``, declared by each model) and the one method that moves records
(``_set_state``), refusing any other move."""

from odoo import models
from odoo.exceptions import UserError

from .tc_trust import trusted


class TcStateMachineMixin(models.AbstractModel):
    """A model with a ``state`` selection and a ``name``, whose state only its own
    workflow methods change: they call ``_set_state``, which checks the move against
    ``_tc_transitions`` and writes it under tc_trust's server-side flag (the
    models' ``write`` refuses ``state`` from anyone else)."""

    _name = "tc.state.machine.mixin"
    _description = "Workflow state machine"

    # state -> the states it may move to (each model declares its own)
    _tc_transitions = {}

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
