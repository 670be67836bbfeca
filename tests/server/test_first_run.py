"""The first hour: a server with no administrator says how to get in, and no default password
exists, ever."""

from pathlib import Path

from tests.conftest import make_app
from tests.conftest import start_server
from tests.conftest import stop_server

COMMAND = "kendali users create --username admin --role admin"


def test_no_admin_yet_the_login_page_and_the_server_say_how_to_get_in(migrated_database):
    url = migrated_database()
    app = make_app(url)
    client = app.test_client()
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert COMMAND in page and "no administrator yet" in page
    server = start_server(url)
    try:
        log = Path(server.log).read_text()
        assert COMMAND in log and "./scripts/serve --demo" in log
    finally:
        stop_server(server)
    from server.extensions import db
    from server.services import accounts

    with app.app_context(), db.session() as session:
        _, password = accounts.create_user(session, "test", "admin", "admin")
    assert password and len(password) >= 20  # generated, shown once: no default password
    assert COMMAND not in client.get("/login").get_data(as_text=True)
