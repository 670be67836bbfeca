"""Interface text: Bahasa Indonesia by default, English on request (``?lang=en``, cookie)."""

from __future__ import annotations

from flask import g
from flask import request

from server.web.i18n_field import FIELD_TEXT
from server.web.i18n_screens import SCREEN_TEXT
from server.web.i18n_warnings import WARNING_TEXT

LANGUAGES = ("id", "en")

TEXT: dict[str, dict[str, str]] = {
    "app_name": {"id": "Kendali — Pusat Kendali Kemensos", "en": "Kendali — MoSA Command Center"},
    "login_title": {"id": "Masuk", "en": "Sign in"},
    "username": {"id": "Nama pengguna", "en": "Username"},
    "password": {"id": "Kata sandi", "en": "Password"},
    "login_button": {"id": "Masuk", "en": "Sign in"},
    "logout_button": {"id": "Keluar", "en": "Sign out"},
    "login_failed": {
        "id": "Nama pengguna atau kata sandi salah.",
        "en": "Wrong username or password.",
    },
    "login_throttled": {
        "id": "Terlalu banyak percobaan gagal untuk nama ini dari alamat ini. Coba lagi nanti.",
        "en": "Too many failed attempts for this name from this address. Try again later.",
    },
    "too_many": {
        "id": "Terlalu banyak percobaan. Coba lagi nanti.",
        "en": "Too many attempts. Try again later.",
    },
    "wall_code_invalid": {
        "id": "Kode layar tidak berlaku atau sudah dipakai.",
        "en": "This screen code is invalid or already used.",
    },
    "forbidden": {
        "id": "Akun ini tidak boleh membuka halaman ini.",
        "en": "This account may not open this page.",
    },
    "signed_in_as": {"id": "Masuk sebagai", "en": "Signed in as"},
    "language": {"id": "English", "en": "Bahasa Indonesia"},
    "wall_title": {"id": "Dinding Video", "en": "Video Wall"},
    "office_title": {"id": "Kantor Wilayah", "en": "Regional Office"},
    "field_title": {"id": "Tablet Lapangan", "en": "Field Tablet"},
    # -- the live-map pages (wall, office, field); ui_* and the value names below also reach
    #    the page scripts as JSON (server/web/pages.py client_strings) --------------------
    "ui_months": {
        "id": "Jan,Feb,Mar,Apr,Mei,Jun,Jul,Agu,Sep,Okt,Nov,Des",
        "en": "Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec",
    },
    "ui_compass": {
        "id": "U,UTL,TL,TTL,T,TTg,Tg,STg,S,SBD,BD,BBD,B,BBL,BL,UBL",
        "en": "N,NNE,NE,ENE,E,ESE,SE,SSE,S,SSW,SW,WSW,W,WNW,NW,NNW",
    },
    "ui_conn_connecting": {"id": "Menghubungkan…", "en": "Connecting…"},
    "ui_conn_syncing": {"id": "Menyusul data…", "en": "Catching up…"},
    "ui_conn_live": {"id": "Langsung", "en": "Live"},
    "ui_conn_offline": {"id": "Terputus — mencoba lagi", "en": "Disconnected — retrying"},
    "ui_conn_unauthorized": {"id": "Sesi berakhir", "en": "Signed out"},
    "ui_map_label": {"id": "Peta Indonesia", "en": "Map of Indonesia"},
    "ui_playback": {"id": "Putar ulang", "en": "Playback"},
    "ui_play_24h": {"id": "Putar 24 jam", "en": "Replay 24 h"},
    "ui_stop": {"id": "Berhenti", "en": "Stop"},
    "ui_speed": {"id": "Kecepatan", "en": "Speed"},
    "ui_playback_loading": {"id": "Memuat kejadian…", "en": "Loading events…"},
    "ui_playback_error": {"id": "Gagal memuat kejadian", "en": "Could not load events"},
    "ui_sound_on": {"id": "Suara: hidup", "en": "Sound: on"},
    "ui_sound_off": {"id": "Suara: mati", "en": "Sound: off"},
    "ui_shade_open": {"id": "Pengaduan terbuka:", "en": "Open complaints:"},
    "ui_shade_overdue": {"id": "Lewat batas waktu:", "en": "Overdue:"},
    "ui_shade_show_open": {"id": "Arsir: terbuka", "en": "Shade: open"},
    "ui_shade_show_overdue": {"id": "Arsir: lewat batas", "en": "Shade: overdue"},
    "ui_active_quake": {"id": "Gempa aktif", "en": "Active earthquake"},
    "ui_no_quake": {"id": "Belum ada gempa.", "en": "No earthquake yet."},
    "ui_max_mmi": {"id": "MMI maks {mmi}", "en": "Max MMI {mmi}"},
    "ui_time": {"id": "Waktu", "en": "Time"},
    "ui_depth": {"id": "Kedalaman", "en": "Depth"},
    "ui_tsunami": {"id": "Tsunami", "en": "Tsunami"},
    "ui_tsunami_potential": {"id": "BERPOTENSI TSUNAMI", "en": "TSUNAMI POTENTIAL"},
    "ui_tsunami_none": {"id": "Tidak berpotensi tsunami", "en": "No tsunami potential"},
    "ui_tsunami_coasts": {"id": "{n} pesisir siaga tsunami", "en": "{n} coasts on tsunami alert"},
    "ui_exposed": {"id": "Penduduk terpapar per intensitas", "en": "People exposed by intensity"},
    "ui_affected_regencies": {"id": "{n} kab/kota terdampak", "en": "{n} regencies affected"},
    "ui_staffed": {"id": "{n} wilayah terpenuhi", "en": "{n} areas staffed"},
    "ui_unstaffed": {"id": "{n} belum terpenuhi", "en": "{n} unstaffed"},
    "ui_area_below": {"id": "di bawah ambang", "en": "below threshold"},
    "ui_area_below_hint": {
        "id": "Perkiraan terbaru (dengan laporan dirasakan) tidak lagi mencapai wilayah ini. "
        "Petugas tidak ditarik otomatis: hentikan wilayah bila perlu.",
        "en": "The latest estimate (with felt reports) no longer reaches this area. Nobody "
        "is withdrawn automatically: stand the area down if needed.",
    },
    "ui_complaints": {"id": "Pengaduan", "en": "Complaints"},
    "ui_total": {"id": "total", "en": "total"},
    "ui_open": {"id": "Terbuka", "en": "Open"},
    "ui_overdue": {"id": "Lewat batas", "en": "Overdue"},
    "ui_by_channel": {"id": "Per kanal", "en": "By channel"},
    "ui_by_status": {"id": "Per status", "en": "By status"},
    "ui_incidents": {"id": "Insiden", "en": "Incidents"},
    "ui_no_incidents": {"id": "Tidak ada insiden terbuka.", "en": "No open incidents."},
    "ui_more": {"id": "+{n} wilayah lagi", "en": "+{n} more areas"},
    "ui_latest_events": {"id": "Kejadian terbaru", "en": "Latest events"},
    "ui_feeds": {"id": "Umpan data BMKG", "en": "BMKG feeds"},
    "ui_feed_stale": {"id": "TERPUTUS", "en": "STALE"},
    "ui_feed_banner": {
        "id": "⚠ UMPAN GEMPA BMKG TERPUTUS ({feeds}) — data gempa mungkin tidak terbaru",
        "en": "⚠ BMKG EARTHQUAKE FEED DOWN ({feeds}) — quake data may be out of date",
    },
    "ui_feed_banner_since": {"id": "sejak {time}", "en": "since {time}"},
    "ui_wall_offline": {
        "id": "Koneksi ke server terputus — mencoba menyambung lagi…",
        "en": "Connection to the server lost — reconnecting…",
    },
    "ui_wall_signed_out": {
        "id": "Sesi layar ini berakhir: buka lagi tautan kode layar.",
        "en": "This screen's session ended: open a new screen-code link.",
    },
    "ui_ev_quake_created": {
        "id": "Gempa M{mag} {place} (MMI {mmi})",
        "en": "Quake M{mag} {place} (MMI {mmi})",
    },
    "ui_ev_quake_updated": {
        "id": "Revisi gempa M{mag} {place}",
        "en": "Quake revised M{mag} {place}",
    },
    "ui_ev_quake_conditioned": {
        "id": "peta mengikuti {n} laporan dirasakan (MMI {mmi})",
        "en": "map follows {n} felt reports (MMI {mmi})",
    },
    "first_run_hint": {
        "id": "Belum ada administrator. Di server, buat yang pertama (kata sandi dibuat dan "
              "ditampilkan sekali):",
        "en": "There is no administrator yet. On the server, create the first one (it prints "
              "a generated password):",
    },
    "first_run_demo": {"id": "Untuk mencoba dengan data rekaman, tanpa internet:",
                       "en": "To try it on recorded data, without internet:"},
    "demo_badge_title": {
        "id": "Mode demo: umpan BMKG rekaman diputar ulang seolah terjadi sekarang",
        "en": "Demo mode: recorded BMKG feeds replayed as if happening now",
    },
    "ui_ev_incident": {"id": "Insiden: {title}", "en": "Incident: {title}"},
    "ui_ev_incident_updated": {"id": "Insiden diperluas: {title}",
                               "en": "Incident extended: {title}"},
    "ui_ev_incident_closed": {"id": "Insiden ditutup: {title}", "en": "Incident closed: {title}"},
    "ui_ev_incident_reopened": {"id": "Insiden dibuka lagi: {title}",
                                "en": "Incident reopened: {title}"},
    "ui_ev_area_closed": {"id": "Wilayah selesai ditangani: {area}",
                          "en": "Area stood down: {area}"},
    "ui_ev_dispatch": {"id": "{who}: {state} — {area}", "en": "{who}: {state} — {area}"},
    "ui_ev_unstaffed": {
        "id": "{area} belum terpenuhi ({acknowledged}/{needed})",
        "en": "{area} unstaffed ({acknowledged}/{needed})",
    },
    "ui_ev_feed_stale": {"id": "Umpan {feed} terputus", "en": "Feed {feed} is down"},
    "ui_ev_feed_recovered": {"id": "Umpan {feed} pulih", "en": "Feed {feed} recovered"},
    "ui_ev_complaint_created": {
        "id": "Pengaduan baru #{id} ({channel}) — {area}",
        "en": "New complaint #{id} ({channel}) — {area}",
    },
    "ui_ev_complaint_updated": {
        "id": "Pengaduan #{id}: {status}",
        "en": "Complaint #{id}: {status}",
    },
    "ui_ev_complaint_overdue": {
        "id": "Pengaduan #{id} lewat batas waktu — {area}",
        "en": "Complaint #{id} overdue — {area}",
    },
    "ui_unplaced": {"id": "belum berlokasi", "en": "not placed"},
    "ui_bubble_complaints": {
        "id": "{name}: {count} pengaduan, {open} terbuka, {overdue} lewat batas",
        "en": "{name}: {count} complaints, {open} open, {overdue} overdue",
    },
    "ui_bubble_responders": {
        "id": "{count} pendamping: {available} siaga, {busy} bertugas",
        "en": "{count} responders: {available} available, {busy} busy",
    },
    "ui_complaint_n": {"id": "Pengaduan #{id}", "en": "Complaint #{id}"},
    "ui_status": {"id": "Status", "en": "Status"},
    "ui_channel": {"id": "Kanal", "en": "Channel"},
    "ui_category": {"id": "Kategori", "en": "Category"},
    "ui_area": {"id": "Wilayah", "en": "Area"},
    "ui_received": {"id": "Diterima", "en": "Received"},
    "ui_assigned": {"id": "Ditugaskan ke", "en": "Assigned to"},
    "ui_reporter": {"id": "Pelapor", "en": "Reporter"},
    "ui_location": {"id": "Lokasi tertulis", "en": "Stated location"},
    "ui_type": {"id": "Jenis", "en": "Type"},
    "ui_availability": {"id": "Ketersediaan", "en": "Availability"},
    "ui_yes": {"id": "ya", "en": "yes"},
    "ui_all": {"id": "Semua", "en": "All"},
    "ui_only_in_view": {"id": "Hanya yang tampak di peta", "en": "Only what the map shows"},
    "ui_in_view": {"id": "{n} di peta", "en": "{n} on the map"},
    "ui_loaded": {"id": "{n} dimuat", "en": "{n} loaded"},
    "ui_fresh": {"id": "{n} baru — muat ulang", "en": "{n} new — reload"},
    "ui_load_more": {"id": "Muat lebih banyak", "en": "Load more"},
    "ui_export_csv": {"id": "Ekspor CSV", "en": "Export CSV"},
    "ui_export_geojson": {"id": "Ekspor GeoJSON", "en": "Export GeoJSON"},
    "ui_export_api": {"id": "Tautan API", "en": "API link"},
    "ui_show_responders": {"id": "Pendamping", "en": "Responders"},
    "ui_tab_detail": {"id": "Rincian", "en": "Detail"},
    "ui_tab_unplaced": {"id": "Belum berlokasi", "en": "Unplaced"},
    "ui_tab_incidents": {"id": "Insiden", "en": "Incidents"},
    "ui_tab_events": {"id": "Kejadian", "en": "Events"},
    "ui_pick_complaint": {
        "id": "Pilih pengaduan di daftar atau peta.",
        "en": "Pick a complaint in the list or on the map.",
    },
    "ui_loading": {"id": "Memuat…", "en": "Loading…"},
    "ui_none": {"id": "Tidak ada.", "en": "None."},
    "ui_redacted": {"id": "(disembunyikan)", "en": "(withheld)"},
    "ui_timeline": {"id": "Riwayat", "en": "History"},
    "ui_keep_status": {"id": "(status tetap)", "en": "(keep status)"},
    "ui_new_status": {"id": "Status baru", "en": "New status"},
    "ui_reason": {"id": "Alasan (wajib)", "en": "Reason (required)"},
    "ui_note": {"id": "Catatan", "en": "Note"},
    "ui_save": {"id": "Simpan", "en": "Save"},
    "ui_nothing_to_save": {
        "id": "Pilih status atau tulis catatan.",
        "en": "Choose a status or write a note.",
    },
    "ui_network_error": {
        "id": "Tidak ada koneksi ke server.",
        "en": "No connection to the server.",
    },
    "ui_district_code": {"id": "Kode kecamatan", "en": "District code"},
    "ui_place_district": {"id": "Tempatkan di kecamatan", "en": "Place in district"},
    "ui_place_on_map": {"id": "Pilih di peta", "en": "Pick on the map"},
    "ui_click_map": {"id": "Klik lokasinya di peta.", "en": "Click its location on the map."},
    "ui_match": {"id": "Kecocokan alamat", "en": "Address match"},
    "ui_my_assignments": {"id": "Tugas saya", "en": "My assignments"},
    "ui_earlier": {"id": "Sebelumnya", "en": "Earlier"},
    "ui_no_assignments": {"id": "Tidak ada tugas aktif.", "en": "No active assignments."},
    "ui_data_at": {"id": "Data per {time}", "en": "Data as of {time}"},
    "ui_from_here": {"id": "dari posisi perangkat", "en": "from this device"},
    "ui_from_last": {
        "id": "dari posisi terakhir tercatat",
        "en": "from the last recorded position",
    },
    "ui_no_position": {"id": "Jarak belum diketahui.", "en": "Distance unknown."},
    "ui_ack_before": {"id": "Terima sebelum {time}", "en": "Acknowledge before {time}"},
    "ui_do_ack": {"id": "Terima tugas", "en": "Acknowledge"},
    "ui_do_decline": {"id": "Tolak", "en": "Decline"},
    "ui_do_en_route": {"id": "Berangkat", "en": "On my way"},
    "ui_do_on_site": {"id": "Sudah tiba", "en": "On site"},
    "ui_do_done": {"id": "Selesai", "en": "Done"},
    "ui_cancel": {"id": "Batal", "en": "Cancel"},
    "ui_decline_reason": {"id": "Alasan menolak (opsional)", "en": "Reason (optional)"},
    "ui_pending_n": {"id": "{n} tindakan menunggu dikirim", "en": "{n} actions waiting to be sent"},
    "ui_pending_short": {"id": "menunggu kirim", "en": "not sent yet"},
    "ui_pending_action": {"id": "{action} — {area}", "en": "{action} — {area}"},
    "ui_pending_position": {"id": "Posisi {time}", "en": "Position {time}"},
    "ui_signed_out": {"id": "Sesi berakhir: masuk lagi.", "en": "Signed out: sign in again."},
    "ui_online": {"id": "Daring", "en": "Online"},
    "ui_offline": {"id": "LURING", "en": "OFFLINE"},
    "ui_my_position": {"id": "Posisi saya", "en": "My position"},
    "ui_share_position": {"id": "Bagikan posisi saya", "en": "Share my position"},
    "ui_position_unknown": {"id": "Posisi belum dibagikan.", "en": "Position not shared."},
    "ui_position_is": {"id": "{lat}, {lon} (±{acc} m)", "en": "{lat}, {lon} (±{acc} m)"},
    "ui_no_geolocation": {
        "id": "Lokasi perangkat tidak tersedia: isi manual.",
        "en": "No device location: enter it by hand.",
    },
    "ui_manual_position": {"id": "Atau isi koordinat:", "en": "Or enter coordinates:"},
    "ui_lat": {"id": "Lintang", "en": "Latitude"},
    "ui_lon": {"id": "Bujur", "en": "Longitude"},
    "ui_send_position": {"id": "Kirim posisi", "en": "Send position"},
    "status_baru": {"id": "Baru", "en": "New"},
    "status_diverifikasi": {"id": "Diverifikasi", "en": "Verified"},
    "status_diteruskan": {"id": "Diteruskan", "en": "Forwarded"},
    "status_ditindaklanjuti": {"id": "Ditindaklanjuti", "en": "Followed up"},
    "status_selesai": {"id": "Selesai", "en": "Resolved"},
    "status_ditolak": {"id": "Ditolak", "en": "Rejected"},
    "status_bukan_wewenang": {"id": "Bukan wewenang", "en": "Not our remit"},
    "channel_jaga_bansos": {"id": "Jaga Bansos", "en": "Jaga Bansos"},
    "channel_sp4n_lapor": {"id": "SP4N-LAPOR!", "en": "SP4N-LAPOR!"},
    "channel_ditjen": {"id": "Ditjen", "en": "Directorate"},
    "channel_whistleblower": {"id": "Whistleblower", "en": "Whistleblower"},
    "state_notified": {"id": "dipanggil", "en": "notified"},
    "state_acknowledged": {"id": "menerima", "en": "acknowledged"},
    "state_declined": {"id": "menolak", "en": "declined"},
    "state_timed_out": {"id": "tidak menjawab", "en": "timed out"},
    "state_en_route": {"id": "dalam perjalanan", "en": "en route"},
    "state_on_site": {"id": "di lokasi", "en": "on site"},
    "state_done": {"id": "selesai", "en": "done"},
    "state_cancelled": {"id": "dibatalkan", "en": "cancelled"},
    "severity_minor": {"id": "ringan", "en": "minor"},
    "severity_moderate": {"id": "sedang", "en": "moderate"},
    "severity_severe": {"id": "berat", "en": "severe"},
    "severity_extreme": {"id": "ekstrem", "en": "extreme"},
    "responder_tagana": {"id": "Tagana", "en": "Tagana"},
    "responder_tksk": {"id": "TKSK", "en": "TKSK"},
    "responder_pekerja_sosial": {"id": "Pekerja sosial", "en": "Social worker"},
    "responder_relawan": {"id": "Relawan", "en": "Volunteer"},
    "avail_on_duty": {"id": "siaga", "en": "on duty"},
    "avail_off_duty": {"id": "tidak bertugas", "en": "off duty"},
    "avail_busy": {"id": "sedang bertugas", "en": "busy"},
    **FIELD_TEXT,
    **SCREEN_TEXT,
    **WARNING_TEXT,
}


#: The language chosen with ``?lang=`` is kept a year in this cookie: every page follows it.
LANG_COOKIE = "lang"
LANG_COOKIE_DAYS = 365


def remember_language(response):
    """After a request that chose a language (``?lang=en``), keep it for the next pages."""
    chosen = request.args.get("lang")
    if chosen in LANGUAGES and request.cookies.get(LANG_COOKIE) != chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=LANG_COOKIE_DAYS * 86400,
                            samesite="Lax", httponly=True, path="/")
    return response


def language() -> str:
    if "lang" not in g:
        chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
        if chosen not in LANGUAGES:
            chosen = "id"
        g.lang = chosen
    return g.lang


def t(key: str) -> str:
    """The text for ``key`` in the viewer's language (Indonesian first)."""
    entry = TEXT.get(key)
    if entry is None:
        return key
    return entry.get(language()) or entry["id"]
