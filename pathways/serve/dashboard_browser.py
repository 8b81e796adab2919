"""Open Superset dashboards in a real headless Chromium, wait for every chart, report errors and
save a screenshot of each: the check an analyst would do by eye. Filters are chosen in the
filter bar and applied with its button, as a reader does, one after another; after each, every
chart reports the filters Superset applied to it (the count on its header)."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
HOLDER = "[data-test='dashboard-component-chart-holder']"
MARKDOWN = "./ancestor::*[contains(@class, 'dashboard-markdown')]"  # a text panel, no chart
RENDERED = "canvas, svg, table"
FILTER_NAME = "[data-test='filter-control-name']"
FILTER_CONTROL = "./ancestor::*[.//*[@data-test='form-item-value']][1]"
APPLY_BUTTONS = "[data-test='filterbar-action-buttons'] button"
FILTER_LOADING = ".ant-select-arrow-loading"  # a filter fetching its options
ERROR_GRACE_SECONDS = 30
# After a filter is applied a cascading filter (the drill-down's first school, after the LEP
# area changed) reloads the charts again: CI saw that take over 30 s on a busy machine.
FILTERED_GRACE_SECONDS = 90
# What a chart shows instead of itself when its query or its rendering failed.
ERROR_MARKERS = ("Unexpected error", "error occurred", "No results were returned",
                 "Error:", "does not exist", "permission")  # fmt: skip


@dataclass
class DashboardReport:
    slug: str
    charts: int = 0
    filtered_by: tuple[str, ...] = ()  # the filter bar's filters applied, in order
    text: str = ""  # every chart's text, to check what a filter let through
    texts: dict[str, str] = field(default_factory=dict)  # chart title -> its text
    applied: dict[str, int] = field(default_factory=dict)  # chart title -> filters applied to it
    errors: list[str] = field(default_factory=list)
    screenshot: Path | None = None
    seconds: float = 0.0


def _driver(profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
                 "--window-size=1600,1400"):  # fmt: skip
        options.add_argument(flag)
    options.binary_location = CHROMIUM
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def _log_in(driver, base_url: str, username: str, password: str) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # The form is built client-side; on a Superset just started its first render can replace
    # the fields after they were typed into: try again rather than wait on a lost submit.
    for attempt in range(3):
        driver.get(f"{base_url}/login/")
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.ID, "username"))
        time.sleep(1)
        driver.find_element(By.ID, "username").send_keys(username)
        driver.find_element(By.ID, "password").send_keys(password + "\n")
        try:
            WebDriverWait(driver, 40).until(lambda d: "/login" not in d.current_url)
            return
        except TimeoutException:
            if attempt == 2:
                raise


def _charts(driver) -> list:
    """The dashboard's charts: the holders that are not Markdown panels."""
    from selenium.webdriver.common.by import By

    return [holder for holder in driver.find_elements(By.CSS_SELECTOR, HOLDER)
            if not holder.find_elements(By.XPATH, MARKDOWN)]  # fmt: skip


def _charts_settled(driver) -> list | None:
    """The chart holders once each shows a chart or an error and nothing is loading: no chart,
    and no filter's options (a cascading filter choosing its first value again)."""
    from selenium.webdriver.common.by import By

    holders = _charts(driver)
    loading = f"[data-test='loading-indicator'], {FILTER_LOADING}"
    if not holders or driver.find_elements(By.CSS_SELECTOR, loading):
        return None
    for holder in holders:
        shown = holder.find_elements(By.CSS_SELECTOR, RENDERED)
        failed = any(marker in holder.text for marker in ERROR_MARKERS)
        if not shown and not failed:
            return None
    return holders


def check_dashboards(
    base_url: str, username: str, password: str, slugs: list[str], out_dir: Path,
    timeout: float = 120, filters: dict[str, list[tuple[str, str]]] | None = None,
    window: tuple[int, int] | None = None,
) -> list[DashboardReport]:  # fmt: skip
    """Open each dashboard, unfiltered, then choose each (filter name, value) of filters[slug]
    in the filter bar and apply it, keeping the earlier ones; a report and a screenshot per
    view. window: the browser's size in pixels (taller for a whole-page picture)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = []
    with tempfile.TemporaryDirectory() as profile:
        driver = _driver(profile)
        try:
            if window:
                driver.set_window_size(*window)
            _log_in(driver, base_url, username, password)
            for slug in slugs:
                driver.get(f"{base_url}/superset/dashboard/{slug}/?standalone=1")
                applied: tuple[str, ...] = ()
                for step in [None, *(filters or {}).get(slug, [])]:
                    if step is not None:
                        _apply_in_filter_bar(driver, *step, timeout)
                        applied += (step[0],)
                    grace = ERROR_GRACE_SECONDS if step is None else FILTERED_GRACE_SECONDS
                    report = _look(driver, slug, timeout, grace)
                    report.filtered_by = applied
                    shot = "--".join([slug, *applied]).replace(" ", "_").lower()
                    report.screenshot = out_dir / f"{shot}.png"
                    driver.save_screenshot(str(report.screenshot))
                    reports.append(report)
        finally:
            driver.quit()
    return reports


def _apply_in_filter_bar(driver, name: str, value: str, timeout: float) -> None:
    """Choose value in the filter bar's filter called name, then press Apply filters."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    (title,) = [element for element in driver.find_elements(By.CSS_SELECTOR, FILTER_NAME)
                if element.text.strip() == name]  # fmt: skip
    control = title.find_element(By.XPATH, FILTER_CONTROL)
    control.find_element(By.CSS_SELECTOR, ".ant-select-selector").click()
    search = control.find_element(By.CSS_SELECTOR, "input")
    search.send_keys(value)
    option = f"//*[contains(@class, 'ant-select-item-option') and @title={_xpath_text(value)}]"
    WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.XPATH, option))
    search.send_keys(Keys.ENTER)
    search.send_keys(Keys.ESCAPE)
    _apply_until_nothing_pending(driver, timeout)


def _apply_until_nothing_pending(driver, timeout: float) -> None:
    """Press Apply filters, and again while it stays enabled, as a reader does: a cascading
    filter (the drill-down's School, after the LEP area changed) takes its new first value
    only when its options arrive, and on a busy machine that is after the first press, leaving
    the new school pending and every chart empty (CI saw this)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def apply_button(d):
        (button,) = [button for button in d.find_elements(By.CSS_SELECTOR, APPLY_BUTTONS)
                     if button.text.strip() == "Apply filters"]  # fmt: skip
        return button

    def options_loaded(d) -> bool:
        return not d.find_elements(By.CSS_SELECTOR, FILTER_LOADING)

    WebDriverWait(driver, timeout).until(lambda d: apply_button(d).is_enabled())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        WebDriverWait(driver, timeout, poll_frequency=0.5).until(options_loaded)
        button = apply_button(driver)
        if not button.is_enabled():
            return
        button.click()
        time.sleep(2)  # the charts and any cascading filter start to reload: wait for that


def _xpath_text(value: str) -> str:
    """An XPath string literal for any text (concat() where it holds both kinds of quote)."""
    if "'" not in value:
        return f"'{value}'"
    return "concat(" + ', "\'", '.join(f"'{part}'" for part in value.split("'")) + ")"


def _wait_until_settled(driver, timeout: float, grace: float) -> None:
    """Settled twice in a row, 2 s apart, and an error given time to clear: a cascading filter
    (the drill-down's first school, after the LEP area changed) reloads the charts once more,
    and on a busy machine its options can take seconds; an error that is real persists."""
    from selenium.webdriver.support.ui import WebDriverWait

    before, first_settled = None, None
    while True:
        WebDriverWait(driver, timeout, poll_frequency=1).until(_charts_settled)
        first_settled = first_settled or time.monotonic()
        now = [holder.text for holder in _charts(driver)]
        failing = any(marker in text for text in now for marker in ERROR_MARKERS)
        waited = time.monotonic() - first_settled
        if (now == before and not failing) or waited > grace:
            return
        before = now
        time.sleep(2)


def _look(driver, slug: str, timeout: float, grace: float) -> DashboardReport:
    from selenium.webdriver.common.by import By

    report = DashboardReport(slug)
    started = time.monotonic()
    _wait_until_settled(driver, timeout, grace)
    report.seconds = time.monotonic() - started
    holders = _charts(driver)
    report.charts = len(holders)
    for holder in holders:
        (chart,) = holder.find_elements(By.CSS_SELECTOR, "[data-test-chart-name]")
        title = chart.get_attribute("data-test-chart-name")
        report.texts[title] = holder.text
        counts = holder.find_elements(By.CSS_SELECTOR, "[data-test='applied-filter-count']")
        report.applied[title] = sum(int(c.text) for c in counts if c.text.strip().isdigit())
    report.errors = [text[:300] for text in report.texts.values()
                     if any(m in text for m in ERROR_MARKERS)]  # fmt: skip
    report.text = "\n".join(report.texts.values())
    return report
