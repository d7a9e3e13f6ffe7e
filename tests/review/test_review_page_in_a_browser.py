"""The board's HTML page in a real headless Chromium: dev, prod, a blocked prod and a 40-service stack.

Reviewers read and print the page; these tests render it as they would, screenshot it into build/review/
and check what they rely on: the banner and its colour, every table, every role's verdict visible, and no
text overflowing its cell or broken in the middle of a word. Chromium comes from Debian (`apt-get install
chromium chromium-driver`, which `.ci/run` does); without it the tests skip and say so, except under CI=true.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from container_platform.cli import main
from container_platform.review.offline_runtime import PROJECT_ROOT

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in requirements-dev.txt")

SCREENSHOTS = PROJECT_ROOT / "build" / "review"
FORTY = PROJECT_ROOT / "tests" / "program" / "fixtures" / "forty_services.yaml"
WIDTH = 1280
UNPROMOTED = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/container-platform/hello-world@sha256:" + "1" * 64
BANNER_COLOURS = {"PASSED": "rgb(218, 251, 225)", "BLOCKED": "rgb(255, 235, 233)"}  # green, red
# Every word of a table cell renders on one line (a word in two rectangles was broken mid-word; only a
# digest's hex may wrap), and no cell's content is wider than the cell.
LAYOUT_PROBLEMS = """
const problems = [];
for (const cell of document.querySelectorAll('td, th')) {
  if (cell.scrollWidth > cell.clientWidth + 1) problems.push('overflows: ' + cell.textContent.slice(0, 80));
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent;
    for (const match of text.matchAll(/[^\\s\\/,.:@=()-]+/g)) {
      if (/^(sha256)?[0-9a-f]{32,}$/.test(match[0])) continue;  // a digest's hex may wrap anywhere
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      if (range.getClientRects().length > 1) problems.push('word broken: ' + match[0]);
    }
  }
}
if (document.documentElement.scrollWidth > window.innerWidth) problems.push('the page scrolls sideways');
return problems;
"""


def chromium() -> webdriver.Chrome:
    missing = [name for name in ("chromium", "chromedriver") if shutil.which(name) is None]
    if missing:
        reason = f"{' and '.join(missing)} not installed: apt-get install -y chromium chromium-driver"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the review page cannot be rendered: {reason}", pytrace=False)
        pytest.skip(reason)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        f"--window-size={WIDTH},1600",
    ):
        options.add_argument(argument)
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    return webdriver.Chrome(options=options, service=service)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    """dev and prod as `make review` writes them, and a 40-service stack reviewed from a project copy."""
    project = tmp_path_factory.mktemp("forty") / "project"
    project.mkdir()
    for entry in PROJECT_ROOT.iterdir():
        if entry.name not in {".git", ".venv", "build", "policies"} and not entry.name.startswith("Pulumi."):
            (project / entry.name).symlink_to(entry)
    (project / "Pulumi.yaml").symlink_to(PROJECT_ROOT / "Pulumi.yaml")
    (project / "Pulumi.scale.yaml").write_text(yaml.safe_dump(yaml.safe_load(FORTY.read_text())))
    (project / "policies").mkdir()
    for entry in (PROJECT_ROOT / "policies").iterdir():
        if entry.name != "config":
            (project / "policies" / entry.name).symlink_to(entry)
    (project / "policies" / "config").mkdir()
    configs = PROJECT_ROOT / "policies" / "config"
    (project / "policies" / "config" / "scale.json").symlink_to(configs / "dev.json")
    # A prod whose hello-world digest nobody promoted: the page a board must not approve.
    blocked = yaml.safe_load((PROJECT_ROOT / "Pulumi.prod.yaml").read_text())
    blocked["config"]["container-platform:images"]["pinned"]["hello-world"] = UNPROMOTED
    (project / "Pulumi.blocked.yaml").write_text(yaml.safe_dump(blocked))
    (project / "policies" / "config" / "blocked.json").symlink_to(configs / "prod.json")
    out = tmp_path_factory.mktemp("pages")
    assert main(["review", "--stack", "dev", "--stack", "prod", "--output-dir", str(out)]) == 0
    assert main(["review", "--stack", "scale", "--project-dir", str(project), "--output-dir", str(out)]) == 0
    assert (
        main(["review", "--stack", "blocked", "--project-dir", str(project), "--output-dir", str(out)]) == 1
    )
    return {stack: out / f"{stack}.html" for stack in ("dev", "prod", "scale", "blocked")}


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


@pytest.mark.parametrize("stack", ["dev", "prod", "scale", "blocked"])
def test_the_page_shows_its_verdicts_and_nothing_overflows(pages, browser, stack):
    browser.get(pages[stack].as_uri())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / f"{stack}.png"))
    verdict = "BLOCKED" if stack == "blocked" else "PASSED"
    banner = browser.find_element("css selector", "p.banner")
    assert banner.is_displayed() and banner.text.startswith(verdict)
    colour = browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", banner)
    assert colour == BANNER_COLOURS[verdict]
    images = browser.find_element("xpath", "//h2[starts-with(@id, '1-')]/following-sibling::table[1]")
    first = images.find_element("css selector", "tbody tr td:first-child strong.v")
    # scale's applications are not in dev's approved repositories: advisory there, blocking in prod.
    assert first.is_displayed() and first.text in (
        {"BLOCKED"} if stack == "blocked" else {"PASSED", "ADVISORY"}
    )
    assert banner.location["y"] < 200, "the verdict is the first thing on the page"
    tables = browser.find_elements("css selector", "table")
    assert len(tables) >= 5 and all(table.is_displayed() for table in tables)
    roles = browser.find_element("id", "3-iam-roles-who-may-assume-them-what-they-may-do")
    table = roles.find_element("xpath", "following-sibling::table[1]")
    browser.execute_script("arguments[0].scrollIntoView()", table)
    rows = table.find_elements("css selector", "tbody tr")
    assert len(rows) >= 2
    for row in rows:
        verdict = row.find_element("css selector", "td:first-child strong.v")
        assert verdict.is_displayed() and verdict.text in ("PASSED", "ADVISORY", "DEFERRED"), row.text
        assert verdict.size["width"] > 0 and verdict.location["x"] + verdict.size["width"] <= WIDTH
    assert browser.save_screenshot(str(SCREENSHOTS / f"{stack}-roles.png"))
    assert browser.execute_script(LAYOUT_PROBLEMS) == []


def test_the_forty_service_page_has_a_contents_that_links_every_section(pages, browser):
    browser.get(pages["scale"].as_uri())
    links = browser.find_elements("css selector", "h2#contents + ul a")
    assert len(links) >= 7
    for link in links:
        target = link.get_attribute("href").split("#", 1)[1]
        assert browser.find_elements("id", target), f"contents links to #{target}, which is not on the page"
    rows = browser.find_elements("xpath", "//h2[starts-with(@id, '3-')]/following-sibling::table[1]/tbody/tr")
    assert len(rows) >= 80, "40 services: an execution role and a task role each"


def test_print_keeps_the_verdict_colours(pages, browser):
    browser.get(pages["prod"].as_uri())
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    banner = browser.find_element("css selector", "p.banner strong.v")
    adjust = browser.execute_script("return getComputedStyle(arguments[0]).printColorAdjust", banner)
    assert adjust == "exact"
    assert browser.execute_script(LAYOUT_PROBLEMS) == []
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
