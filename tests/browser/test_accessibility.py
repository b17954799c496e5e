"""Accessibility, checked by axe-core (axe-playwright-python from PyPI bundles it) on the main
screens in a real browser: no serious or critical violation (WCAG 2 A/AA rules: names and
labels on controls, contrast, roles, keyboard reachability)."""
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from conftest import PASSWORD

RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def serious(page, where):
    results = Axe().run(page, options=RULES)
    found = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    return [f"{where}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in found]


def test_main_screens_have_no_serious_violations(browser, demo):
    demo.customer_writes("Do you ship to Vienna?", wa_id="4917600080001", name="Vera Access")
    problems = []
    for width, height, scheme in ((1400, 900, "light"), (390, 844, "dark")):
        context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
        page = context.new_page()
        page.goto(demo.base + "/")
        page.wait_for_selector("#email")
        problems += serious(page, f"sign-in {width}px {scheme}")
        page.fill("#email", "admin@demo.chorus")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector(".topbar")
        row = page.locator(".conversation", has=page.locator(".name", has_text="Vera Access"))
        expect(row).to_be_visible(timeout=10_000)
        problems += serious(page, f"inbox {width}px {scheme}")
        row.click()
        expect(page.locator(".bubble", has_text="Vienna")).to_be_visible()
        problems += serious(page, f"thread {width}px {scheme}")
        page.get_by_role("button", name="Settings").click()
        page.wait_for_selector(".settings-page table")
        problems += serious(page, f"settings {width}px {scheme}")
        context.close()
    assert problems == [], "\n".join(problems)
