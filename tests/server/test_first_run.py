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


def test_printed_links_use_the_public_url_or_the_configured_address(database_url):
    """`kendali wall-code` on another machine than the wall: the link people open."""
    app = make_app(database_url, PUBLIC_URL="https://kendali.kemensos.go.id/",
                   HOST="0.0.0.0", PORT=5201)
    out = app.test_cli_runner().invoke(args=["wall-code", "--name", "Uji Tautan"]).output
    assert "open on the wall screen: https://kendali.kemensos.go.id/wall/login?code=" in out
    app = make_app(database_url, PUBLIC_URL=None, HOST="10.1.2.3", PORT=5201)
    out = app.test_cli_runner().invoke(args=["wall-code", "--name", "Uji Tautan"]).output
    assert "http://10.1.2.3:5201/wall/login?code=" in out
