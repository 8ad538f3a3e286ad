"""The application layer: commands, their handlers, and the one pipeline that runs them.

- :mod:`~slrt_core.application.commands`: one frozen value per command;
- one module of handlers per capability: :mod:`~slrt_core.application.case_flow`,
  :mod:`~slrt_core.application.referral`, :mod:`~slrt_core.application.consent`,
  :mod:`~slrt_core.application.sweep`, :mod:`~slrt_core.application.privacy`;
- :class:`Pipeline`: idempotency, load, authorize, lifecycle, decide, fold, commit,
  relay, for every command;
- :class:`Collaborators`: what handlers may consult, built once.

:class:`slrt_core.Slrt` is the public front over it: each of its commands builds a
command value and runs it here.
"""

from slrt_core.application._base import SYSTEM, By, Collaborators, Decision, Handler
from slrt_core.application._pipeline import HANDLERS, Outcome, Pipeline, fingerprint

__all__ = [
    "By",
    "Collaborators",
    "Decision",
    "HANDLERS",
    "Handler",
    "Outcome",
    "Pipeline",
    "SYSTEM",
    "fingerprint",
]
