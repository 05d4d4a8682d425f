"""JSON logs with request ids; request text stays out of logs unless explicitly enabled."""

import io
import json
import logging
import threading

from veil import logs


def _capture(level="INFO"):
    stream = io.StringIO()
    logs.configure(level, stream=stream)
    return stream


def _lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_when_logging_inside_a_request_context_then_each_line_is_json_with_the_request_id():
    stream = _capture()
    with logs.request_context("abc-123"):
        logging.getLogger("veil.test").info("predicted %d texts", 3, extra={"model": "phi-type"})
    logging.getLogger("veil.test").info("outside")
    first, second = _lines(stream)
    assert first["message"] == "predicted 3 texts" and first["request_id"] == "abc-123"
    assert first["model"] == "phi-type" and first["level"] == "INFO"
    assert "request_id" not in second


def test_when_the_incoming_request_id_is_unusable_then_a_new_one_is_made():
    assert logs.clean_request_id("ok-id") == "ok-id"
    for bad in (None, "", "x" * 500, "bad\nid", "ünïcode"):
        rid = logs.clean_request_id(bad)
        assert rid != bad and len(rid) == 32


def test_request_ids_do_not_leak_between_threads():
    seen = {}

    def worker(name):
        with logs.request_context(name):
            threading.Event().wait(0.01)
            seen[name] = logs.current_request_id()

    threads = [threading.Thread(target=worker, args=(f"rid-{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {f"rid-{i}": f"rid-{i}" for i in range(8)}


def test_when_text_logging_is_off_then_only_the_length_is_logged(monkeypatch):
    monkeypatch.delenv("VEIL_LOG_TEXT", raising=False)
    assert logs.text_for_log("Maria Gonzalez") == "<14 chars>"
    monkeypatch.setenv("VEIL_LOG_TEXT", "1")
    assert logs.text_for_log("Maria Gonzalez") == "Maria Gonzalez"


def test_when_an_exception_is_logged_then_the_traceback_is_in_the_json():
    stream = _capture()
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("veil.test").exception("failed")
    (entry,) = _lines(stream)
    assert "ValueError: boom" in entry["exc_info"]
