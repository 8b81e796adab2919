"""Open Superset dashboards in a real headless Chromium, wait for every chart, report errors and
save a screenshot of each: the check an analyst would do by eye."""

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
# What a chart shows instead of itself when its query or its rendering failed.
ERROR_MARKERS = ("Unexpected error", "error occurred", "No results were returned",
                 "Error:", "does not exist", "permission")  # fmt: skip


@dataclass
class DashboardReport:
    slug: str
    charts: int = 0
    filtered_by: str = ""
    text: str = ""  # every chart's text, to check what a filter let through
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
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base_url}/login/")  # the form is built client-side: wait for it
    WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.ID, "username"))
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password + "\n")
    WebDriverWait(driver, 60).until(lambda d: "/login" not in d.current_url)


def _rison(value) -> str:
    """Rison, the URL encoding Superset reads its native_filters parameter in."""
    if isinstance(value, dict):
        return "(" + ",".join(f"{key}:{_rison(item)}" for key, item in value.items()) + ")"
    if isinstance(value, list | tuple):
        return "!(" + ",".join(_rison(item) for item in value) + ")"
    text = str(value).replace("!", "!!").replace("'", "!'")
    return f"'{text}'"


def native_filters_parameter(filter_id: str, column: str, values: list[str]) -> str:
    """The URL parameter that opens a dashboard with one native select filter applied."""
    from urllib.parse import quote

    state = {filter_id: {"id": filter_id,
                         "extraFormData": {"filters": [{"col": column, "op": "IN",
                                                        "val": values}]},
                         "filterState": {"value": values, "label": ", ".join(values)},
                         "ownState": {}}}  # fmt: skip
    return "native_filters=" + quote(_rison(state), safe="():,!'")


def _charts(driver) -> list:
    """The dashboard's charts: the holders that are not Markdown panels."""
    from selenium.webdriver.common.by import By

    return [holder for holder in driver.find_elements(By.CSS_SELECTOR, HOLDER)
            if not holder.find_elements(By.XPATH, MARKDOWN)]  # fmt: skip


def _charts_settled(driver) -> list | None:
    """The chart holders once each shows a chart or an error and nothing is loading."""
    from selenium.webdriver.common.by import By

    holders = _charts(driver)
    if not holders or driver.find_elements(By.CSS_SELECTOR, "[data-test='loading-indicator']"):
        return None
    for holder in holders:
        shown = holder.find_elements(By.CSS_SELECTOR, RENDERED)
        failed = any(marker in holder.text for marker in ERROR_MARKERS)
        if not shown and not failed:
            return None
    return holders


def check_dashboards(
    base_url: str, username: str, password: str, slugs: list[str], out_dir: Path,
    timeout: float = 120, filters: dict[str, list[tuple[str, str, str, str]]] | None = None,
) -> list[DashboardReport]:  # fmt: skip
    """Open each dashboard, unfiltered, then once per (name, filter id, column, value) in
    filters[slug]; a report (and a screenshot) per view."""
    out_dir.mkdir(parents=True, exist_ok=True)
    reports = []
    with tempfile.TemporaryDirectory() as profile:
        driver = _driver(profile)
        try:
            _log_in(driver, base_url, username, password)
            for slug in slugs:
                views = [("", "")] + [
                    (name, native_filters_parameter(filter_id, column, [value]))
                    for name, filter_id, column, value in (filters or {}).get(slug, [])
                ]
                for name, parameter in views:
                    url = f"{base_url}/superset/dashboard/{slug}/?standalone=1&{parameter}"
                    report = _look(driver, url, slug, timeout)
                    report.filtered_by = name
                    shot = slug + (f"--{name}".replace(" ", "_").lower() if name else "")
                    report.screenshot = out_dir / f"{shot}.png"
                    driver.save_screenshot(str(report.screenshot))
                    reports.append(report)
        finally:
            driver.quit()
    return reports


def _look(driver, url: str, slug: str, timeout: float) -> DashboardReport:
    from selenium.webdriver.support.ui import WebDriverWait

    report = DashboardReport(slug)
    started = time.monotonic()
    driver.get(url)
    WebDriverWait(driver, timeout, poll_frequency=1).until(_charts_settled)
    time.sleep(1)  # let the last animation finish before the screenshot
    report.seconds = time.monotonic() - started
    holders = _charts(driver)
    report.charts = len(holders)
    texts = [holder.text for holder in holders]
    report.errors = [text[:300] for text in texts if any(m in text for m in ERROR_MARKERS)]
    report.text = "\n".join(texts)
    return report
