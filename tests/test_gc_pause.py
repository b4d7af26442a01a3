"""The collector is paused only where nobody else is working (app/gc_pause.py)."""

import gc
import threading

import pytest

from app.gc_pause import gc_paused, pausing_is_safe


def _inside_pause() -> bool:
    with gc_paused():
        return gc.isenabled()


def test_a_pause_from_another_thread_leaves_the_collector_on():
    seen: list[bool] = []
    thread = threading.Thread(target=lambda: seen.append(_inside_pause()))
    thread.start()
    thread.join()
    assert seen == [True]
    assert gc.isenabled()


def test_the_main_thread_does_not_pause_while_another_thread_runs():
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not pausing_is_safe()
        assert _inside_pause() is True
    finally:
        release.set()
        other.join()


def test_a_process_with_one_thread_pauses_and_resumes():
    if threading.active_count() != 1:
        pytest.skip("another thread is alive in this test process")
    assert _inside_pause() is False
    assert gc.isenabled()


def test_a_pdf_leaves_its_garbage_to_the_first_young_sweep():
    """render_pdf pauses the collector and lets the document go before resuming it: no
    box of the layout lives on into an older generation (thousands did when the
    collector swept during the layout, and when it resumed with the document held)."""
    if threading.active_count() != 1:
        pytest.skip("another thread is alive in this test process")
    from app.documents.pdf import render_pdf

    paragraphs = "".join(f"<p>Paragraph {n} of a few words.</p>" for n in range(300))
    html = f"<html lang='en'><head><title>T</title></head><body>{paragraphs}</body></html>"
    render_pdf(html)  # fonts and caches filled once
    gc.collect()
    before = len(gc.get_objects())
    render_pdf(html)
    assert gc.isenabled()
    gc.collect(0)
    assert len(gc.get_objects()) - before <= 0
