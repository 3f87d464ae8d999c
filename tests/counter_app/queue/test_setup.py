"""The queue's set-up on a real SQLite file: areas, settings, device tokens."""

from __future__ import annotations

import pytest

from counter_app.queue.domain import QueueError, ServiceArea
from counter_app.queue.store import QueueStore


def test_areas_are_configurable_and_prefixes_unique(store: QueueStore) -> None:
    store.set_area(ServiceArea("F", "Lý lịch tư pháp", "F", (12,), ("Lý lịch tư pháp",)))
    assert store.issue("F").ticket.number == "F001"
    assert store.area_for_sector("Lý lịch tư pháp").area == "F"  # type: ignore[union-attr]
    assert store.area_for_sector("Việc làm").area == "E"  # type: ignore[union-attr]
    with pytest.raises(QueueError, match="Tiền tố A đã dùng"):
        store.set_area(ServiceArea("G", "Khác", "A", (1,)))
    with pytest.raises(QueueError, match="1–2 chữ cái"):
        ServiceArea("H", "Khác", "a1", (1,))


def test_priority_categories_are_configurable(store: QueueStore) -> None:
    store.set_config("priority_categories", "veteran=Người có công,elderly=Người cao tuổi")
    labels = [c["label"] for c in store.config()["priority_categories"]]
    assert labels == ["Người có công", "Người cao tuổi"]
    assert store.issue("A", category="veteran").ticket.priority
    with pytest.raises(QueueError, match="Đối tượng ưu tiên"):
        store.issue("A", category="pregnant")


def test_a_new_token_replaces_the_devices_old_one(store: QueueStore) -> None:
    old = store.create_token("Quầy 3", "counter")
    device = store.authenticate(old)
    assert device is not None and (device.name, device.role) == ("Quầy 3", "counter")
    assert device.may("serve") and not device.may("nothing")
    new = store.create_token("Quầy 3", "board")  # the cache is dropped on a new token
    assert store.authenticate(old) is None
    replaced = store.authenticate(new)
    assert replaced is not None and replaced.role == "board" and not replaced.may("serve")
    with pytest.raises(QueueError, match="Vai trò"):
        store.create_token("Quầy 4", "admin")
    with pytest.raises(QueueError, match="1 đến 100 ký tự"):
        store.create_token("  ", "kiosk")
    assert store.authenticate("") is None


def test_an_area_with_waiting_tickets_is_not_removed(store: QueueStore) -> None:
    store.issue("B")
    with pytest.raises(QueueError, match="còn 1 số đang chờ"):
        store.remove_area("B")
    store.remove_area("C")
    assert "C" not in {a.area for a in store.areas()}
    with pytest.raises(QueueError, match="Không có thiết lập"):
        store.set_config("colour", "red")
