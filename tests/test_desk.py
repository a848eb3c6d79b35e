"""The clinic desk through the ASGI test client, on SQLite and on a throwaway PostgreSQL."""
from __future__ import annotations

import io
import json
import os
import stat
import tempfile
import zipfile
from pathlib import Path

import pytest
from lxml import html as lhtml
from PIL import Image
from pypdf import PdfReader

from conftest import FIXTURES, ROOT, cli
from desk_support import postgres_server

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from book import build  # noqa: E402
from book.desk import db, service  # noqa: E402
from book.desk.app import Settings, create_app  # noqa: E402
from book.desk.serve import check_bind  # noqa: E402
from book.errors import SourceError  # noqa: E402

LABELS = ["Client name", "Side", "Hold (seconds)", "Times a day", "Notes", "Therapist"]


@pytest.fixture(scope="module")
def compiler():
    c = service.Compiler(build.Job(chapters=FIXTURES / "tiny"), workers=1)
    c.start()
    yield c
    c.stop()


@pytest.fixture(scope="module")
def postgres():
    with postgres_server() as new_database:
        yield new_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path, postgres):
    if request.param == "sqlite":
        return None
    if postgres is None:
        pytest.skip("PostgreSQL (Debian's postgresql package) is not installed")
    return postgres()


def make_client(compiler, data: Path, database=None, password=None) -> TestClient:
    app = create_app(compiler, Settings(data=data, password=password, allowed_hosts=["testserver"]),
                     database_url=database, own_pool=False)
    return TestClient(app)


@pytest.fixture
def desk(compiler, database, tmp_path):
    with make_client(compiler, tmp_path / "var", database) as client:
        yield client


def doc(response):
    return lhtml.fromstring(response.text)


def token(client, url="/clients") -> str:
    return doc(client.get(url)).xpath("//input[@name='csrf']/@value")[0]


def add_client(desk, name="Ana Souza") -> int:
    r = desk.post("/clients", data={"name": name, "csrf": token(desk)}, follow_redirects=False)
    assert r.status_code == 303
    return int(r.headers["location"].rsplit("/", 1)[1])


def make_packet(desk, **fields):
    data = {"csrf": token(desk, "/packets/new"), "client": "Ana Souza", "spots": ["2", "1"], "side": "left",
            "hold": "60", "times_per_day": "2", "notes": "Before runs.", "therapist": "Sam Lee", "date": "2026-03-04",
            "paper": "a4", **fields}
    return desk.post("/packets", data=data)


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text().replace("\xa0", " ") for page in PdfReader(io.BytesIO(data)).pages]


# ------------------------------------------------------------------ pages
def test_packet_page_has_the_labels_and_no_inline_script(desk, compiler):
    r = desk.get("/packets/new")
    assert r.status_code == 200
    page = doc(r)
    labels = {" ".join(label.text_content().split()): label.get("for") for label in page.xpath("//label")}
    for text in LABELS:
        assert text in labels, text
        assert page.xpath(f"//*[@id='{labels[text]}']"), f"label {text!r} points at no field"
    for spot in compiler.spots:
        box = page.xpath(f"//input[@type='checkbox'][@name='spots'][@value='{spot.number}']")[0]
        label = page.xpath(f"//label[@for='{box.get('id')}']")[0]
        assert " ".join(label.text_content().split()).startswith(f"{spot.number}. {spot.plain_name}")
    assert page.xpath("//button[@type='submit']")[0].text_content().strip() == "Make handout"
    scripts = page.xpath("//script")
    assert scripts and all(s.get("src", "").startswith("/static/") and not (s.text or "").strip() for s in scripts)
    assert not page.xpath("//@*[starts-with(name(), 'on')]")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert desk.get("/static/htmx.min.js").text.startswith("/*! htmx 2")


def test_every_text_is_escaped(desk):
    add_client(desk, "<script>alert(1)</script> Bo")
    r = desk.get("/clients")
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Bo" in r.text


def test_clients_add_search_edit_export_delete(desk):
    cid = add_client(desk, "Ana Souza")
    add_client(desk, "Ben Okafor")
    names = lambda r: [a.text_content() for a in doc(r).xpath("//table//td[1]/a")]
    assert names(desk.get("/clients")) == ["Ana Souza", "Ben Okafor"]
    assert names(desk.get("/clients", params={"q": "oka"})) == ["Ben Okafor"]
    r = desk.post(f"/clients/{cid}", data={"name": "Ana M. Souza", "csrf": token(desk)}, follow_redirects=False)
    assert r.status_code == 303
    assert doc(desk.get(f"/clients/{cid}")).xpath("//h1")[0].text_content() == "Ana M. Souza"
    assert make_packet(desk, client="Ana M. Souza").status_code == 200
    exported = desk.get(f"/clients/{cid}/export.json")
    body = json.loads(exported.text)
    assert exported.headers["content-disposition"].startswith("attachment")
    assert body["name"] == "Ana M. Souza" and body["packets"][0]["spots"] == [2, 1]
    assert body["packets"][0]["notes"] == "Before runs." and body["packets"][0]["hold_seconds"] == [60, 60]
    # Deleting needs the box ticked, then removes the client and their packets from the database.
    assert desk.post(f"/clients/{cid}/delete", data={"csrf": token(desk)}).status_code == 422
    r = desk.post(f"/clients/{cid}/delete", data={"csrf": token(desk), "confirm": "yes"}, follow_redirects=False)
    assert r.status_code == 303
    assert desk.get(f"/clients/{cid}").status_code == 404
    assert [c["name"] for c in desk.get("/api/clients").json()] == ["Ben Okafor"]


def test_deleted_clients_are_gone_from_the_sqlite_file(compiler, tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with make_client(compiler, tmp_path / "var") as desk:
        cid = add_client(desk, "Zora Quintero-Whitfield")
        assert make_packet(desk, client="Zora Quintero-Whitfield", notes="Private note 4711.").status_code == 200
        desk.post(f"/clients/{cid}/delete", data={"csrf": token(desk), "confirm": "yes"})
    raw = (tmp_path / "var" / "desk.sqlite3").read_bytes()
    assert b"Quintero-Whitfield" not in raw and b"Private note 4711" not in raw


def test_client_name_is_required(desk):
    r = desk.post("/clients", data={"name": "  ", "csrf": token(desk)})
    assert r.status_code == 422
    assert doc(r).xpath("//*[@id='err-name']")[0].text_content() == "enter the client's name"


def test_missing_or_wrong_csrf_token_is_refused(desk):
    assert desk.post("/clients", data={"name": "Eve"}).status_code == 403
    assert desk.post("/clients", data={"name": "Eve", "csrf": "forged"}).status_code == 403
    r = make_packet(desk, csrf="")
    assert r.status_code == 403
    assert desk.get("/api/clients").json() == []


# ------------------------------------------------------------------ packets
def test_make_handout_saves_and_reprints_the_identical_pdf(desk):
    r = make_packet(desk)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="ana-souza-2-1.pdf"'
    pages = pdf_text(r.content)
    assert len(pages) == 3  # the cover with the plan, then a page per spot
    assert "Low back below the ribs" in pages[1] and "Outer thigh above the knee" in pages[2]
    assert all("Ana Souza" in p for p in pages) and all("Before runs." in p for p in pages[1:])
    clients = desk.get("/api/clients").json()
    assert [(c["name"], c["packets"]) for c in clients] == [("Ana Souza", 1)]
    second = make_packet(desk, spots=["1"], date="2026-03-05")
    assert second.status_code == 200
    page = doc(desk.get(f"/clients/{clients[0]['id']}"))
    dates = [td.text_content() for td in page.xpath("//table//tbody/tr[not(@class='notes')]/td[1]")]
    assert dates == ["2026-03-05", "2026-03-04"]  # newest first
    reprint = page.xpath("//a[starts-with(normalize-space(.), 'Reprint')]/@href")[-1]
    desk.post(f"/clients/{clients[0]['id']}", data={"name": "Ana Souza-Lima", "csrf": token(desk)})
    again = desk.get(reprint)  # the same bytes, even after the client was renamed
    assert again.status_code == 200 and again.content == r.content


def test_each_spot_may_have_its_own_side_hold_times_and_note(desk):
    add_client(desk, "Ana Souza")
    r = make_packet(desk, **{"side-1": "right", "hold-1": "45", "times_per_day-1": "3", "note-1": "Only after work.",
                             "hold-2": ""})
    assert r.status_code == 200
    cover, low_back, thigh = (" ".join(p.split()) for p in pdf_text(r.content))  # the cover, then a page per spot
    assert "Side: left side" in low_back and "a minute" in low_back and "Only after work." not in low_back
    assert "Side: right side" in thigh and "45 seconds" in thigh and "Three times a day" in thigh
    assert "left side" in cover and "right side" in cover
    assert "Before runs. Only after work." in " ".join(thigh.split())
    cid = desk.get("/api/clients").json()[0]["id"]
    exported = json.loads(desk.get(f"/clients/{cid}/export.json").text)
    assert exported["packets"][0]["per_spot"] == {"1": {"side": "right", "hold": "45", "times_per_day": "3",
                                                        "note": "Only after work."}}
    page = doc(desk.get(f"/clients/{cid}"))
    assert desk.get(page.xpath("//a[starts-with(normalize-space(.), 'Reprint')]/@href")[0]).content == r.content
    again = doc(desk.get(page.xpath("//a[starts-with(normalize-space(.), 'Change and print')]/@href")[0]))
    assert again.xpath("//input[@id='f-hold-1']/@value") == ["45"]
    assert again.xpath("//select[@id='f-side-1']/option[@selected]/@value") == ["right"]
    bad = make_packet(desk, **{"hold-1": "forever", "side-2": "up"})
    assert bad.status_code == 422
    assert "must be 5 to 300" in doc(bad).xpath("//*[@id='err-hold-1']")[0].text_content()
    assert "must be left, right or both" in doc(bad).xpath("//*[@id='err-side-2']")[0].text_content()
    r = desk.post("/api/packets", json={"spots": [2], "per_spot": {"2": {"times_per_day": "9"}, "1": {}}})
    assert r.status_code == 422 and set(r.json()["errors"]) == {"times_per_day-2", "per_spot"}


def test_bad_form_input_is_shown_on_the_form(desk):
    r = make_packet(desk, hold="forever", spots=["2", "99"], times_per_day="9")
    assert r.status_code == 422
    page = doc(r)
    assert "must be 5 to 300 seconds" in page.xpath("//*[@id='err-hold']")[0].text_content()
    assert "no spot '99'" in page.xpath("//*[@id='err-spots']")[0].text_content()
    assert "must be 1 to 6" in page.xpath("//*[@id='err-times_per_day']")[0].text_content()
    assert page.xpath("//input[@id='f-hold']/@value") == ["forever"]  # what was typed is kept
    assert page.xpath("//input[@id='f-hold']/@aria-invalid") == ["true"]
    assert page.xpath("//input[@value='2'][@name='spots']/@checked")
    assert desk.get("/api/clients").json() == []


def test_preview_is_the_first_page_and_cached(desk, compiler):
    params = {"spots": ["2", "1"], "client": "Preview Test", "side": "both", "date": "2026-03-04"}
    compiler.previews.items.clear()  # the compiler is shared by the tests of this module
    fragment = doc(desk.get("/packets/preview", params=params))
    src = fragment.xpath("//img/@src")[0]
    r = desk.get(src)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    width, height = Image.open(io.BytesIO(r.content)).size
    assert width == 560 and 1.3 < height / width < 1.5  # one A4 page, not the packet
    key = (compiler.check(params).cache_key, 560)
    assert compiler.previews.get(key) == r.content  # kept under its parameters
    compiler.previews.put(key, b"cached")
    assert desk.get(src).content == b"cached"  # and answered from there
    assert desk.get("/packets/preview.png", params={"spots": "99"}).status_code == 422
    no_js = doc(desk.get("/packets/new", params={**params, "preview": "1"}))
    assert no_js.xpath("//section[contains(@class,'preview')]//img/@src") == [src]


def test_spot_figures_and_body_map(desk, compiler):
    r = desk.get("/spots/2/figure.svg")
    assert r.headers["content-type"].startswith("image/svg+xml")
    from lxml import etree

    svg = etree.fromstring(r.content, etree.XMLParser(resolve_entities=False, no_network=True))
    assert svg.tag.endswith("svg") and svg.findtext("{http://www.w3.org/2000/svg}title")
    assert desk.get("/spots/99/figure.svg").status_code == 404
    assert desk.get("/map/overview.svg").status_code == 200
    page = doc(desk.get("/packets/new"))
    areas = page.xpath("//svg//a[contains(@class,'area')]")
    assert areas and all(a.get("aria-label") and a.get("href").startswith("/packets/new?area=") for a in areas)
    # The low back on the back view: spot 2 sends pain there (referral and pain_areas); spot 1 does not.
    r = desk.get("/packets/new", params={"area": "back:low-back"})
    result = doc(r).xpath("//*[@id='area-result']//a/text()")
    assert result == ["2. Low back below the ribs"]
    assert doc(r).xpath("//li[contains(@class,'match')]/input/@value") == ["2"]
    fragment = desk.get("/packets/area", params={"area": "front:outer-thigh"})
    assert doc(fragment).xpath("//a/text()") == ["1. Outer thigh above the knee"]
    assert desk.get("/packets/new", params={"area": "../../etc/passwd"}).status_code == 422


# ------------------------------------------------------------------ batch
def test_batch_upload_gives_per_row_results_and_a_zip(desk):
    csv = ("name,spots,side,hold\nAna Souza,2 1,left,60\nBad Row,7,sideways,\nBen Okafor,1,,30-90\n")
    r = desk.post("/batch", data={"csrf": token(desk, "/batch")}, files={"file": ("clients.csv", csv, "text/csv")})
    assert r.status_code == 200
    rows = [[" ".join(td.text_content().split()) for td in tr.xpath("td")] for tr in doc(r).xpath("//tbody/tr")]
    assert rows[0] == ["2", "Ana Souza", "ana-souza.pdf"]
    assert rows[1][:2] == ["3", "Bad Row"] and "no spot '7'" in rows[1][2] and "side" in rows[1][2]
    assert rows[2] == ["4", "Ben Okafor", "ben-okafor.pdf"]
    link = doc(r).xpath("//a[contains(@href, '.zip')]/@href")[0]
    archive = zipfile.ZipFile(io.BytesIO(desk.get(link).content))
    assert sorted(archive.namelist()) == ["ana-souza.pdf", "ben-okafor.pdf"]
    assert len(pdf_text(archive.read("ana-souza.pdf"))) == 3  # the cover and two spots
    bad = desk.post("/batch", data={"csrf": token(desk, "/batch")},
                    files={"file": ("c.csv", "who,what\nx,y\n", "text/csv")})
    assert bad.status_code == 422 and "missing column(s): name, spots" in bad.text
    assert desk.get("/batch/nope.zip").status_code == 404


def test_oversized_bodies_are_413(desk):
    big = "x" * (1024 * 1024 + 10)
    assert desk.post("/clients", data={"name": big, "csrf": token(desk)}).status_code == 413
    assert desk.post("/api/packets", content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                     headers={"content-type": "application/json"}).status_code == 413
    csv = "name,spots\n" + "Ana,2\n" * 400_000  # about 2.4 MB
    r = desk.post("/batch", data={"csrf": token(desk, "/batch")}, files={"file": ("c.csv", csv, "text/csv")})
    assert r.status_code == 413
    ok = "name,spots\n" + "Ana,2\n" * 200_000  # 1.2 MB: over the form cap, under the CSV cap
    r = desk.post("/batch", data={"csrf": token(desk, "/batch")}, files={"file": ("c.csv", ok, "text/csv")})
    assert r.status_code == 422 and "at most 200" in r.text


# ------------------------------------------------------------------ API
def test_api_spots_and_clients(desk, compiler):
    spots = desk.get("/api/spots").json()
    assert [(s["number"], s["plain_name"]) for s in spots] == [(s.number, s.plain_name) for s in compiler.spots]
    assert desk.get("/api/clients").json() == []
    add_client(desk, "Ana Souza")
    assert [c["name"] for c in desk.get("/api/clients").json()] == ["Ana Souza"]


def test_api_packets_returns_the_pdf_and_stores_it_for_a_known_client(desk):
    r = desk.post("/api/packets", json={"client": "Nobody Yet", "spots": [1], "hold": "30-90", "date": "2026-01-02"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert "x-packet-id" not in r.headers
    assert "Nobody Yet" in pdf_text(r.content)[0]
    add_client(desk, "Ana Souza")
    r = desk.post("/api/packets", json={"client": "Ana Souza", "spots": [2, 1], "side": "right", "paper": "letter",
                                        "times_per_day": 3, "therapist": "Sam Lee"})
    assert r.status_code == 200 and r.headers["x-packet-id"]
    page = PdfReader(io.BytesIO(r.content)).pages[0]
    assert round(float(page.mediabox.width)) == 612  # US Letter
    assert desk.get("/api/clients").json()[0]["packets"] == 1


@pytest.mark.parametrize("body, field", [
    ({"spots": [99]}, "spots"),
    ({"spots": []}, "spots"),
    ({"spots": [1], "hold": "forever"}, "hold"),
    ({"spots": [1], "hold": "500"}, "hold"),
    ({"spots": [1], "side": "up"}, "side"),
    ({"spots": [1], "date": "yesterday"}, "date"),
    ({"spots": [1], "paper": "a3"}, "paper"),
    ({"spots": [1], "notes": "x" * (build.MAX_NOTES + 1)}, "notes"),
    ({"spots": [1], "file": "/etc/passwd"}, "file"),
    ({"spots": {"a": 1}}, "spots"),
])
def test_api_bad_input_is_422_with_the_field(desk, body, field):
    r = desk.post("/api/packets", json=body)
    assert r.status_code == 422
    assert field in r.json()["errors"]


def test_api_body_must_be_json(desk):
    r = desk.post("/api/packets", content=b"spots=1", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"] == {"body": "not JSON"}
    assert desk.post("/api/packets", json=[1, 2]).status_code == 422
    # A cross-site form can post text/plain that happens to be JSON; the API refuses anything but JSON.
    add_client(desk, "Ana Souza")
    forged = b'{"spots": [1], "client": "Ana Souza", "notes": "=x"}'
    r = desk.post("/api/packets", content=forged, headers={"content-type": "text/plain"})
    assert r.status_code == 415 and "content-type" in r.json()["errors"]
    assert desk.get("/api/clients").json()[0]["packets"] == 0


# ------------------------------------------------------------------ safety
def test_other_host_headers_are_refused(desk):
    assert desk.get("/clients", headers={"host": "evil.example"}).status_code == 400


def test_sqlite_and_session_key_are_owner_only(compiler, tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    data = tmp_path / "var"
    with make_client(compiler, data) as client:
        assert client.get("/clients").status_code == 200
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)
    assert mode(data) == 0o700
    assert mode(data / "desk.sqlite3") == 0o600
    assert mode(data / "session.key") == 0o600


def test_migrations_are_applied_once(tmp_path, database):
    url = db.database_url(tmp_path / "var", database)
    engine, _ = db.connect(url)
    engine, _ = db.connect(url)  # a second start finds the schema current
    from sqlalchemy import inspect, text

    assert {"clients", "packets", "packet_spots", "alembic_version"} <= set(inspect(engine).get_table_names())
    with engine.connect() as c:
        assert c.execute(text("select version_num from alembic_version")).scalar() == "0002"
    engine.dispose()


def test_password_gate(compiler, tmp_path):
    with make_client(compiler, tmp_path / "var", password="correct horse") as client:
        r = client.get("/clients", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert client.get("/api/clients").status_code == 401
        assert client.get("/api/clients", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/api/clients", headers={"authorization": "Bearer correct horse"}).status_code == 200
        csrf = doc(client.get("/login")).xpath("//input[@name='csrf']/@value")[0]
        assert client.post("/login", data={"csrf": csrf, "password": "nope"}).status_code == 422
        r = client.post("/login", data={"csrf": csrf, "password": "correct horse", "next": "//evil.example"},
                        follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/clients"
        assert client.get("/clients").status_code == 200


def test_non_loopback_bind_needs_allow_remote_and_a_password(capsys, monkeypatch):
    monkeypatch.delenv("DESK_PASSWORD", raising=False)
    assert cli("serve", "--host", "0.0.0.0") == 2
    assert "--host: '0.0.0.0' is reachable from other computers" in capsys.readouterr().err
    assert cli("serve", "--host", "192.0.2.1", "--allow-remote") == 2
    assert "DESK_PASSWORD" in capsys.readouterr().err
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        check_bind(host, False, None)
    with pytest.raises(SourceError):
        check_bind("0.0.0.0", True, "short")
    check_bind("0.0.0.0", True, "long enough password")


def test_worker_task_leaves_no_temporary_files_when_it_fails():
    before = set(Path(tempfile.gettempdir()).glob(service.TEMP_PREFIX + "*"))
    job = build.Job(chapters=FIXTURES / "tiny")
    status, problems = service._pdf_task(job, ["99"], service.Personal(), "a4")
    assert status == "error" and "no spot '99'" in problems[0][2]
    status, data = service._preview_task(job, "1", service.Personal(client="A"), "a4", 200)
    assert status == "ok" and data.startswith(b"\x89PNG")
    assert set(Path(tempfile.gettempdir()).glob(service.TEMP_PREFIX + "*")) == before


def test_a_port_in_use_is_a_one_line_error(capsys, tmp_path):
    import socket

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        assert cli("serve", "--port", port, "--data", tmp_path / "var", "--chapters", FIXTURES / "tiny") == 2
    err = capsys.readouterr().err
    assert f"--port: cannot listen on 127.0.0.1 port {port}" in err and "Traceback" not in err
