"""The agents' inbox in a real browser (Chromium), against a real Chorus and simulator."""
import re

from playwright.sync_api import expect

from conftest import sign_in


def conversation_row(page, name):
    return page.locator(".conversation", has=page.locator(".name", has_text=name))


def test_two_members_collaborate_live(browser, demo):
    ana = sign_in(browser, demo, "ana@demo.chorus")
    sam = sign_in(browser, demo, "sam@demo.chorus")
    demo.customer_writes("Hello, is my order on its way?", name="Greta Live")
    # Both see it arrive without reloading.
    expect(conversation_row(ana, "Greta Live")).to_be_visible(timeout=10_000)
    expect(conversation_row(sam, "Greta Live")).to_be_visible(timeout=10_000)
    # Ana takes it; Sam opens it and sees the assignment and Ana's presence.
    conversation_row(ana, "Greta Live").click()
    ana.get_by_role("button", name="Assign to me").click()
    expect(ana.locator(".thread-header")).to_contain_text("Assigned to Ana Standard")
    conversation_row(sam, "Greta Live").click()
    expect(sam.locator(".thread-header")).to_contain_text("Assigned to Ana Standard", timeout=5_000)
    expect(sam.locator(".presence")).to_contain_text("Ana Standard", timeout=5_000)
    # Ana types: Sam sees it.
    ana.locator("#composer").click()
    ana.keyboard.type("Yes, ")
    expect(sam.locator(".typing")).to_contain_text("Ana Standard is typing", timeout=5_000)
    # Ana replies; the simulator (Meta's side) receives it; the ticks turn to read.
    ana.keyboard.type("it ships today.")
    ana.keyboard.press("Enter")
    reply = ana.locator(".bubble.out", has_text="Yes, it ships today.")
    expect(reply).to_be_visible(timeout=5_000)
    assert any(item["body"].get("text", {}).get("body") == "Yes, it ships today." for item in demo.sent())
    expect(reply.locator(".tick.read")).to_be_visible(timeout=10_000)
    expect(sam.locator(".bubble.out", has_text="Yes, it ships today.")).to_be_visible(timeout=5_000)
    assert ana.errors == [] and sam.errors == []
    ana.context.close()
    sam.context.close()


def test_restricted_member_never_sees_unassigned(browser, demo):
    rita = sign_in(browser, demo, "rita@demo.chorus")
    demo.customer_writes("This one is for the team", name="Hidden Harald")
    admin = sign_in(browser, demo, "admin@demo.chorus")
    expect(conversation_row(admin, "Hidden Harald")).to_be_visible(timeout=10_000)
    rita.wait_for_timeout(1000)
    for view in ["Mine", "Unassigned", "All", "Mentions"]:
        rita.locator(".view", has_text=view).click()
        rita.wait_for_timeout(300)
        expect(conversation_row(rita, "Hidden Harald")).to_have_count(0)
    assert "Hidden Harald" not in rita.content()
    rita.context.close()
    admin.context.close()


HOSTILE = [
    '<img src=x onerror="window.__pwned=1">',
    '<script>window.__pwned=2</script>',
    '[click](javascript:window.__pwned=3) javascript:window.__pwned=3',
    'abc\u202edcba\u202c RTL override',
    'x' * 10_000,
    '👩‍👩‍👧‍👦🏳️‍🌈 family and flag',
]


def test_hostile_customer_text_is_inert(browser, demo):
    for text in HOSTILE:
        demo.customer_writes(text, wa_id="4916099999", name="Mallory <b>Bold</b>")
    page = sign_in(browser, demo, "admin@demo.chorus")
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    row = conversation_row(page, "Mallory <b>Bold</b>")
    expect(row).to_be_visible(timeout=10_000)
    row.click()
    expect(page.locator(".bubble")).to_have_count(len(HOSTILE), timeout=10_000)
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert page.locator(".messages img").count() == 0
    assert page.locator(".messages script").count() == 0
    assert page.locator('a[href^="javascript"]').count() == 0
    assert page.locator(".messages b").count() == 0
    expect(page.locator(".bubble", has_text='<img src=x onerror="window.__pwned=1">')).to_be_visible()
    # The 10,000-character line wraps inside the thread instead of widening the page.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1400, width
    assert page.errors == []
    page.context.close()


def test_interface_switches_to_simplified_chinese(browser, demo):
    page = sign_in(browser, demo, "ana@demo.chorus")
    page.select_option("#language", "zh-CN")
    expect(page.locator(".view", has_text="全部")).to_be_visible()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    page.select_option("#language", "en")
    page.context.close()
    # The admin console too, including what the server computes (advisories, presets).
    admin = sign_in(browser, demo, "admin@demo.chorus")
    admin.select_option("#language", "zh-CN")
    admin.get_by_role("button", name="设置").click()
    admin.locator(".settings-menu .view", has_text="建议").click()
    expect(admin.locator(".advisories")).to_contain_text("管理员")
    expect(admin.locator(".advisories")).not_to_contain_text("admin")
    expect(admin.locator(".settings-page")).to_contain_text("每天少于 50 条消息")
    admin.select_option("#language", "en")
    admin.context.close()


def test_link_a_new_browser_with_a_code(browser, demo):
    signed_in = sign_in(browser, demo, "sam@demo.chorus")
    fresh = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    fresh.goto(demo.base + "/")
    fresh.get_by_role("button", name="Link with a signed-in device instead").click()
    code = fresh.locator(".short-code")
    expect(code).to_have_text(re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$"), timeout=5_000)
    expect(fresh.locator("img.qr")).to_be_visible()
    expect(fresh.locator(".link-card")).to_contain_text("Valid for")
    # The signed-in device approves the code from its device list.
    signed_in.get_by_role("button", name="Devices").click()
    signed_in.fill("#link-code", code.inner_text())
    signed_in.get_by_role("button", name="Approve").click()
    # The new browser is now signed in as Sam, on its own session.
    expect(fresh.locator(".topbar")).to_contain_text("Sam Supervisor", timeout=10_000)
    signed_in.wait_for_timeout(500)
    assert signed_in.locator(".device").count() >= 2
    fresh.context.close()
    signed_in.context.close()


def test_admin_invites_and_imports_members(browser, demo, tmp_path):
    admin = sign_in(browser, demo, "admin@demo.chorus")
    admin.get_by_role("button", name="Settings").click()
    admin.fill("#invite-name", "Nora New")
    admin.fill("#invite-email", "nora@demo.chorus")
    admin.get_by_role("button", name="Invite", exact=True).click()
    expect(admin.locator(".invite-link")).to_contain_text("/#/accept/")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email,role\nGood,good.one@demo.chorus,standard\nBroken,not-an-email,standard\n")
    admin.set_input_files("#import-file", str(bad))
    expect(admin.locator(".import-report")).to_contain_text("Nothing was created")
    expect(admin.locator(".import-report tr.bad")).to_have_count(1)
    good = tmp_path / "good.csv"
    good.write_text("name,email,role\n" + "".join(f"Agent {i},agent{i}@demo.chorus,standard\n" for i in range(6)))
    admin.set_input_files("#import-file", str(good))
    expect(admin.locator(".import-report")).to_contain_text("6 invitations created")
    # A standard member has no Settings at all.
    ana = sign_in(browser, demo, "ana@demo.chorus")
    expect(ana.get_by_role("button", name="Settings")).to_have_count(0)
    assert admin.errors == []
    admin.context.close()
    ana.context.close()


def test_security_settings_ask_for_the_step_up_pin(browser, demo):
    admin = sign_in(browser, demo, "admin@demo.chorus")
    admin.on("dialog", lambda d: d.accept("482915"))
    admin.get_by_role("button", name="Settings").click()
    admin.locator(".settings-menu .view", has_text="Security").click()
    admin.fill("#deviceIdleDays", "10")
    admin.get_by_role("button", name="Save").click()
    expect(admin.locator(".settings-form .form-error")).to_have_text("Saved.", timeout=5_000)
    admin.context.close()


def test_socket_follows_a_server_whose_event_log_went_back(browser, demo):
    """A device that saw events up to 10 meets a server whose log ends at 5 (restored from a
    backup): it takes the server's mark, so the server's next events (6, 7 …, ids it had seen
    once) are shown, not dropped as seen."""
    page = browser.new_page()
    page.goto(demo.base + "/")
    shown = page.evaluate("""async () => {
        const { EventSocket } = await import('/app/socket.js');
        const shown = [];
        const socket = new EventSocket({ onEvent: (e) => shown.push(e.id), onPresence() {}, onState() {}, onClosedForGood() {} });
        socket.lastEventId = 10;
        socket.receive({ type: 'hello', lastEventId: 12 });   // ahead: replay follows, keep ours
        socket.receive({ id: 9, type: 'x' });                  // seen already: dropped
        socket.receive({ id: 11, type: 'x' });
        socket.receive({ type: 'hello', lastEventId: 5 });     // behind: take the server's mark
        socket.receive({ id: 6, type: 'x' });
        return shown;
    }""")
    page.close()
    assert shown == [11, 6]
