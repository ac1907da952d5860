"""Operator profiles and deadlines as a team lead sees them: the site's switcher and 截止时间, the widget's."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import LiveServer
from tests.test_site_browser import base_url  # noqa: F401  (a fixture)
from tests.test_widget_browser import items, open_widget, search

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GREEN = "cmcc-green-channel-front-line-to-city-response"  # 中国移动; 紧急 1 / 一般 4 个工作小时


def test_site_operator_switch_and_deadline(browser: Any, base_url: str) -> None:  # noqa: F811  (base_url)
    page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base_url + "escalations/")
    entry = page.locator(f"#{GREEN} + .kb-entry")
    assert "中国移动" in entry.locator(".kb-op").first.inner_text()

    form = entry.locator(".kb-deadline")
    form.locator(".kb-deadline-start").fill("2026-12-04T17:30")  # a Friday evening
    form.locator(".kb-deadline-cond").select_option("紧急")
    form.locator(".kb-deadline-go").click()
    out = form.locator(".kb-deadline-out")
    out.locator("div").first.wait_for()
    assert "12月07日（周一）09:30" in out.inner_text() and "紧急" in out.inner_text()
    assert "13:30" not in out.inner_text()  # the 一般 limit is not asked for

    switch = page.locator(".kb-operator-switch select")
    switch.select_option("中国联通")
    assert entry.is_hidden() and page.locator(f"#{GREEN}").is_hidden()  # another operator's norm
    general = page.locator(".kb-entry[data-operators='通用']").first
    assert general.is_visible()
    page.goto(base_url + "channels/hotline/")  # the choice is remembered, on every page
    assert page.locator(".kb-operator-switch select").input_value() == "中国联通"
    assert page.locator(f"li[data-operators='中国移动'] a[href$='#{GREEN}']").is_hidden()
    page.goto(base_url + "escalations/")
    assert page.locator(".kb-operator-switch select").input_value() == "中国联通"
    assert page.locator(f"#{GREEN} + .kb-entry").is_hidden()
    page.goto(base_url + f"escalations/#{GREEN}")  # a link to it still shows it, marked
    page.locator(f"#{GREEN} + .kb-entry .kb-other-operator").wait_for()
    page.screenshot(path="/tmp/site-operator-deadline.png")
    page.context.close()
    assert errors == []


def test_widget_shows_limits_and_deadline(browser: Any, live_server: LiveServer) -> None:
    page = open_widget(browser, live_server.url)
    search(page, "绿色通道紧急工单")
    card = items(page).filter(has=page.locator(f"xpath=self::*[@data-id='{GREEN}']")).first
    card.wait_for()
    badges = card.locator(".limit").all_inner_texts()
    assert "时限 1 个工作小时（紧急）" in badges and "时限 4 个工作小时（一般）" in badges
    card.locator("input[type=datetime-local]").fill("2026-12-04T17:30")
    card.locator("button", has_text="算截止时间").click()
    due = card.locator(".due div").first
    due.wait_for()
    text = card.locator(".due").inner_text()
    assert "截止 12月07日 09:30　紧急" in text and "截止 12月07日 13:30　一般" in text
    page.screenshot(path="/tmp/widget-deadline.png")
    page.context.close()
