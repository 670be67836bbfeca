from tests.server.complaints_support import staff  # noqa: F401


def test_probe(client, staff):
    op = staff("operator")
    admin = staff("admin")
    nul = "a\x00b"
    sur = "a\ud800b"
    probes = [
        ("get", "/api/v1/responders", op, {"query_string": {"offset": 10**21}}),
        ("get", "/api/v1/audit", admin, {"query_string": {"limit": -5}}),
        ("post", "/api/v1/auth/token", {}, {"data": '{"username": "a\\ud800", "password": "x"}', "content_type": "application/json"}),
        ("post", "/api/v1/users", admin, {"data": '{"username": "a\\ud800", "role": "operator"}', "content_type": "application/json"}),
        ("post", "/api/v1/responders", op, {"data": '{"type": "tagana", "name": "\\ud800", "base": {"lat": -1, "lon": 120}}', "content_type": "application/json"}),
        ("post", "/api/v1/incidents", op, {"data": '{"hazard": "flood", "severity": "minor", "title": "\\ud800", "area": {"type": "Polygon", "coordinates": [[[120, -1], [120.1, -1], [120.1, -0.9], [120, -1]]]}}', "content_type": "application/json"}),
        ("post", "/api/v1/wall-codes", admin, {"data": '{"name": "\\ud800"}', "content_type": "application/json"}),
    ]
    for method, path, headers, kw in probes:
        res = getattr(client, method)(path, headers=headers, **kw)
        print("PROBE", res.status_code, method, path, kw)
