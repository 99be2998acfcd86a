"""Small helpers for driving the pages: waiting for text, typing into the web chat, signing in, screenshots."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.webdriver import WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

TIMEOUT = 60.0


def wait_for(driver: WebDriver, check: Callable[[WebDriver], object], timeout: float = TIMEOUT) -> object:
    """Wait until ``check`` gives something true."""
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(check)


def body_text(driver: WebDriver) -> str:
    """The visible text of the page."""
    return str(driver.find_element(By.TAG_NAME, "body").text)


def wait_text(driver: WebDriver, text: str, timeout: float = TIMEOUT) -> None:
    """Wait until the page shows ``text``."""
    wait_for(driver, lambda d: text in body_text(d), timeout)


def chat_log(driver: WebDriver) -> str:
    """The web chat's conversation as text."""
    return str(driver.find_element(By.ID, "log").text)


def chat(driver: WebDriver, text: str, expect: str, timeout: float = TIMEOUT) -> str:
    """Type ``text`` into the web chat, send it and wait for a reply holding ``expect``; the new part of the log."""
    before = len(chat_log(driver))
    box = driver.find_element(By.ID, "text")
    box.send_keys(text)
    box.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: expect in chat_log(d)[before:], timeout)
    return chat_log(driver)[before:]


def sign_in(driver: WebDriver, base: str, username: str, password: str) -> None:
    """Sign in through the form."""
    driver.get(f"{base}/admin/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait_for(driver, lambda d: "/admin/login" not in d.current_url)


def submit(driver: WebDriver, css: str) -> None:
    """Press the button ``css`` and wait for the next page."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, css).click()
    wait_for(driver, lambda d: _stale(old))


def _stale(element: WebElement) -> bool:
    try:
        return not element.is_enabled()
    except StaleElementReferenceException:
        return True


def screenshot(driver: WebDriver, folder: Path, name: str, width: int) -> Path:
    """A full-page screenshot at ``width`` CSS pixels (a phone at 390, a desktop at 1280)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    time.sleep(0.2)
    height = int(driver.execute_script("return document.documentElement.scrollHeight"))
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": min(height, 6000), "deviceScaleFactor": 1, "mobile": width < 600},
    )
    time.sleep(0.2)
    path = folder / f"{name}-{width}.png"
    driver.save_screenshot(str(path))
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return path


def both_widths(driver: WebDriver, folder: Path, name: str) -> list[Path]:
    """Screenshots of the current page at 390 px and 1280 px."""
    return [screenshot(driver, folder, name, width) for width in (390, 1280)]
