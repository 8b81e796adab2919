"""Open Superset dashboards in a real headless Chromium, wait for every chart, report errors and
save a screenshot of each: the check an analyst would do by eye."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHART = "[data-test='dashboard-component-chart-holder']"
RENDERED = "canvas, svg, table"
# What a chart shows instead of itself when its query or its rendering failed.
ERROR_MARKERS = ("Unexpected error", "error occurred", "No results were returned",
                 "Error:", "does not exist", "permission")  # fmt: skip


@dataclass
class DashboardReport:
    slug: str
    charts: int = 0
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


def _charts_settled(driver) -> list | None:
    """The chart holders once each shows a chart or an error and nothing is loading."""
    from selenium.webdriver.common.by import By

    holders = driver.find_elements(By.CSS_SELECTOR, CHART)
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
    timeout: float = 120,
) -> list[DashboardReport]:  # fmt: skip
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    out_dir.mkdir(parents=True, exist_ok=True)
    reports = []
    with tempfile.TemporaryDirectory() as profile:
        driver = _driver(profile)
        try:
            _log_in(driver, base_url, username, password)
            for slug in slugs:
                report = DashboardReport(slug)
                started = time.monotonic()
                driver.get(f"{base_url}/superset/dashboard/{slug}/?standalone=1")
                holders = WebDriverWait(driver, timeout, poll_frequency=1).until(_charts_settled)
                time.sleep(1)  # let the last animation finish before the screenshot
                report.seconds = time.monotonic() - started
                report.charts = len(holders)
                for holder in driver.find_elements(By.CSS_SELECTOR, CHART):
                    text = holder.text
                    if any(marker in text for marker in ERROR_MARKERS):
                        report.errors.append(text[:300])
                report.screenshot = out_dir / f"{slug}.png"
                driver.save_screenshot(str(report.screenshot))
                reports.append(report)
        finally:
            driver.quit()
    return reports
