"""``kendali bmkg replay``: recorded feed files served over real HTTP, in time order."""

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
import requests

from tools.replay import ReplayServer
from tools.replay import feed_name

SHARED = Path(
    os.environ.get("KENDALI_SHARED_DIR", Path(__file__).resolve().parents[2].parent / "shared")
)
BMKG = SHARED / "data" / "bmkg"

DOMPU = "autogempa_2021-10-05_dompu.json"  # 2021-10-05T11:00:27Z
TERNATE = "autogempa_2021-10-04_ternate.xml"  # 2021-10-04T10:59:19Z
TAMBRAUW = "autogempa_2021-10-13_tambrauw_m5.json"  # 2021-10-13T03:08:42Z
FLORES = "gempaterkini_2021-12-14.json"  # latest item 2021-12-14T05:46:41Z


@pytest.fixture
def folder(tmp_path):
    """Recorded files in nested folders, plus files the replay must leave out."""
    root = tmp_path / "recorded"
    (root / "autogempa").mkdir(parents=True)
    (root / "gempaterkini" / "flores").mkdir(parents=True)
    for name in (DOMPU, TERNATE, TAMBRAUW):
        shutil.copy(BMKG / "autogempa" / name, root / "autogempa" / name)
    shutil.copy(BMKG / "gempaterkini" / FLORES, root / "gempaterkini" / "flores" / FLORES)
    (root / "autogempa" / "autogempa_broken.json").write_text("<html>502 Bad Gateway</html>")
    (root / "notes.txt").write_text("not a feed")
    return root


class FakeTime:
    """A monotonic clock that only moves when the replay sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def serve(folder):
    servers = []

    def make(**options):
        options.setdefault("port", 0)
        play = options.pop("play", False)
        server = ReplayServer(folder, **options)
        servers.append(server)
        return server.start(play=play)

    yield make
    for server in servers:
        server.stop()


def get(server, path, **headers):
    with requests.get(server.url + path, headers=headers, timeout=5) as response:
        response.content  # noqa: B018 - read the body before the connection closes
        return response


def wait_for(condition, timeout=2.0):
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("condition not met in time")


def test_feed_names():
    assert feed_name(DOMPU) == "autogempa.json"
    assert feed_name(TERNATE) == "autogempa.xml"
    assert feed_name("gempadirasakan_2025-12-24.json") == "gempadirasakan.json"
    assert feed_name("inatews_2023-05-14_felt_ternate.json") is None
    assert feed_name("autogempa.txt") is None


def test_files_are_ordered_by_origin_time_and_bad_ones_skipped(folder):
    server = ReplayServer(folder, port=0)
    assert [f.path.name for f in server.files] == [TERNATE, DOMPU, TAMBRAUW, FLORES]
    assert [f.feed for f in server.files] == [
        "autogempa.xml",
        "autogempa.json",
        "autogempa.json",
        "gempaterkini.json",
    ]
    assert [p.name for p, _ in server.skipped] == ["autogempa_broken.json"]
    assert server.files[1].describe() == f"autogempa.json <- {DOMPU} (2021-10-05T11:00:27Z)"


def test_nothing_is_served_before_release(serve):
    server = serve()
    assert server.url.startswith("http://127.0.0.1:") and server.url.endswith("/")
    for path in ("autogempa.json", "autogempa.xml", "gempaterkini.json", "gempadirasakan.json"):
        assert get(server, path).status_code == 404
    assert get(server, "nonsense.json").json()["error"] == "no such feed"
    status = get(server, "_replay/status").json()
    assert status["released"] == [] and status["pending"] == 4


def test_releases_follow_time_order_and_each_path_serves_its_latest(serve):
    server = serve()
    assert server.release_next().path.name == TERNATE
    xml = get(server, "autogempa.xml")
    assert xml.status_code == 200
    assert xml.headers["Content-Type"] == "application/xml"
    assert xml.content == (BMKG / "autogempa" / TERNATE).read_bytes()
    assert get(server, "autogempa.json").status_code == 404

    assert server.release_next().path.name == DOMPU
    first = get(server, "autogempa.json")
    assert first.headers["Content-Type"] == "application/json"
    assert first.json()["Infogempa"]["gempa"]["DateTime"] == "2021-10-05T11:00:27+00:00"

    assert server.release_next().path.name == TAMBRAUW
    second = get(server, "autogempa.json")
    assert second.content == (BMKG / "autogempa" / TAMBRAUW).read_bytes()
    assert second.headers["ETag"] != first.headers["ETag"]
    assert get(server, "autogempa.xml").status_code == 200  # the XML path keeps its file
    status = get(server, "_replay/status").json()
    assert [r["file"] for r in status["released"]] == [
        f"autogempa/{TERNATE}",
        f"autogempa/{DOMPU}",
        f"autogempa/{TAMBRAUW}",
    ]
    assert status["pending"] == 1 and status["serving"]["autogempa.json"] == TAMBRAUW


def test_the_flores_file_is_served_at_gempaterkini(serve):
    server = serve()
    server.release_all()
    assert server.release_next() is None
    response = get(server, "gempaterkini.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    items = response.json()["Infogempa"]["gempa"]
    assert len(items) == 15 and any(item["Magnitude"] == "7.4" for item in items)
    # The poller's base may keep BMKG's folder layout.
    assert get(server, "DataMKG/TEWS/gempaterkini.json").content == response.content


def test_etag_and_last_modified_answer_304_until_the_file_changes(serve):
    server = serve()
    server.release_next()
    server.release_next()  # Dompu at /autogempa.json
    first = get(server, "autogempa.json")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and modified.endswith(" GMT")
    same = get(server, "autogempa.json", **{"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["ETag"] == etag
    assert get(server, "autogempa.json", **{"If-Modified-Since": modified}).status_code == 304
    assert get(server, "autogempa.json", **{"If-None-Match": '"other"'}).status_code == 200

    server.release_next()  # Tambrauw replaces Dompu, possibly within the same second
    changed = get(server, "autogempa.json", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert get(server, "autogempa.json", **{"If-Modified-Since": modified}).status_code == 200
    assert changed.headers["Last-Modified"] != modified


def test_head_has_headers_and_no_body(serve):
    server = serve()
    server.release_all()
    with requests.head(server.url + "autogempa.json", timeout=5) as response:
        assert response.status_code == 200 and response.content == b""
        assert int(response.headers["Content-Length"]) == len(
            (BMKG / "autogempa" / TAMBRAUW).read_bytes()
        )


def test_speed_zero_releases_everything_at_start(serve):
    seen = []
    server = serve(speed=0, play=True, on_release=seen.append)
    assert [f.path.name for f in seen] == [TERNATE, DOMPU, TAMBRAUW, FLORES]
    assert get(server, "_replay/status").json()["pending"] == 0
    assert (
        get(server, "autogempa.json")
        .json()["Infogempa"]["gempa"]["Wilayah"]
        .startswith("99 km TimurLaut TAMBRAUW")
    )
    assert get(server, "autogempa.xml").status_code == 200
    assert get(server, "gempaterkini.json").status_code == 200


def test_scheduled_gaps_are_real_gaps_over_speed_capped_at_max_gap(serve):
    fake = FakeTime()
    releases = []
    server = serve(
        speed=60_000,
        max_gap=10,
        clock=fake.clock,
        sleep=fake.sleep,
        play=True,
        on_release=lambda f: releases.append((fake.now, f.path.name)),
    )
    wait_for(lambda: len(releases) == 4)
    assert server.pending == 0
    names = [name for _, name in releases]
    assert names == [TERNATE, DOMPU, TAMBRAUW, FLORES]
    gaps = [round(b[0] - a[0], 3) for a, b in zip(releases, releases[1:], strict=False)]
    # Ternate -> Dompu is 86,468 s of real time: 1.441 s at 60,000x; the others exceed the cap.
    assert gaps == [round(86_468 / 60_000, 3), 10.0, 10.0]
    assert releases[0][0] == 1000.0  # the first file is released at once
    assert max(fake.slept) <= 0.2  # short steps, so stop() is prompt with the real sleep


def test_loop_starts_over(serve):
    fake = FakeTime()
    released = []
    server = serve(
        speed=0,
        loop=True,
        clock=fake.clock,
        sleep=fake.sleep,
        play=True,
        on_release=released.append,
    )
    wait_for(lambda: len(released) >= 8)
    assert [f.path.name for f in released[:8]] == [TERNATE, DOMPU, TAMBRAUW, FLORES] * 2
    assert get(server, "_replay/status").json()["round"] >= 2


def test_stop_closes_the_port(folder):
    server = ReplayServer(folder, port=0).start(play=False)
    url = server.url
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "autogempa.json", timeout=1)


def test_status_is_json(serve):
    server = serve()
    server.release_next()
    response = get(server, "_replay/status")
    assert response.headers["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["released"][0] == {
        "feed": "autogempa.xml",
        "file": f"autogempa/{TERNATE}",
        "origin_time": "2021-10-04T10:59:19Z",
        "released_at": body["released"][0]["released_at"],
    }
    assert body["total"] == 4 and body["speed"] == 1.0 and body["max_gap"] == 10.0


def test_command_without_feed_files_is_an_error(tmp_path):
    from click.testing import CliRunner

    from tools.replay_command import replay_cmd

    (tmp_path / "notes.txt").write_text("nothing to replay")
    result = CliRunner().invoke(replay_cmd, [str(tmp_path), "--port", "0"])
    assert result.exit_code == 1
    assert "no replayable feed files" in result.output


def test_command_serves_until_interrupted(folder):
    import signal
    import subprocess
    import sys

    kendali = Path(sys.executable).parent / "kendali"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KENDALI_")}
    proc = subprocess.Popen(
        [str(kendali), "bmkg", "replay", str(folder), "--port", "0", "--speed", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        banner = proc.stdout.readline()
        released = [proc.stdout.readline().rstrip("\n") for _ in range(4)]
        url = banner.split(" at ", 1)[1].split(" ", 1)[0]
        with requests.get(url + "gempaterkini.json", timeout=5) as response:
            assert response.status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert banner.startswith(f"replaying 4 files from {folder} at http://127.0.0.1:")
    assert released[1] == f"released autogempa.json <- {DOMPU} (2021-10-05T11:00:27Z)"
    assert released[3] == f"released gempaterkini.json <- {FLORES} (2021-12-14T05:46:41Z)"
    assert "autogempa_broken.json: skipped: cannot parse" in err
    assert proc.returncode == 0 and "stopped" in err
