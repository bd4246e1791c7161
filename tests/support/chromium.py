"""Debian's headless Chromium through Selenium, as root, for bench/ scripts (tests use dash_duo)."""

from __future__ import annotations

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service as DriverService

from tests.support.constants import CHROMEDRIVER, CHROMIUM

FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-extensions", "--disable-component-update", "--no-first-run")


def browser(width: int = 1400, height: int = 1000) -> webdriver.Chrome:
    """Headless Chromium as root, without GPU, sandbox or background traffic, at `width` x `height`."""
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--window-size={width},{height}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=DriverService(CHROMEDRIVER), options=options)
