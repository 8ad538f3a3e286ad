"""The public testing kit of slrt_core: strategies, test doubles, fixtures and contract suites.

Install the ``testing`` extra (it brings Hypothesis and pytest). The kit holds:

* :class:`StoreContract`: the contract suite every storage adapter must pass;
* :class:`FrozenClock` and :class:`RecordingNotifier`: test doubles for the clock and
  notifier ports;
* :mod:`~slrt_core.testing.strategies`: Hypothesis strategies for NIKs, KK numbers,
  region codes, persons, households, needs, actors, cases and populations;
* :func:`check_variant`: the property checks a local rule variant must pass, with a
  readable :class:`VariantReport`;
* ready-made staff, households, a provider directory and scripted case flows
  (:func:`sample_slrt`, :func:`sample_staff`, :func:`sample_household`,
  :func:`sample_directory`, :func:`walk_case`) to drive :class:`~slrt_core.Slrt` in a
  host app's tests.

Run the store contract against your own adapter by subclassing it in a pytest module::

    from slrt_core.ports import Store
    from slrt_core.testing import StoreContract

    class TestMyStore(StoreContract):
        def make_store(self) -> Store:
            return MyStore(...)  # a new, empty store each call

        def reopen(self, store: Store) -> Store:  # optional: proves durability
            store.close()
            return MyStore(...)  # the same database again

Examples:
    >>> from slrt_core.adapters import MemoryStore
    >>> notifier = RecordingNotifier()
    >>> slrt = sample_slrt(MemoryStore(), notifier=notifier)
    >>> steps = list(walk_case(slrt, sample_staff(), route="emergency"))
    >>> len(steps), notifier.topics()
    (4, ['case_registered_emergency', 'case_closed'])

.. versionadded:: 0.1.0
"""

from slrt_core.adapters.notifiers import RecordingNotifier
from slrt_core.testing import strategies
from slrt_core.testing._doubles import FrozenClock
from slrt_core.testing._fixtures import (
    Staff,
    Step,
    sample_directory,
    sample_household,
    sample_slrt,
    sample_staff,
    walk_case,
)
from slrt_core.testing._variant import (
    CheckResult,
    CheckStatus,
    VariantFailure,
    VariantReport,
    check_variant,
)
from slrt_core.testing.contracts import StoreContract

__all__ = [
    "CheckResult",
    "CheckStatus",
    "FrozenClock",
    "RecordingNotifier",
    "Staff",
    "Step",
    "StoreContract",
    "VariantFailure",
    "VariantReport",
    "check_variant",
    "sample_directory",
    "sample_household",
    "sample_slrt",
    "sample_staff",
    "strategies",
    "walk_case",
]
