"""The TaskRunner (serial and on a real thread) and the Qt models (qtmodeltester)."""

from __future__ import annotations

import threading

from fieldkit.errors import ValidationError
from fieldkit.gui.models import SiteFilterProxy, SiteTableModel, ThumbnailModel
from fieldkit.gui.tasks import TaskRunner
from fieldkit.progress import CancelToken
from fieldkit.store import Store


def slow_count(n: int, *, progress, cancel: CancelToken) -> int:
    for i in range(n):
        cancel.check()
        progress(i + 1, n, f"step {i}")
        threading.Event().wait(0.002)
    return n


def test_serial_runner_runs_at_once():
    runner = TaskRunner(None, serial=True)
    seen = []
    runner.run(lambda x: x * 2, 21, needs_store=False, on_done=seen.append)
    assert seen == [42] and not runner.busy()


def test_threaded_runner_uses_its_own_store_and_thread(qtbot, demo_home):
    runner = TaskRunner(demo_home)
    try:
        out = []

        def where(store: Store) -> tuple[int, int]:
            return threading.get_ident(), store.count("site")

        runner.run(where, on_done=out.append)
        qtbot.waitUntil(lambda: bool(out), timeout=10000)
        assert out[0][0] != threading.get_ident() and out[0][1] == 3

        errors = []
        runner.run(
            lambda s: s.create("site", {"name": "x"}), on_error=errors.append, on_done=out.append
        )
        qtbot.waitUntil(lambda: bool(errors), timeout=10000)
        assert isinstance(errors[0], ValidationError)
    finally:
        runner.shutdown()


def test_threaded_progress_and_cancel(qtbot):
    runner = TaskRunner(None)
    try:
        progress, ends = [], []

        def on_progress(done, total, message):
            progress.append(done)
            if done >= 20:
                task.cancel.cancel()

        task = runner.run(
            slow_count,
            500,
            needs_store=False,
            progress=True,
            on_progress=on_progress,
            on_done=lambda r: ends.append(("done", r)),
            on_cancelled=lambda: ends.append(("cancelled", None)),
        )
        with qtbot.waitSignal(runner.task_finished, timeout=20000):
            pass
        assert ends == [("cancelled", None)]
        assert progress and progress[-1] < 500
    finally:
        runner.shutdown()


def test_site_model_pages_and_passes_the_model_tester(qtmodeltester, demo_home):
    store = Store.open(demo_home)
    try:
        case = store.find("case")[0]
        with store.transaction():
            for i in range(450):
                store.create("site", {"case_id": case["id"], "name": f"Site {i:04d}"})
        SiteTableModel.PAGE = 100
        model = SiteTableModel(store)
        model.reload()
        assert model.rowCount() == 100 and model.canFetchMore()
        qtmodeltester.check(model)
        proxy = SiteFilterProxy()
        proxy.setSourceModel(model)
        proxy.set_text("Site 0449")
        assert proxy.rowCount() == 1 and not model.canFetchMore()
        assert model.rowCount() == 453
        qtmodeltester.check(proxy)
    finally:
        SiteTableModel.PAGE = 2000
        store.close()


def test_thumbnail_model(qtmodeltester, qtbot, demo_home):
    store = Store.open(demo_home)
    try:
        site = store.find("site", where={"name": "Market crossroads"})[0]
        model = ThumbnailModel(store)
        model.load_target(site["id"])
        qtmodeltester.check(model)
        for r in range(model.rowCount()):
            model.index(r).data(1)  # DecorationRole asks for the thumbnail
        qtbot.waitUntil(lambda: model.loaded_count() == 3, timeout=10000)
        model.wait_idle()
    finally:
        store.close()


def test_cli_gui_has_help():
    from fieldkit.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    gui = sub.choices["gui"]
    assert gui.description and "--demo" in gui.format_help()
