"""queue.server_url / queue.token / queue.sentence live in the typed settings object."""

from __future__ import annotations

from pathlib import Path

from counter_app.settings import KNOWN_KEYS, Settings, set_value


def test_queue_settings_from_file_and_environment(app_home: Path) -> None:
    settings = Settings.load()
    assert settings.queue.server_url == "" and "{number}" in settings.queue.sentence
    for key in ("queue.server_url", "queue.token", "queue.sentence"):
        assert key in KNOWN_KEYS
    set_value(settings, "queue.server_url", "http://192.0.2.10:8766")
    set_value(settings, "queue.token", "que_abc")
    loaded = Settings.load()
    assert loaded.queue.server_url == "http://192.0.2.10:8766"
    assert loaded.queue.token == "que_abc"
    env = {"COUNTER_APP_HOME": str(app_home), "COUNTER_APP_QUEUE_URL": "http://127.0.0.1:1"}
    assert Settings.load(env=env).queue.server_url == "http://127.0.0.1:1"
    assert Settings.load(env=env).queue.token == "que_abc"
