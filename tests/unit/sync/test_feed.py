"""The feed: the actor's scope after a cursor, in pages, sealed data kept from other roles."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from tests.sync_support import (
    AUDITOR,
    FACILITATOR,
    FACILITATOR_3,
    OTHER_VILLAGE,
    PROVIDER,
    SUPERVISOR,
    World,
    register_online,
)

from slrt_core import Actor, RegionCode, Role
from slrt_core.adapters.sqlite import SqliteStore
from slrt_core.crypto import MemoryKeyStore, SealingCodec, StaticKeyring, SubjectVault
from slrt_core.errors import AccessDenied, InvalidInputError
from slrt_core.sync import FeedRequest, sign
from slrt_core.vocabulary import ClosingReason

MANAGER = Actor(actor_id="mgr-1", role=Role.MANAGER, jurisdiction=RegionCode("33.74"))


def _sealed_world(tmp_path: Path) -> World:
    vault = SubjectVault(StaticKeyring({1: b"k" * 32}), MemoryKeyStore())
    return World(store=SqliteStore(tmp_path / "cases.sqlite", codec=SealingCodec(vault)))


def test_pages_carry_each_changed_case_once_until_the_end(tmp_path: Path) -> None:
    world = _sealed_world(tmp_path)
    ids = [world.case_in("assessed") for _ in range(5)]
    tablet, _ = world.device()
    first = world.endpoint.feed(tablet.feed_request(limit=2))
    assert [c.case_id for c in first.changes] == ids[:2]
    assert first.more
    tablet.apply_page(first)
    rest = []
    while True:
        page = world.endpoint.feed(tablet.feed_request(limit=2))
        tablet.apply_page(page)
        rest.extend(c.case_id for c in page.changes)
        if not page.more:
            break
    assert rest == ids[2:]
    assert tablet.case_ids() == sorted(ids)
    # Nothing new: an empty last page at the same cursor.
    empty = world.endpoint.feed(tablet.feed_request())
    assert empty.changes == ()
    assert empty.next_cursor == tablet.cursor
    assert not empty.more
    # A change brings the case again, at its new version.
    world.slrt.submit(FACILITATOR, ids[0])
    again = world.endpoint.feed(tablet.feed_request())
    assert [(c.case_id, c.version) for c in again.changes] == [(ids[0], 3)]
    tablet.apply_page(again)
    assert tablet.version(ids[0]) == 3
    world.store.close()


def test_the_feed_holds_only_the_actor_s_scope_as_their_role_may_see_it() -> None:
    world = World()
    here = world.case_in("in_service")
    elsewhere = register_online(world, FACILITATOR_3, OTHER_VILLAGE)
    facilitator, _ = world.device()
    city, _ = world.device(FACILITATOR_3)
    auditor, _ = world.device(AUDITOR)
    provider, _ = world.device(PROVIDER)
    seen = {
        name: world.endpoint.feed(replica.feed_request()).changes
        for name, replica in (
            ("facilitator", facilitator),
            ("city", city),
            ("auditor", auditor),
            ("provider", provider),
        )
    }
    assert [c.case_id for c in seen["facilitator"]] == [here]
    assert [c.case_id for c in seen["city"]] == [here, elsewhere]
    full = seen["facilitator"][0].case
    assert full is not None
    assert full["household"]["members"][0]["member_id"] == "m1"
    # Auditors and provider staff get the summary only: no personal data.
    assert [c.case for c in seen["auditor"]] == [None, None]
    [own] = seen["provider"]
    assert own.case is None
    assert own.summary is not None
    assert [r[1] for r in own.summary.referrals] == ["requested"]
    # Every case sent with personal data is in the access log.
    reads = [r for r in world.access_log if r.action == "sync_feed"]
    assert sorted((r.actor_id, r.target) for r in reads) == sorted(
        [("fac-1", here), ("fac-3", here), ("fac-3", elsewhere)]
    )


def test_an_erased_case_comes_as_a_tombstone(tmp_path: Path) -> None:
    world = _sealed_world(tmp_path)
    case_id = world.case_in("registered")
    tablet, _ = world.device()
    world.sync(tablet)
    assert tablet.case_ids() == [case_id]
    world.slrt.close(SUPERVISOR, case_id, reason=ClosingReason.DUPLICATE)
    world.slrt.erase(MANAGER, case_id, request_ref="PDP-7")
    page = world.endpoint.feed(tablet.feed_request())
    assert [(c.case_id, c.erased, c.case) for c in page.changes] == [(case_id, True, None)]
    tablet.apply_page(page)
    assert tablet.case_ids() == []
    world.store.close()


def test_a_scan_limit_bounds_a_page_of_cases_the_actor_does_not_see() -> None:
    world = World()
    for _ in range(3):
        register_online(world, FACILITATOR_3, OTHER_VILLAGE)
    outsider = attrs.evolve(FACILITATOR, actor_id="fac-9", jurisdiction=RegionCode("33.74.03"))
    tablet, _ = world.device(outsider)
    page = world.endpoint.feed(tablet.feed_request(), scan_limit=2)
    assert page.changes == ()
    assert page.more
    assert page.next_cursor == 2


def test_feed_requests_are_checked() -> None:
    world = World()
    tablet, _ = world.device()
    with pytest.raises(AccessDenied, match="not signed"):
        world.endpoint.feed(attrs.evolve(tablet.feed_request(), cursor=3))
    with pytest.raises(InvalidInputError, match="limit"):
        world.endpoint.feed(sign(FeedRequest(device_id=tablet.device_id, limit=0), tablet._key))
    with pytest.raises(InvalidInputError, match="limit"):
        world.endpoint.feed(sign(FeedRequest(device_id=tablet.device_id, cursor=-1), tablet._key))
    with pytest.raises(AccessDenied, match="not registered"):
        world.endpoint.feed(FeedRequest(device_id="tab-ghost"))
    world.endpoint.revoke_device(SUPERVISOR, tablet.device_id, note="lost")
    with pytest.raises(AccessDenied, match="revoked"):
        world.endpoint.feed_json({"device_id": tablet.device_id})
