"""Interface text of warnings (wall, office) and standby notices (tablet), merged into
:data:`server.web.i18n.TEXT`."""

from __future__ import annotations

WARNING_TEXT: dict[str, dict[str, str]] = {
    "ui_warnings": {"id": "Peringatan dini", "en": "Warnings"},
    "ui_no_warnings": {"id": "Tidak ada peringatan aktif.", "en": "No active warnings."},
    "ui_warning_left": {"id": "sisa {left} (s.d. {time})", "en": "{left} left (until {time})"},
    "ui_warning_hm": {"id": "{h} j {m} mnt", "en": "{h} h {m} min"},
    "ui_warning_m": {"id": "{m} mnt", "en": "{m} min"},
    "ui_warning_happening": {"id": "Terjadi di {n} wilayah", "en": "Happening in {n} areas"},
    "ui_warning_spreading": {"id": "Dapat meluas ke {n} wilayah",
                             "en": "May spread to {n} areas"},
    "ui_ev_warning_created": {"id": "Peringatan: {title}", "en": "Warning: {title}"},
    "ui_ev_warning_updated": {"id": "Peringatan diperbarui: {title}",
                              "en": "Warning updated: {title}"},
    "ui_ev_warning_cancelled": {"id": "Peringatan dicabut: {title}",
                                "en": "Warning cancelled: {title}"},
    "ui_ev_warning_expired": {"id": "Peringatan berakhir: {title}",
                              "en": "Warning ended: {title}"},
    "ui_standby": {"id": "Siaga", "en": "Standby"},
    "ui_standby_until": {"id": "Siaga s.d. {time}", "en": "Stand by until {time}"},
    "ui_standby_hint": {
        "id": "Tidak perlu berangkat. Tetap siap dan pantau tablet untuk penugasan.",
        "en": "No need to travel. Stay ready and watch this tablet for an assignment.",
    },
    "ui_do_standby_ack": {"id": "Saya siaga", "en": "I am standing by"},
    "ui_standby_acked": {"id": "Siaga dikonfirmasi", "en": "Standby confirmed"},
}
