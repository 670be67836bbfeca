"""Synthetic complaints for demos and benchmarks: spread like the population, over every
channel, category and status, at realistic times (last 90 days, mostly daytime in WIB,
more of them recent), with Indonesian texts and the service-level deadlines computed.

Everything that varies per row is drawn in PostgreSQL (one INSERT ... SELECT, see
:mod:`server.queries.complaints.demo`); Python only prepares small tables: the number of
complaints per district, the deadline of each day of the period, the chance of each status
by age, and the texts.
"""

from __future__ import annotations

import random
from datetime import datetime
from datetime import time as dtime
from datetime import timedelta

from sqlalchemy.orm import Session

from geo.workflow import STATUSES
from geo.workflow import WIB
from geo.workflow import ServiceLevels
from server.queries import units as unit_queries
from server.queries.complaints import demo as q
from server.queries.complaints import summary as summary_q

DAYS = 90
CHANNEL_WEIGHTS = {"jaga_bansos": 0.35, "sp4n_lapor": 0.40, "ditjen": 0.15, "whistleblower": 0.10}
CATEGORY_WEIGHTS = {
    "PKH": 0.30,
    "BPNT/Sembako": 0.28,
    "BLT": 0.12,
    "PBI-JK": 0.15,
    "disaster aid": 0.06,
    "other": 0.09,
}

TEXTS = {
    "PKH": [
        "Bantuan PKH tahap {tahap} belum cair padahal nama kami masih terdaftar di DTKS.",
        "Pendamping PKH di Kecamatan {kec} meminta potongan dari dana bantuan warga.",
        "Keluarga kami dikeluarkan dari daftar penerima PKH tanpa penjelasan.",
        "Saldo PKH di kartu KKS berkurang sebelum kami tarik, mohon ditelusuri.",
        "Ibu hamil dan anak sekolah di RT {rt} belum menerima komponen PKH.",
    ],
    "BPNT/Sembako": [
        "Beras program sembako yang dibagikan di RT {rt} berkutu dan berbau apek.",
        "Agen e-warong di Kecamatan {kec} memaksa warga membeli paket tertentu.",
        "Kartu KKS tidak bisa dipakai di e-warong sejak bulan lalu.",
        "Telur dan beras BPNT diterima kurang dari jumlah yang seharusnya.",
        "Penyaluran sembako di desa kami terlambat dua bulan.",
    ],
    "BLT": [
        "BLT belum diterima warga RT {rt} padahal sudah diumumkan di kantor desa.",
        "Penerima BLT di Kecamatan {kec} banyak yang mampu, tidak tepat sasaran.",
        "Ada pungutan Rp50.000 saat pencairan BLT di kantor pos.",
        "Nama lansia di RT {rt} tidak ada di daftar BLT padahal sangat membutuhkan.",
    ],
    "PBI-JK": [
        "Kepesertaan BPJS PBI kami dinonaktifkan tanpa pemberitahuan.",
        "Anak kami ditolak berobat karena status PBI-JK tidak aktif.",
        "Mohon reaktivasi PBI-JK untuk penderita penyakit kronis di RT {rt}.",
        "Bayi baru lahir belum didaftarkan sebagai peserta PBI-JK.",
    ],
    "disaster aid": [
        "Bantuan logistik banjir belum sampai ke dusun kami di Kecamatan {kec}.",
        "Pengungsi di posko RT {rt} kekurangan tenda, selimut, dan air bersih.",
        "Dapur umum tutup sebelum warga terdampak longsor kembali ke rumah.",
        "Santunan korban bencana untuk keluarga kami belum dibayarkan.",
    ],
    "other": [
        "Mohon informasi cara mendaftar DTKS untuk keluarga di RT {rt}.",
        "Petugas desa meminta uang untuk surat keterangan tidak mampu.",
        "Data NIK di DTKS tidak sesuai dengan KTP, mohon diperbaiki.",
        "Rumah tidak layak huni di Kecamatan {kec} belum mendapat bantuan rehab.",
    ],
}
NAMES = [
    "Siti Aminah",
    "Budi Santoso",
    "Dewi Lestari",
    "Agus Salim",
    "Nur Hasanah",
    "Made Wirawan",
    "Yohanes Tanaka",
    "Rahmat Hidayat",
    "Sri Wahyuni",
    "Andi Pratama",
    "Fransiska Lobo",
    "Wayan Sudarma",
    "Ratna Sari",
    "Joko Susilo",
    "Maria Goreti",
    "Teuku Ridwan",
]
REASONS = [
    "Data tidak lengkap",
    "Pengaduan ganda",
    "Bukan program Kemensos",
    "Kewenangan pemerintah daerah",
    "Laporan tidak dapat diverifikasi",
]


def allocate(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders, ties at random)."""
    mass = sum(weights) or 1.0
    exact = [total * w / mass for w in weights]
    counts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (exact[i] - counts[i], rng.random()))
    for i in order[len(order) - (total - sum(counts)) :]:
        counts[i] += 1
    return counts


def status_table() -> list[list[float]]:
    """Cumulative chance of each status (STATUSES order) by age in days, 0..DAYS."""
    out = []
    for age in range(DAYS + 1):
        baru = 0.85 if age == 0 else 0.45 if age <= 2 else 0.18 if age <= 5 else 0.05
        rejected = 0.08 * (1 - baru)
        progress = 1 - baru - rejected
        young = age <= 10
        shares = (0.35, 0.25, 0.25, 0.15) if young else (0.08, 0.12, 0.25, 0.55)
        probs = [baru, *[progress * s for s in shares], rejected / 2, rejected / 2]
        running, cumulative = 0.0, []
        for p in probs:
            running += p
            cumulative.append(running)
        cumulative[-1] = 1.0
        out.append(cumulative)
    return out


def due_tables(levels: ServiceLevels, today: datetime) -> tuple[list, list]:
    """Verification and follow-up deadlines of a start on each day 0..DAYS days ago (WIB)."""
    verify, follow = [], []
    for age in range(DAYS + 2):
        day = today.date() - timedelta(days=age)
        noon = datetime.combine(day, dtime(12), WIB)
        verify.append(levels.verify_due(noon))
        follow.append(levels.follow_up_due(noon))
    return verify, follow


def generate(
    session: Session,
    count: int,
    seed: int,
    categories: list[str],
    levels: ServiceLevels,
    now: datetime,
) -> dict:
    """Insert ``count`` demo complaints (same seed, same complaints: a rerun adds none)."""
    rng = random.Random(seed)
    districts = q.districts(session)
    if not districts:
        raise RuntimeError("no districts with population loaded: run `kendali areas load-shared`")
    counts = allocate(count, [float(pop) for _, pop in districts], rng)
    today = now.astimezone(WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    verify, follow = due_tables(levels, today)
    plan = q.DemoPlan(
        seed=seed,
        now=now,
        codes=[code for code, _ in districts],
        counts=counts,
        channels=list(CHANNEL_WEIGHTS),
        channel_cum=_cumulative(list(CHANNEL_WEIGHTS.values())),
        categories=categories,
        category_cum=_cumulative([CATEGORY_WEIGHTS.get(c, 0.05) for c in categories]),
        statuses=list(STATUSES),
        status_cum=status_table(),
        verify_due=verify,
        follow_due=follow,
        templates=[TEXTS.get(c, TEXTS["other"]) for c in categories],
        names=NAMES,
        reasons=REASONS,
    )
    unit_queries.seed(session)  # forwarded demo complaints go to their regency's social office
    inserted = q.insert_demo(session, plan, today)
    summary_q.compact(session)
    session.commit()
    q.analyze(session)
    return {"inserted": inserted, "districts": sum(1 for n in counts if n)}


def _cumulative(weights: list[float]) -> list[float]:
    total, running, out = sum(weights) or 1.0, 0.0, []
    for w in weights:
        running += w / total
        out.append(running)
    out[-1] = 1.0
    return out
