"""pgAdmin 4's web UI driven through Selenium in Debian's headless Chromium.

The browser and its driver are Debian's (`chromium`, `chromium-driver`): the driver's path is
given to Selenium, so Selenium Manager never runs (it would try to download a driver). Steps wait
by polling the page; `shot` keeps a numbered screenshot in the artefacts directory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Headless as root; no background traffic (the network is closed here, and a test must not wait
# on it). A tall window keeps the whole expanded tree rendered: the tree draws only visible rows.
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1600,2000"]

T = TypeVar("T")
TreePath = list[tuple[str, int]]  # tree rows from the top: (label, depth)


class UiError(AssertionError):
    pass


class PgAdminUi:
    def __init__(self, url: str, artefacts: Path, profile_dir: Path) -> None:
        if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
            raise UiError("chromium and chromium-driver are not installed: run scripts/setup/20-pgadmin.sh")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}"]:
            options.add_argument(flag)
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.url = url
        self.artefacts = artefacts
        self.shots = 0

    def close(self) -> None:
        self.driver.quit()

    # -- generic ------------------------------------------------------------------------------------

    def shot(self, name: str) -> Path:
        self.shots += 1
        path = self.artefacts / f"{self.shots:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def wait(self, what: str, probe: Callable[[], T | None], timeout: float = 30.0) -> T:
        """Poll `probe` until it returns something truthy; a stale element counts as not yet."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = probe()
                if value:
                    return value
            except StaleElementReferenceException:
                pass
            if time.monotonic() > deadline:
                self.shot("timeout")
                raise UiError(f"timed out waiting for {what}\n{self.page_state()}")
            time.sleep(0.25)

    def page_state(self) -> str:
        """What the page shows when a wait fails (CI keeps no screenshots): the tree rows and the
        text of every visible dialog, alert and notification."""
        try:
            rows = [f"{'  ' * depth}{label}" for label, depth, _ in self.tree_rows()]
            messages = [e.text.strip()[:600] for e in self.visible(
                "[role=dialog], [role=alert], [role=alertdialog], .notistack-SnackbarContainer")]
        except WebDriverException as e:
            return f"(page state unavailable: {e.msg})"
        return "tree:\n" + "\n".join(rows) + "\nmessages:\n" + "\n---\n".join(m for m in messages if m)

    def visible(self, css: str) -> list[WebElement]:
        return [e for e in self.driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]

    def labelled(self, css: str, label: str, timeout: float = 30.0) -> WebElement:
        """The first visible `css` element whose text (its first line: menu items go on with their
        keyboard shortcut) is `label`."""
        def find() -> WebElement | None:
            return next((e for e in self.visible(css) if e.text.split("\n")[0].strip() == label), None)
        return self.wait(f"{css} {label!r}", find, timeout)

    def fill(self, name: str, value: str) -> None:
        field = self.wait(f"input {name!r}", lambda: next(iter(self.visible(f"input[name={name}]")), None))
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.DELETE)
        field.send_keys(value)

    def switch_on(self, name: str) -> None:
        box = self.driver.find_element(By.CSS_SELECTOR, f"input[name={name}]")
        if not box.is_selected():
            self.driver.execute_script("arguments[0].click();", box)  # MUI hides the real checkbox
        self.wait(f"switch {name!r} on", box.is_selected)

    def click(self, element: WebElement) -> None:
        try:
            element.click()
        except WebDriverException:  # covered for a moment by a fading overlay: click it where it is
            self.driver.execute_script("arguments[0].click();", element)

    # -- pages, menus and dialogs ---------------------------------------------------------------------

    def login(self, email: str, password: str) -> None:
        self.driver.get(self.url + "/login")
        self.fill("email", email)
        self.fill("password", password)
        login = self.driver.find_element(By.NAME, "internal_button")
        self.wait("the login button", login.is_enabled)
        login.click()
        self.wait("the object explorer", lambda: self.entry([("Servers", 1)]))

    def register_server(self, name: str, host: str, port: int, user: str, database: str = "postgres") -> None:
        """Object > Register > Server...: General and Connection tabs, Save; pgAdmin connects at once.
        Returns once the dialog has closed: until its request has finished connecting, pgAdmin
        lists the group's servers with an error ('ServerManager' has no 'user_info' yet), and a
        tree node opened then stays empty."""
        self.click(self.wait("the Servers group", lambda: self.label_of(self.entry([("Servers", 1)]))))
        self.menu("Object", "Register", "Server...")
        self.fill("name", name)
        self.click(self.labelled("[role=tab]", "Connection"))
        self.fill("host", host)
        self.fill("port", str(port))
        self.fill("db", database)
        self.fill("username", user)
        self.fill("password", "unused")  # trust authentication: QuantaDB ignores it
        self.switch_on("save_password")  # so that no password prompt interrupts the later steps
        self.shot("register-server")
        self.click(self.labelled("button", "Save"))
        self.wait("the Register - Server dialog to close", lambda: not self.visible("input[name=host]"), 90)

    def menu(self, top: str, *items: str) -> None:
        """Click a menu of the menu bar, then the items of its sub-menus."""
        self.click(self.labelled("button", top))
        self._menu_items(items)

    def context_menu(self, row: WebElement, *items: str) -> None:
        """Right-click a tree row, then the items of its sub-menus."""
        ActionChains(self.driver).context_click(self.label_of(row)).perform()
        self._menu_items(items)

    def _menu_items(self, items: tuple[str, ...]) -> None:
        for label in items:
            item = self.labelled("[role=menuitem]", label)
            ActionChains(self.driver).move_to_element(item).perform()
            item.click()

    # -- the object explorer ------------------------------------------------------------------------

    def tree_rows(self) -> list[tuple[str, int, WebElement]]:
        """(label, depth, element) of each rendered tree row, in display order."""
        return [tuple(r) for r in self.driver.execute_script(
            "return Array.from(document.querySelectorAll('div.file-entry')).map(e => "
            "[e.querySelector('span.file-name').textContent, Number(e.dataset.depth), e]);")]

    def entry(self, path: TreePath) -> WebElement | None:
        """The row at `path`, or None while it is not shown."""
        rows = self.tree_rows()
        i, found = 0, None
        for label, depth in path:
            while i < len(rows) and rows[i][:2] != (label, depth):
                if found is not None and rows[i][1] < depth:  # left the parent's subtree
                    return None
                i += 1
            if i == len(rows):
                return None
            found = rows[i][2]
            i += 1
        return found

    @staticmethod
    def label_of(row: WebElement | None) -> WebElement | None:
        return row.find_element(By.CSS_SELECTOR, "span.file-name") if row is not None else None

    def children(self, path: TreePath) -> list[str]:
        """Labels of the rows shown right under `path`."""
        rows = self.tree_rows()
        row = self.entry(path)
        if row is None:
            return []
        i = [r[2] for r in rows].index(row)
        depth = rows[i][1]
        out = []
        for label, d, _ in rows[i + 1:]:
            if d <= depth:
                break
            if d == depth + 1:
                out.append(label)
        return out

    def expand(self, labels: list[str], timeout: float = 60.0) -> TreePath:
        """Open the tree along `labels` (from "Servers" down), select the last row, and return its path."""
        path: TreePath = []
        for depth, label in enumerate(labels, start=1):
            path.append((label, depth))
            self.wait(f"tree node {' > '.join(labels[:depth])} open", self._opener(list(path)), timeout)
        self.click(self.label_of(self.entry(path)))
        return path

    def _opener(self, path: TreePath) -> Callable[[], bool]:
        """A probe that is true once `path` shows children (or is a leaf), clicking its toggle while
        it is closed (again if pgAdmin closed it while still adding the node, as after registering
        a server), and closing it to be opened again when it has stayed open without children
        (pgAdmin opened it before the node it was adding was there)."""
        clicked, open_since = [0.0], [None]

        def probe() -> bool:
            row = self.entry(path)
            if row is None:
                return False
            toggles = row.find_elements(By.CSS_SELECTOR, "i.directory-toggle")
            if self.children(path) or not toggles:  # open, or a leaf
                return True
            toggle, now = toggles[0], time.monotonic()
            if "open" in (toggle.get_attribute("class") or "").split():
                if open_since[0] is None:
                    open_since[0] = now
                elif now - open_since[0] > 10:  # open and empty: close it, to be opened again
                    self.click(toggle)
                    clicked[0], open_since[0] = now, None
            elif now - clicked[0] > 3:
                self.click(toggle)
                clicked[0], open_since[0] = now, None
            return False
        return probe

    def collapse(self, path: TreePath) -> None:
        self.click(self.entry(path).find_element(By.CSS_SELECTOR, "i.directory-toggle"))
        self.wait(f"{path[-1][0]} collapsed", lambda: not self.children(path))

    def panel_text(self, tab: str, expected: str, timeout: float = 60.0) -> str:
        """Open a tab of the main panel (Properties, SQL, ...) and return its editor's text once it shows `expected`."""
        self.click(self.labelled("[role=tab]", tab))
        return self.wait(f"{tab} panel showing {expected!r}", lambda: next(
            (e.text for e in self.visible(".cm-content") if expected in e.text), None), timeout)

    # -- tools (View/Edit Data, Query Tool): each opens in a tab of its own, in an iframe ---------------

    @contextmanager
    def tool_frame(self) -> Iterator[None]:
        """Work inside the most recently opened tool tab."""
        frame = self.wait("a tool tab", lambda: next(reversed(self.visible("iframe")), None))
        self.driver.switch_to.frame(frame)
        try:
            yield
        finally:
            self.driver.switch_to.default_content()

    def run_query(self, sql: str) -> None:
        """Type `sql` into the Query Tool's editor and execute it (inside tool_frame)."""
        editor = self.wait("the query editor", lambda: next(iter(self.visible(".cm-content")), None))
        editor.click()
        editor.send_keys(sql)
        self.click(self.wait("the Execute button",
                             lambda: next(iter(self.visible("button[aria-label='Execute script']")), None)))

    def grid(self, rows: int, timeout: float = 60.0) -> tuple[list[str], list[list[str]]]:
        """Column names and cell texts of the result grid once it shows `rows` rows (inside
        tool_frame), without the row-number column."""
        def read() -> tuple[list[str], list[list[str]]] | None:
            grids = self.visible("[role=grid]")
            if not grids:
                return None
            headers = [h.text.split("\n")[0].strip()
                       for h in grids[-1].find_elements(By.CSS_SELECTOR, "[role=columnheader]")]
            cells = [[c.text for c in r.find_elements(By.CSS_SELECTOR, "[role=gridcell]")]
                     for r in grids[-1].find_elements(By.CSS_SELECTOR, "[role=row]")]
            cells = [c[1:] for c in cells if c]
            return (headers[1:], cells) if len(cells) == rows else None
        return self.wait(f"a result grid of {rows} rows", read, timeout)
