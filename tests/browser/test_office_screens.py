"""Issue 16 in the office, in Chromium: the quake overlay and banner for an office of the
quake's province (and none for another), forwarding to a work unit whose member then sees the
complaint, incident actions (draw, send, reassign, cancel, stand down, close, reopen) with
phone numbers, search/dates/sort/total, district names in the unplaced queue, provinces at a
national zoom, navigation per role, and the language kept across pages."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.browser import data
from tests.browser.conftest import login
from tests.browser.conftest import screenshot
from tests.browser.conftest import wait_live
from tests.browser.conftest import wall_login
from tests.browser.test_wall_screens import FLORES_LATE
from tests.browser.test_wall_screens import _burst

pytestmark = pytest.mark.db


def _unit(engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT id FROM units WHERE name = :n"), {"n": name}
                            ).scalar_one()


def _responder(app, kind: str, name: str, lat: float, lon: float, phone: str) -> int:
    from server.extensions import db
    from server.services import responders

    with app.app_context():
        session = db.session()
        row = responders.create(session, "test", {"type": kind, "name": name, "phone": phone,
                                                  "base": {"lat": lat, "lon": lon}})
        rid = row.id
        session.close()
    return rid


def test_an_office_of_the_quake_province_sees_the_overlay_and_banner(
    database_url, web, accounts, clean, new_page
):
    pages = {}
    for region in ("53", "32"):  # Nusa Tenggara Timur (Flores is shaken) and Jawa Barat
        name, pw, _ = accounts("regional", region)
        page = new_page(1600, 900)
        page.clock.install(time=FLORES_LATE)
        login(page, web.url, name, pw, "/office")
        wait_live(page)
        pages[region] = page
    _burst(database_url)
    ntt = pages["53"]
    ntt.wait_for_function("() => document.getElementById('app').dataset.quakeAlert",
                          timeout=15000)
    banner = ntt.locator("#quake-banner")
    assert banner.is_visible()
    text = banner.inner_text()
    assert "M7.4" in text and "LARANTUKA" in text and "BERPOTENSI TSUNAMI" in text
    assert "di wilayah Anda" in text and "jam lalu" in text
    for selector in ("path.kd-epicentre", "path.kd-contour", "path.kd-affected",
                     "path.kd-tsunami"):
        assert ntt.locator(selector).count() > 0, selector
    assert ntt.locator("#app").get_attribute("data-beeps") == "1"  # the alert sounded once
    # fitted to the office's province, with the epicentre in view
    inside = ntt.evaluate("""() => { const b = window.Kendali.office.map.getBounds();
      return [b.contains([-7.59, 122.24]), b.contains([-10.17, 123.6]),
              b.contains([-6.9, 107.6])]; }""")
    assert inside == [True, True, False]  # the epicentre, Kupang; not Bandung
    screenshot(ntt, "office-ntt-quake")
    # an office of another province: no banner, no overlay
    java = pages["32"]
    java.wait_for_timeout(1500)
    assert java.locator("#quake-banner").is_hidden()
    assert java.locator("path.kd-epicentre").count() == 0
    for page in pages.values():
        page.watch.check()


def test_forwarding_to_a_unit_reaches_its_member_elsewhere(
    web, bapp, engine, accounts, clean, new_page
):
    key = data.channel_key(bapp, "sp4n_lapor")
    item = data.complaint(web.url, key, data.PALU, "Bantuan PKH belum cair di Besusu Barat")
    name, pw, _ = accounts("operator")
    page = new_page(1600, 900)
    login(page, web.url, name, pw, "/office")
    wait_live(page)
    page.locator(f"#complaints li[data-id='{item['id']}']").click()
    page.wait_for_selector(f"#detail[data-id='{item['id']}'] form.status-form")
    # an API error, in the page's language: "ditolak" needs a reason
    page.select_option("#detail select[name=status]", "ditolak")
    page.click("#detail form.status-form button[type=submit]")
    error = page.locator("#detail form.status-form .error")
    error.wait_for()
    assert error.inner_text() == "Periksa isian — Alasan: wajib diisi"
    page.select_option("#detail select[name=status]", "diverifikasi")
    page.click("#detail form.status-form button[type=submit]")
    page.wait_for_selector(f"#complaints li[data-id='{item['id']}'][data-status='diverifikasi']")
    page.select_option("#detail select[name=status]", "diteruskan")
    assert page.locator("#detail label.unit").is_visible()  # forwarding asks for the unit
    page.wait_for_function("() => [...document.querySelectorAll("
                           "'#detail select[name=assigned_to] option')].some("
                           "(o) => o.text.startsWith('Dinas Sosial Kota Palu'))")  # its own
    page.fill("#detail input[name=unit_q]", "Kota Bandung")  # any unit, by name
    page.wait_for_function("""() => { const s = document.querySelector(
      '#detail select[name=assigned_to]'); return s.selectedOptions[0] &&
      s.selectedOptions[0].text.startsWith('Dinas Sosial Kota Bandung'); }""")
    page.fill("#detail textarea[name=note]", "Pelapor pindah ke Bandung.")
    page.click("#detail form.status-form button[type=submit]")
    page.wait_for_selector(f"#complaints li[data-id='{item['id']}'][data-status='diteruskan']")
    detail = page.locator("#detail").inner_text()
    assert "Dinas Sosial Kota Bandung" in detail
    timeline = page.locator("#detail .timeline").inner_text()
    assert "Diteruskan ke Dinas Sosial Kota Bandung" in timeline
    assert f"{name} · Diverifikasi" in timeline and "user:" not in timeline  # readable actors
    assert "Kanal SP4N-LAPOR! · diterima" in timeline
    page.watch.check(allow=("400",))

    bandung = _unit(engine, "Dinas Sosial Kota Bandung")
    member, mpw, user = accounts("regional", None, None, unit_id=bandung)
    assert user.region_code == "32.73"  # the unit's region
    other = new_page(1600, 900)
    login(other, web.url, member, mpw, "/office")
    wait_live(other)
    row = other.locator(f"#complaints li[data-id='{item['id']}']")
    row.wait_for()  # a Palu complaint in a Bandung office: forwarded to its unit
    row.click()
    other.wait_for_selector(f"#detail[data-id='{item['id']}']")
    assert "Kota Palu" in other.locator("#detail").inner_text()
    screenshot(other, "office-unit-member")
    other.watch.check()


def test_incident_actions_from_the_office(web, bapp, engine, accounts, clean, new_page):
    near = [("tagana", "Budi Tagana"), ("tksk", "Sari TKSK"), ("tagana", "Andi Tagana"),
            ("tksk", "Rina TKSK")]
    for i, (kind, who) in enumerate(near):
        _responder(bapp, kind, who, -0.90 + i * 0.01, 119.87, f"08120000000{i}")
    name, pw, _ = accounts("operator")
    page = new_page(1600, 900)
    login(page, web.url, name, pw, "/office")
    wait_live(page)
    page.click("[data-tab=incidents]")
    page.click("#draw-incident")
    page.evaluate("() => window.Kendali.office.map.setView([-0.9, 119.87], 12)")
    page.wait_for_timeout(800)
    corners = [(-0.92, 119.85), (-0.92, 119.89), (-0.88, 119.89), (-0.88, 119.85), (-0.92, 119.85)]
    box = page.locator("#map").bounding_box()
    for lat, lon in corners:  # click by click, then on the first vertex to close the ring
        x, y = page.evaluate("([lat, lon]) => { const p = window.Kendali.office.map"
                             ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
                             [lat, lon])
        page.mouse.click(box["x"] + x, box["y"] + y)
        page.wait_for_timeout(150)
    page.wait_for_selector("#incident-form")
    page.select_option("#incident-form select[name=hazard]", "flood")
    page.fill("#incident-form input[name=title]", "Banjir uji gambar")
    page.click("#incident-form button[type=submit]")
    incident = page.locator("#incidents li.incident", has_text="Banjir uji gambar")
    incident.wait_for()
    iid = int(incident.get_attribute("data-incident-id"))
    with engine.connect() as conn:
        hazard, notified = conn.execute(sa.text(
            "SELECT hazard, (SELECT count(*) FROM dispatches WHERE incident_id = :i) "
            "FROM incidents WHERE id = :i"), {"i": iid}).one()
    assert hazard == "flood" and notified == 2  # dispatched at once: one Tagana, one TKSK
    area = incident.locator("li.area").first
    phones = area.locator("a.phone")
    assert phones.count() == 2 and phones.first.get_attribute("href").startswith("tel:0812")

    def chips():
        return {c.get_attribute("data-dispatch-id"): c.get_attribute("data-state")
                for c in area.locator(".chip[data-dispatch-id]").all()}

    before = chips()
    area.locator("button.send").click()
    picker = area.locator(".picker")
    picker.locator(".candidates li").first.wait_for()
    free = picker.locator(".candidates li:has(button:not([disabled]))")
    assert free.count() == 2  # the two not yet notified; the others' buttons are disabled
    free.first.locator("button").click()
    page.wait_for_function("(n) => document.querySelectorAll("
                           "'#incidents li.area:first-of-type .chip[data-dispatch-id]').length"
                           " > n", arg=len(before))
    added = next(d for d in chips() if d not in before)
    # reassign the one just sent to the last free responder
    area.locator(f".chip[data-dispatch-id='{added}'] button.reassign").click()
    area.locator(".picker .candidates li:has(button:not([disabled])) button").first.click()
    page.wait_for_function("(d) => !document.querySelector("
                           "`.chip[data-dispatch-id='${d}']`)", arg=added)
    replacement = next(d for d in chips() if d not in before)
    with engine.connect() as conn:
        states = dict(conn.execute(sa.text("SELECT id::text, state FROM dispatches WHERE id IN "
                                           "(:a, :b)"), {"a": int(added), "b": int(replacement)})
                      .all())
    assert states == {added: "cancelled", replacement: "notified"}
    area.locator(f".chip[data-dispatch-id='{replacement}'] button.cancel").click()
    page.wait_for_function("(d) => !document.querySelector("
                           "`.chip[data-dispatch-id='${d}']`)", arg=replacement)
    area.locator("button.stand-down").click()
    page.wait_for_selector("#incidents li.area.closed")
    incident = page.locator(f"#incidents li.incident[data-incident-id='{iid}']")
    incident.locator("input[name=note]").fill("Air surut, warga kembali.")
    incident.locator("button.incident-close").click()
    incident.wait_for(state="detached")
    page.check("#incident-tools input[type=checkbox]")  # show the closed ones
    closed = page.locator(f"#incidents li.incident[data-incident-id='{iid}']")
    closed.locator("button.incident-reopen").click()
    page.wait_for_selector(f"#incidents li.incident-active[data-incident-id='{iid}']")
    with engine.connect() as conn:
        status = conn.execute(sa.text("SELECT status FROM incidents WHERE id = :i"),
                              {"i": iid}).scalar_one()
        trail = conn.execute(sa.text("SELECT action, after->>'note' FROM audit_log WHERE "
                                     "object_type = 'incident' AND object_id = :i ORDER BY id"),
                             {"i": str(iid)}).all()
    assert status == "active"
    acts = [(a, n) for a, n in trail if a != "incident.create"]
    assert acts == [("incident.area_close", None),
                    ("incident.close", "Air surut, warga kembali."),  # the note typed beside it
                    ("incident.reopen", None)]
    screenshot(page, "office-incident-actions")
    page.watch.check()


def test_search_dates_sort_and_the_total(web, bapp, accounts, clean, new_page):
    key = data.channel_key(bapp)
    tag = uuid.uuid4().hex[:6]
    made = [data.complaint(web.url, key, data.PALU, f"{text} {tag}") for text in (
        "Ada pungutan liar saat pencairan BLT", "Nama hilang dari DTKS", "Kartu KKS rusak")]
    name, pw, _ = accounts("operator")
    page = new_page(1600, 900)
    login(page, web.url, name, pw, "/office")
    wait_live(page)
    page.wait_for_function("() => document.getElementById('app').dataset.listTotal === '3'")
    assert page.locator("#list-count").inner_text() == "3 dimuat dari 3"
    page.fill("#filters input[name=q]", "pungutan")
    page.wait_for_function("() => document.getElementById('app').dataset.listTotal === '1'")
    assert page.locator("#complaints li[data-id]").get_attribute("data-id") == str(made[0]["id"])
    page.fill("#filters input[name=q]", "")
    page.wait_for_function("() => document.getElementById('app').dataset.listTotal === '3'")
    page.select_option("#filters select[name=sort]", "oldest")
    page.wait_for_function("(id) => document.querySelector('#complaints li[data-id]').dataset"
                           ".id === id", arg=str(made[0]["id"]))
    page.fill("#filters input[name=from]", "2099-01-01")
    page.dispatch_event("#filters input[name=from]", "change")
    page.wait_for_function("() => document.getElementById('app').dataset.listTotal === '0'")
    page.watch.check()


def test_the_unplaced_queue_takes_a_district_name(web, bapp, accounts, engine, clean, new_page):
    key = data.channel_key(bapp)
    res = data.complaint(web.url, key, None, "Alamat kurang jelas",
                         location={"regency": "Bandung", "address": "Jl. Dago 10"})
    name, pw, _ = accounts("operator")
    page = new_page(1600, 900)
    login(page, web.url, name, pw, "/office")
    wait_live(page)
    page.click("[data-tab=unplaced]")
    item = page.locator(f"#unplaced li[data-id='{res['id']}']")
    item.wait_for()
    error = item.locator(".error")
    for typed, expected in (("Kecamatan Tidakada", 'Kecamatan "Kecamatan Tidakada" tidak'),
                            ("Karanganyar", "Beberapa kecamatan cocok")):
        item.locator("input[name=district]").fill(typed)
        item.locator("button.place").click()
        page.wait_for_function("([sel, text]) => document.querySelector(sel).textContent"
                               ".includes(text)", arg=[f"#unplaced li[data-id='{res['id']}'] "
                                                       ".error", expected])
        assert "district" not in error.inner_text()  # no raw API text
    item.locator("input[name=district]").fill("Coblong")
    item.locator("button.place").click()
    item.wait_for(state="detached")
    with engine.connect() as conn:
        district = conn.execute(sa.text("SELECT d.name FROM complaints c JOIN areas d ON "
                                        "d.code = c.district_code WHERE c.id = :i"),
                                {"i": res["id"]}).scalar_one()
    assert district == "Coblong"
    page.watch.check()


def test_the_national_view_shows_provinces_not_a_blob(web, bapp, accounts, clean, new_page):
    key = data.channel_key(bapp)
    for point in (data.PALU, data.SIGI, data.BANDUNG, data.BANDUNG):
        data.complaint(web.url, key, point, "Bantuan belum diterima")
    name, pw, _ = accounts("operator")
    page = new_page(1366, 768)
    login(page, web.url, name, pw, "/office")
    wait_live(page)
    page.wait_for_function("() => document.getElementById('app').dataset.mapLevel")
    assert page.locator("#app").get_attribute("data-map-level") == "province"
    labels = sorted(int(b) for b in page.locator(".kd-bubble span").all_inner_texts())
    assert labels == [2, 2]  # Sulawesi Tengah, Jawa Barat: one bubble each
    assert page.title().startswith("Pusat Kendali — Nasional")
    screenshot(page, "office-national-1366")
    page.watch.check()


def test_every_role_lands_on_its_page_and_the_language_stays(web, bapp, accounts, new_page):
    name, pw, _ = accounts("operator")
    page = new_page(1600, 900)
    login(page, web.url, name, pw, "/office")
    assert page.url == web.url + "/office"
    assert page.locator("h1").inner_text() == "Pusat Kendali — Nasional"
    nav = page.locator("nav.pages a")
    assert [a.get_attribute("href") for a in nav.all()] == ["/office", "/wall", "/admin"]
    page.click("a.lang")  # English
    assert page.locator("h1").inner_text() == "Command Center — National"
    page.click("nav.pages a[data-nav=wall]")
    page.wait_for_url(web.url + "/wall")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Video Wall"
    page.goto(web.url + "/admin")
    assert page.locator("h1").inner_text() == "Administration"
    page.click("a.lang")  # back to Bahasa Indonesia, and it stays so
    page.goto(web.url + "/office")
    assert page.locator("h1").inner_text() == "Pusat Kendali — Nasional"

    for role, region, home in (("regional", "72", "/office"), ("admin", None, "/admin"),
                               ("field", None, "/field")):
        who, secret, _ = accounts(role, region, 999999 if role == "field" else None)
        other = new_page(1280, 800)
        other.goto(web.url + "/login")
        other.fill("input[name=username]", who)
        other.fill("input[name=password]", secret)
        with other.expect_navigation():
            other.click("button[type=submit]")
        assert other.url == web.url + home, (role, other.url)
        if role == "regional":
            assert other.locator("nav.pages").count() == 0  # one page only
    screen = new_page(1280, 720)
    wall_login(bapp, screen, web.url)
    screen.goto(web.url + "/")
    assert screen.url == web.url + "/wall"


def test_a_possible_duplicate_is_confirmed_on_the_detail(web, bapp, accounts, engine, clean,
                                                         new_page):
    reporter = {"name": "Ibu Rahma", "phone": "0812-9999-0001"}
    first = data.complaint(web.url, data.channel_key(bapp, "jaga_bansos"), data.PALU,
                           "PKH tahap dua belum cair", reporter=reporter)
    second = data.complaint(web.url, data.channel_key(bapp, "sp4n_lapor"), data.PALU,
                            "Bantuan PKH saya belum masuk rekening", reporter=reporter)
    assert second["possible_duplicate_of"] == first["id"]  # same reporter, same category
    name, pw, _ = accounts("operator")
    page = new_page(1600, 900)
    login(page, web.url, name, pw, "/office")
    wait_live(page)
    row = page.locator(f"#complaints li[data-id='{second['id']}']")
    assert "mungkin ganda" in row.inner_text()
    row.click()
    box = page.locator("#detail .duplicates")
    box.wait_for()
    assert "pelapor sama" in box.inner_text() and f"#{first['id']}" in box.inner_text()
    box.locator("button.dup-confirm").click()
    page.wait_for_selector("#detail .duplicates >> text=Digabung dengan pengaduan")
    with engine.connect() as conn:
        primary = conn.execute(sa.text("SELECT primary_id FROM complaints WHERE id = :i"),
                               {"i": second["id"]}).scalar_one()
    assert primary == first["id"]
    assert "dikonfirmasi ganda" in page.locator("#detail .timeline").inner_text()
    page.watch.check()
