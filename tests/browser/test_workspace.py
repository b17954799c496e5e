"""The inbox's working tools in a real browser: quick replies, @mentions, emoji, files (size
checked before upload), labels, status, snooze and transfer, search, the shortcuts help, the
thread's day separators and scrolling back — and screenshots of the main screens at phone and
desktop widths, written to tests/browser/screenshots/ for a person to look at."""
import json
import struct
import urllib.request
import zlib
from pathlib import Path

from playwright.sync_api import expect

from conftest import sign_in

SHOTS = Path(__file__).parent / "screenshots"


def conversation_row(page, name):
    return page.locator(".conversation", has=page.locator(".name", has_text=name))


def png(width=8, height=8) -> bytes:
    """A tiny valid PNG, made here so the test needs no fixture file."""
    raw = b"".join(b"\x00" + bytes([30, 122, 90]) * width for _ in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def test_composer_tools(browser, demo):
    admin = sign_in(browser, demo, "admin@demo.chorus")
    created = admin.request.post(demo.base + "/api/v1/quick-replies", headers={"X-Chorus-CSRF": "1", "Origin": demo.base},
                                 data={"shortcut": "ship", "body": "Your order ships within 24 hours."})
    assert created.ok, created.text()
    demo.customer_writes("When does my parcel leave?", name="Quinn Tools")
    conversation_row(admin, "Quinn Tools").click()
    composer = admin.locator("#composer")

    # "/" offers the quick replies; Enter takes the highlighted one instead of sending.
    composer.click()
    admin.keyboard.type("/sh")
    expect(admin.locator(".suggestions li", has_text="/ship")).to_be_visible()
    admin.keyboard.press("Enter")
    expect(composer).to_have_value("Your order ships within 24 hours.")
    admin.keyboard.press("Enter")
    expect(admin.locator(".bubble.out", has_text="Your order ships within 24 hours.")).to_be_visible(timeout=5_000)

    # Emoji go in at the caret.
    admin.get_by_role("button", name="Insert an emoji").click()
    admin.locator(".emoji-palette button", has_text="👍").click()
    expect(composer).to_have_value("👍")
    composer.fill("")

    # A note: "@" offers teammates; a third mention is refused in the composer.
    admin.get_by_role("button", name="Internal note").click()
    composer.click()
    admin.keyboard.type("Please check @An")
    expect(admin.locator(".suggestions li", has_text="@Ana Standard")).to_be_visible()
    admin.keyboard.press("Enter")
    admin.keyboard.type("and @Sam")
    admin.keyboard.press("Enter")
    admin.keyboard.type("and @Ri")
    expect(admin.locator(".composer .form-error")).to_contain_text("at most 2")
    composer.fill("Please check @Ana Standard and @Sam Supervisor")
    admin.keyboard.press("Enter")
    expect(admin.locator(".note", has_text="Please check @Ana Standard")).to_be_visible(timeout=5_000)

    # Files: too large is refused before any upload; a small image is sent to Meta's side.
    admin.get_by_role("button", name="Reply", exact=True).click()
    before = len(demo.sent())
    admin.locator(".composer input[type=file]").set_input_files(
        files=[{"name": "huge.png", "mimeType": "image/png", "buffer": b"\x00" * (6 * 1024 * 1024)}])
    expect(admin.locator(".composer .form-error")).to_contain_text("huge.png is 6.0 MB")
    assert len(demo.sent()) == before
    admin.locator(".composer input[type=file]").set_input_files(
        files=[{"name": "label.png", "mimeType": "image/png", "buffer": png()}])
    expect(admin.locator(".bubble.out .media-kind", has_text="Photo")).to_be_visible(timeout=5_000)
    for _ in range(50):  # the sender uploads the file to Meta's side, then sends the message
        if any(item.get("type") == "image" for item in demo.sent()[before:]):
            break
        admin.wait_for_timeout(200)
    assert any(item.get("type") == "image" for item in demo.sent()[before:])
    assert admin.errors == []
    admin.context.close()


def test_labels_status_transfer_and_search(browser, demo):
    admin = sign_in(browser, demo, "admin@demo.chorus")
    made = admin.request.post(demo.base + "/api/v1/labels", headers={"X-Chorus-CSRF": "1", "Origin": demo.base}, data={"name": "Refund"})
    assert made.ok, made.text()
    admin.reload()
    admin.wait_for_selector(".topbar")
    demo.customer_writes("I want my money back for order 5521", name="Rosa Refund")
    conversation_row(admin, "Rosa Refund").click()
    header = admin.locator(".thread-header")

    header.locator("summary", has_text="Labels").click()
    header.locator("label.check", has_text="Refund").locator("input").check()
    expect(header.locator("summary")).to_contain_text("(1)", timeout=5_000)
    # The list narrows to that label; back to any label afterwards.
    demo.customer_writes("Just saying hello", name="Otto Other")
    expect(conversation_row(admin, "Otto Other")).to_be_visible(timeout=10_000)
    admin.get_by_label("Label", exact=True).select_option(label="Refund")
    expect(conversation_row(admin, "Otto Other")).to_have_count(0, timeout=5_000)
    expect(conversation_row(admin, "Rosa Refund")).to_be_visible()
    admin.get_by_label("Label", exact=True).select_option(label="Any label")
    expect(conversation_row(admin, "Otto Other")).to_be_visible(timeout=5_000)
    header.get_by_label("Status").select_option("pending")
    expect(header.get_by_label("Status")).to_have_value("pending", timeout=5_000)
    header.get_by_label("Status").select_option("snooze-hour")
    expect(header.get_by_label("Status")).to_contain_text("Snoozed until", timeout=5_000)
    header.get_by_label("Transfer to").select_option(label="Ana Standard")
    expect(header).to_contain_text("Assigned to Ana Standard", timeout=5_000)

    # Ctrl+K finds the conversation by what the customer wrote.
    admin.locator(".conversation").first.click()
    admin.keyboard.press("Control+k")
    admin.locator("#search-input").fill("5521")
    result = admin.locator(".search-results .result").first
    expect(result).to_contain_text("5521", timeout=5_000)
    result.click()
    expect(header).to_contain_text("Rosa Refund")

    # "?" lists the shortcuts.
    admin.locator(".messages").click()
    admin.keyboard.press("?")
    expect(admin.get_by_role("dialog")).to_contain_text("Keyboard shortcuts")
    admin.keyboard.press("Escape")
    assert admin.errors == []
    admin.context.close()


def test_thread_days_and_scrolling_back(browser, demo):
    wamids = {}
    total = 130  # more than the first page (100): the oldest come by scrolling back
    for i in range(total):
        _, wamids[i] = demo.customer_writes(f"line {i:03d} of a long story", wa_id="4917600070001", name="Lena Long")
    # WhatsApp's later changes to earlier messages: a reaction, a deletion, an edit; then a reply.
    lena = "4917600070001"
    demo.customer_sends(lena, "reaction", {"message_id": wamids[126], "emoji": "👍"}, name="Lena Long")
    demo.customer_sends(lena, "revoke", {"original_message_id": wamids[127]}, name="Lena Long")
    demo.customer_sends(lena, "edit", {"original_message_id": wamids[128],
                                       "message": {"type": "text", "text": {"body": "line 128, corrected"}}}, name="Lena Long")
    demo.customer_writes("about that line: thanks", wa_id=lena, name="Lena Long", context=wamids[125])
    admin = sign_in(browser, demo, "admin@demo.chorus")
    expect(conversation_row(admin, "Lena Long")).to_be_visible(timeout=10_000)
    admin.wait_for_timeout(1500)
    conversation_row(admin, "Lena Long").click()
    expect(admin.locator(".messages .day").first).to_contain_text("Today")
    expect(admin.locator(".bubble", has_text="line 129 of a long story")).to_be_visible(timeout=5_000)
    # Edits, deletions and reactions show on the message they change, not as messages of their own.
    expect(admin.locator(".bubble", has_text="line 128, corrected").locator(".edited")).to_be_visible(timeout=5_000)
    expect(admin.locator(".bubble", has_text="line 128 of a long story")).to_have_count(0)
    expect(admin.locator(".bubble.deleted")).to_contain_text("This message was deleted")
    expect(admin.locator(".bubble", has_text="line 127 of a long story")).to_have_count(0)
    expect(admin.locator(".bubble", has_text="line 126 of a long story").locator(".reaction")).to_have_text("👍")
    # A reply shows what it answers.
    expect(admin.locator(".bubble", has_text="about that line").locator(".quote")).to_have_text("line 125 of a long story")

    # Search finds an old message and brings it into view (loading older pages to reach it).
    expect(admin.locator(".bubble", has_text="line 010 of a long story")).to_have_count(0)
    admin.locator(".messages").click()
    admin.keyboard.press("Control+k")
    admin.locator("#search-input").fill("010")
    admin.locator(".search-results .result", has_text="line 010").click()
    expect(admin.locator(".bubble.found", has_text="line 010 of a long story")).to_be_in_viewport(timeout=5_000)

    # Scrolling to the top brings the rest, then says where the conversation begins.
    for _ in range(3):
        admin.locator(".messages").evaluate("el => el.scrollTop = 0")
        admin.wait_for_timeout(300)
    expect(admin.locator(".bubble", has_text="line 000 of a long story")).to_have_count(1, timeout=5_000)
    expect(admin.locator(".messages .older")).to_contain_text("start of the conversation", timeout=5_000)
    assert admin.errors == []
    admin.context.close()


def test_screenshots_of_the_main_screens(browser, demo):
    """Writes the main screens at desktop and phone widths for a person to look at."""
    SHOTS.mkdir(exist_ok=True)
    demo.customer_writes("Hi! Can I change the delivery address for order 7781?", wa_id="4917600090001", name="Maya Screens")
    demo.customer_writes("It should go to Hauptstraße 5, Berlin 🙏", wa_id="4917600090001", name="Maya Screens")
    demo.customer_writes("你好，我的包裹什么时候到？", wa_id="4917600090002", name="王芳")
    for width, height, name in ((1400, 900, "desktop"), (390, 844, "phone")):
        context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
        page = context.new_page()
        page.goto(demo.base + "/")
        page.wait_for_selector("#email")
        page.screenshot(path=str(SHOTS / f"{name}-sign-in.png"))
        page.fill("#email", "ana@demo.chorus")
        page.fill("#password", "chorus-demo-2026")
        page.click("button[type=submit]")
        page.wait_for_selector(".topbar")
        expect(conversation_row(page, "Maya Screens")).to_be_visible(timeout=10_000)
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / f"{name}-inbox.png"))
        conversation_row(page, "Maya Screens").click()
        expect(page.locator(".bubble", has_text="Hauptstraße")).to_be_visible()
        page.locator("#composer").fill("Of course — I have updated the address.")
        page.screenshot(path=str(SHOTS / f"{name}-thread.png"))
        page.keyboard.press("Escape")
        page.locator(".messages").click()
        page.keyboard.press("Control+k")
        page.locator("#search-input").fill("order")
        page.wait_for_timeout(800)
        page.screenshot(path=str(SHOTS / f"{name}-search.png"))
        page.keyboard.press("Escape")
        context.close()
    assert len(list(SHOTS.glob("*.png"))) >= 8


def test_admin_console_rights_templates_channels_quick_replies(browser, demo):
    admin = sign_in(browser, demo, "admin@demo.chorus")
    admin.on("dialog", lambda d: d.accept("482915") if d.type == "prompt" else d.accept())
    admin.get_by_role("button", name="Settings").click()

    # A permission template, then Ana's rights: the template and one permission denied.
    admin.locator(".settings-menu .view", has_text="Roles & templates").click()
    admin.fill("#template-name", "Night shift")
    admin.fill("#template-window", "22:00-06:00")
    admin.get_by_role("button", name="Create template").click()
    expect(admin.locator(".settings-page table").first).to_contain_text("Night shift", timeout=5_000)
    expect(admin.locator(".settings-page")).to_contain_text("Conflict report")
    SHOTS.mkdir(exist_ok=True)
    admin.screenshot(path=str(SHOTS / "desktop-settings-templates.png"))
    admin.locator(".settings-menu .view", has_text="Members").click()
    admin.locator("tr", has_text="ana@demo.chorus").get_by_role("button", name="Rights").click()
    dialog = admin.get_by_role("dialog")
    dialog.locator("#rights-template").select_option(label="Night shift")
    dialog.get_by_label("Export chat history").select_option("false")
    admin.screenshot(path=str(SHOTS / "desktop-settings-rights.png"))
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden(timeout=5_000)
    ana = admin.request.get(demo.base + "/api/v1/members").json()["items"]
    ana_id = next(m["id"] for m in ana if m["name"] == "Ana Standard")
    detail = admin.request.get(f"{demo.base}/api/v1/members/{ana_id}").json()
    assert detail["overrides"] == {"export_chat_history": False}
    assert detail["sendWindow"] is not None

    # Channels: webhook health and the templates; quick replies: add one.
    admin.locator(".settings-menu .view", has_text="Channels").click()
    expect(admin.locator(".settings-page")).to_contain_text("Webhook health", timeout=5_000)
    admin.locator(".settings-menu .view", has_text="Quick replies").click()
    admin.fill("#quick-shortcut", "/hours")
    admin.fill("#quick-body", "We answer from 8:00 to 20:00, Monday to Saturday.")
    admin.get_by_role("button", name="Add quick reply").click()
    expect(admin.locator(".settings-page kbd", has_text="/hours")).to_be_visible(timeout=5_000)
    assert admin.errors == []
    admin.context.close()


def notified(page, title, seconds=10):
    """Waits for a recorded notification (polled from here: the page's CSP forbids eval)."""
    for _ in range(seconds * 10):
        if title in page.evaluate("() => window.__notifications.map((n) => n.title)"):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"no notification {title!r}: {page.evaluate('() => window.__notifications')}")


def test_notifications_for_assignment_and_mention(browser, demo):
    """While Ana's tab is in the background, being assigned a conversation and being mentioned
    in a note raise browser notifications (the Notification API is recorded, not shown)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script("""
        Object.defineProperty(document, 'hidden', { get: () => true });
        window.__notifications = [];
        window.Notification = class { constructor(title, options) { window.__notifications.push({ title, body: options?.body ?? '' }); } };
        window.Notification.permission = 'granted';
        window.Notification.requestPermission = async () => 'granted';
    """)
    ana = context.new_page()
    ana.goto(demo.base + "/")
    ana.fill("#email", "ana@demo.chorus")
    ana.fill("#password", "chorus-demo-2026")
    ana.click("button[type=submit]")
    ana.wait_for_selector(".topbar")
    admin = sign_in(browser, demo, "admin@demo.chorus")
    demo.customer_writes("Can someone call me back?", name="Nora Notify")
    conversation_row(admin, "Nora Notify").click()
    admin.locator(".thread-header").get_by_label("Transfer to").select_option(label="Ana Standard")
    expect(admin.locator(".thread-header")).to_contain_text("Assigned to Ana Standard", timeout=5_000)
    notified(ana, "Assigned to you: Nora Notify")
    admin.get_by_role("button", name="Internal note").click()
    admin.locator("#composer").fill("@Ana Standard please call her back")
    admin.keyboard.press("Escape")
    admin.get_by_role("button", name="Send").click()
    notified(ana, "Alex Admin mentioned you")
    admin.context.close()
    context.close()


def test_template_dialog_sends_a_template_with_parameters(browser, demo):
    # An approved template on Meta's side (the simulator), synced by an admin.
    body = json.dumps({"name": "order_ready", "language": "en_US", "category": "UTILITY",
                       "components": [{"type": "BODY", "text": "Hello {{1}}, order {{2}} is ready."}]}).encode()
    request = urllib.request.Request(demo.sim + "/v23.0/200000000000001/message_templates", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer sim-access-token"})
    with urllib.request.urlopen(request, timeout=5) as r:
        assert r.status == 200
    admin = sign_in(browser, demo, "admin@demo.chorus")
    synced = admin.request.post(demo.base + "/api/v1/templates/sync", headers={"X-Chorus-CSRF": "1", "Origin": demo.base})
    assert synced.ok, synced.text()
    demo.customer_writes("Is my order ready?", name="Tess Template")
    conversation_row(admin, "Tess Template").click()
    admin.get_by_role("button", name="Template…").click()
    dialog = admin.get_by_role("dialog")
    expect(dialog).not_to_contain_text("window is closed")  # it is open: this customer just wrote
    dialog.locator("#template-pick").select_option(label="order_ready · en_US")
    dialog.locator("#template-param-1").fill("Tess")
    dialog.locator("#template-param-2").fill("A-17")
    expect(dialog.locator(".template-preview")).to_have_text("Hello Tess, order A-17 is ready.")
    SHOTS.mkdir(exist_ok=True)
    admin.screenshot(path=str(SHOTS / "desktop-template.png"))
    before = len(demo.sent())
    dialog.get_by_role("button", name="Send template").click()
    expect(dialog).to_be_hidden(timeout=5_000)
    for _ in range(50):
        sent = [item for item in demo.sent()[before:] if item.get("type") == "template"]
        if sent:
            break
        admin.wait_for_timeout(200)
    assert sent and sent[0]["body"]["template"]["name"] == "order_ready"
    assert [p["text"] for p in sent[0]["body"]["template"]["components"][0]["parameters"]] == ["Tess", "A-17"]
    assert admin.errors == []
    admin.context.close()
