"""Keystroke-to-results time of the widget in headless Chromium, real KB served on loopback."""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import QUERIES, real_release  # noqa: E402
from tests.conftest import BROWSER_ARGS, LiveServer  # noqa: E402
from tests.test_widget_browser import measure_latency, open_widget, search  # noqa: E402


def main(rounds: int = 3) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        out = Path(tmp)
        real_release(out)
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=BROWSER_ARGS)
        with LiveServer(out) as server:
            page = open_widget(browser, server.url)
            search(page, "热身")
            times = sorted(t for _ in range(rounds) for t in measure_latency(page, QUERIES))
        browser.close()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"widget keystroke→results, {len(times)} queries (debounce ~50 ms included): "
          f"p50 {statistics.median(times):.0f} ms  p95 {p95:.0f} ms  max {times[-1]:.0f} ms")


if __name__ == "__main__":
    main()
