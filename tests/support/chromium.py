"""Debian's headless Chromium through Selenium, as root, for bench/ scripts (tests use dash_duo)."""

from __future__ import annotations

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service as DriverService

from tests.support.constants import CHROMEDRIVER, CHROMIUM

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-extensions",
    "--disable-component-update",
    "--no-first-run",
)


def browser(width: int = 1400, height: int = 1000, *, touch: bool = False) -> webdriver.Chrome:
    """Headless Chromium as root, without GPU, sandbox or background traffic, at `width` x `height`
    (a touch
    device, like a phone, when `touch`)."""
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=DriverService(CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 2 if touch else 1, "mobile": touch},
    )
    driver.execute_cdp_cmd(
        "Emulation.setTouchEmulationEnabled",
        {"enabled": touch, "maxTouchPoints": 5 if touch else 1},
    )
    return driver
