"""End to end: a BMKG replay served over HTTP, the real poller in a real server process,
the quake in PostGIS and on a Socket.IO client."""

import shutil
import time

import sqlalchemy as sa

from tests.conftest import SHARED
from tests.conftest import start_server
from tests.conftest import stop_server
from tests.helpers import bearer
from tests.helpers import token_for
from tests.helpers import wait_for
from tests.server.test_live_auth import Listener
from tools.replay import ReplayServer

BMKG = SHARED / "data" / "bmkg"


def test_replaying_flores_2021_gives_one_quake_with_tsunami_areas(
    database_url, engine, accounts, tmp_path
):
    with engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE quakes CASCADE"))
        conn.execute(sa.text("TRUNCATE feed_state"))
    shutil.copy(BMKG / "gempaterkini" / "gempaterkini_2021-12-14.json", tmp_path)
    replay = ReplayServer(tmp_path, port=0, speed=0).start(play=False)
    server = start_server(
        database_url,
        KENDALI_FEED_POLLING="1",
        KENDALI_BMKG_URL=replay.url,
        KENDALI_GEMPATERKINI_INTERVAL="1",
        KENDALI_AUTOGEMPA_INTERVAL="1",
        KENDALI_GEMPADIRASAKAN_INTERVAL="1",
    )
    name, pw, _ = accounts("operator")
    token = token_for(server.url, name, pw)
    listener = Listener(server.url, token).connect()
    replay.release_all()  # the feed publishes once the wall is listening
    try:

        def flores():
            with engine.connect() as conn:
                return conn.execute(
                    sa.text(
                        "SELECT id, magnitude, tsunami FROM quakes WHERE origin_time "
                        "BETWEEN '2021-12-14 03:19:00Z' AND '2021-12-14 03:22:00Z'"
                    )
                ).all()

        assert wait_for(lambda: len(flores()) == 1, timeout=30)
        time.sleep(2.5)  # several more polls: still one quake
        ((qid, magnitude, tsunami),) = flores()
        assert magnitude == 7.4 and tsunami is True
        with engine.connect() as conn:
            marked = conn.execute(
                sa.text(
                    "SELECT count(*) FROM quake_areas WHERE quake_id = :q "
                    "AND tsunami_level IS NOT NULL"
                ),
                {"q": qid},
            ).scalar()
            quakes = conn.execute(sa.text("SELECT count(*) FROM quakes")).scalar()
        assert marked >= 5 and quakes == 12
        assert wait_for(
            lambda: any(
                e["type"] == "quake.created" and e["payload"]["id"] == qid for e in listener.events
            ),
            timeout=10,
        )
        created = [
            e for e in listener.events if e["type"] == "quake.created" and e["payload"]["id"] == qid
        ]
        assert len(created) == 1 and created[0]["payload"]["magnitude"] == 7.4
        import requests

        health = requests.get(server.url + "/healthz", headers=bearer(token),
                              timeout=5).json()["feeds"]  # feeds: signed-in users only
        assert health["gempaterkini"]["records_accepted"] == 15
        assert health["autogempa"]["consecutive_failures"] >= 1  # nothing served there: 404
    finally:
        listener.close()
        stop_server(server)
        replay.stop()
