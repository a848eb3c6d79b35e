"""The desk's routes: pages for people, a JSON API for programs.

Safe by default: every form carries a CSRF token, bodies are capped, a Content-Security-Policy
allows no inline script, Jinja escapes every text, and no request parameter names a file.
With a password (needed to listen beyond loopback) every route but /login and /static asks
for it; sessions live in signed cookies whose secret stays in the data folder.
"""
from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import os
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import SourceError
from . import db, service
from .service import Compiler, Invalid, PacketRequest

log = logging.getLogger("book.desk")
STATIC = Path(__file__).resolve().parent / "static"
MAX_BODY = 1024 * 1024
MAX_CSV = 2 * 1024 * 1024
LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1", "[::1]"]
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass
class Settings:
    """How the desk runs: where its data lives, and who may use it."""

    data: Path
    password: Optional[str] = None
    allowed_hosts: Optional[list[str]] = None  # None: loopback names only


# ------------------------------------------------------------------ middleware
class Limits:
    """Caps request bodies (CSV uploads get more room) and adds the security headers to every answer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                headers += [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"DENY")]
                if not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send_with_headers)
        limit = MAX_CSV if scope["path"] == "/batch" else MAX_BODY
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length and (not length.isdigit() or int(length) > limit):
            return await too_large(scope, limit)(scope, receive, send_with_headers)
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                return await too_large(scope, limit)(scope, receive, send_with_headers)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_headers)


def too_large(scope, limit: int) -> Response:
    message = f"the request is larger than {limit // (1024 * 1024)} MB"
    if scope["path"].startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=413)
    return HTMLResponse(f"<!DOCTYPE html><title>Too large</title><p>{message}.</p>", status_code=413)


def session_secret(data: Path) -> str:
    """The signing key for session cookies, made once and kept owner-only in the data folder."""
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data / "session.key"
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


# ------------------------------------------------------------------ the app
def create_app(compiler: Compiler, settings: Settings, database_url: Optional[str] = None,
               own_pool: bool = True) -> Starlette:
    """The desk as an ASGI app. DATABASE_URL or SQLite in settings.data holds the clients.

    With own_pool the app starts the compiler's worker processes and stops them when it ends."""
    engine, Session = db.connect(db.database_url(settings.data, database_url))
    env = service.templates()
    zips = service.LRU(8)  # batch downloads, by random token, in memory only

    # ---------------------------------------------------------- helpers
    def csrf(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = request.session["csrf"] = secrets.token_urlsafe(32)
        return token

    def page(request: Request, name: str, status_code: int = 200, **ctx) -> HTMLResponse:
        html = env.get_template(f"desk/{name}").render(
            request=request, csrf=csrf(request), practice=compiler.profile.practice, nav=ctx.pop("nav", ""),
            locked=bool(settings.password), **ctx)
        return HTMLResponse(html, status_code=status_code)

    async def form(request: Request, max_part_size: int = MAX_BODY) -> FormData:
        """The posted form, after checking its CSRF token (403 without a good one)."""
        try:
            data = await request.form(max_part_size=max_part_size)
        except Exception as e:  # a malformed or oversized multipart body is the sender's fault
            raise HTTPException(422, f"the form could not be read: {e}") from None
        sent = str(data.get("csrf") or "")
        expected = request.session.get("csrf") or ""
        if not sent or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
            raise HTTPException(403, "the form's security token is missing or out of date; reload the page and try again")
        return data

    def client_or_404(s, client_id: int) -> db.Client:
        client = s.get(db.Client, client_id)
        if client is None:
            raise HTTPException(404, f"no client {client_id}")
        return client

    def clean_name(value) -> tuple[str, Optional[str]]:
        name = " ".join(str(value or "").split())
        if not name:
            return name, "enter the client's name"
        if len(name) > 60:
            return name, f"{len(name)} characters; at most 60 fit on the page"
        return name, None

    def spot_rows(request_fields: dict, area: Optional[dict]) -> list[dict]:
        chosen = set(request_fields.get("spots") or [])
        matches = set(area["spots"]) if area else set()
        own = request_fields.get("per_spot") or {}
        return [{"spot": s, "checked": str(s.number) in chosen or s.slug in chosen, "match": s.number in matches,
                 "own": own.get(str(s.number)) or {}} for s in compiler.spots]

    def packet_form(request: Request, fields: dict, errors: Optional[dict] = None, status: int = 200,
                    preview: Optional[str] = None) -> HTMLResponse:
        area_id = request.query_params.get("area") or fields.get("area") or ""
        areas = compiler.map_areas()
        area = next((a for a in areas if a["id"] == area_id), None)
        with Session() as s:
            clients = s.scalars(select(db.Client.name).order_by(db.Client.name).limit(500)).all()
        return page(request, "packet_new.html", status, nav="new", fields=fields, errors=errors or {},
                    spots=spot_rows(fields, area), areas=areas, outlines=compiler.outlines(), area=area, area_id=area_id, clients=clients,
                    finder=compiler.finder(), preview=preview, papers=service.PAPERS,
                    default_paper=compiler.default_paper, today=dt.date.today().isoformat(),
                    names={s.number: s.plain_name for s in compiler.spots})

    def form_fields(data) -> dict:
        """The packet fields of a form or a query string; a spot's own values come as FIELD-NUMBER."""
        fields = {k: str(data.get(k) or "") for k in ("client", "side", "hold", "times_per_day", "notes", "therapist",
                                                       "date", "paper", "area", "client_id")}
        fields["spots"] = [str(v) for v in data.getlist("spots")]
        per_spot: dict = {}
        for spot in compiler.spots:
            for field in service.OWN_FIELDS:
                value = str(data.get(f"{field}-{spot.number}") or "").strip()
                if value and str(spot.number) in fields["spots"]:
                    per_spot.setdefault(str(spot.number), {})[field] = value
        fields["per_spot"] = per_spot
        return fields

    def store(s, client: db.Client, req: PacketRequest) -> db.Packet:
        p = req.personal
        packet = db.Packet(client=client, printed_name=p.client or client.name, side=p.side, hold_low=p.hold_seconds[0] if p.hold_seconds else None,
                           hold_high=p.hold_seconds[1] if p.hold_seconds else None, times_per_day=p.times_per_day,
                           notes=p.notes, therapist=p.therapist, date=p.date, practice=compiler.practice_name,
                           paper=req.paper)
        for i, key in enumerate(req.keys):
            spot = compiler.spot(int(key)) if key.isdigit() else next(x for x in compiler.spots if x.slug == key)
            own = dict(req.own[i]) if req.own else {}
            packet.spots.append(db.PacketSpot(position=i, spot=spot.number, side=own.get("side"), hold=own.get("hold"),
                                              times_per_day=int(own["times_per_day"]) if "times_per_day" in own else None,
                                              note=own.get("note")))
        s.add(packet)
        return packet

    def pdf_response(data: bytes, name: str, inline: bool = False) -> Response:
        disposition = "inline" if inline else "attachment"
        return Response(data, media_type="application/pdf",
                        headers={"content-disposition": f'{disposition}; filename="{name}"'})

    def packet_name(req: PacketRequest) -> str:
        from ..build import safe_name

        return f"{safe_name(req.personal.client or 'handout')}-{'-'.join(safe_name(k) for k in req.keys)}.pdf"

    def packet_request(packet: db.Packet) -> PacketRequest:
        return compiler.check({"client": packet.printed_name, "spots": [str(n) for n in packet.spot_numbers],
                               "side": packet.side, "hold": f"{packet.hold_low}-{packet.hold_high}" if packet.hold_low else "",
                               "times_per_day": str(packet.times_per_day or ""), "notes": packet.notes or "",
                               "therapist": packet.therapist or "", "date": packet.date.isoformat(),
                               "paper": packet.paper,
                               "per_spot": {str(ps.spot): ps.own for ps in packet.spots if ps.own}})

    # ---------------------------------------------------------- pages: clients
    async def home(request: Request):
        return RedirectResponse("/clients", status_code=303)

    async def clients(request: Request):
        q = " ".join(request.query_params.get("q", "").split())[:60]
        with Session() as s:
            query = (select(db.Client, func.count(db.Packet.id)).outerjoin(db.Packet)
                     .group_by(db.Client.id).order_by(db.Client.name))
            if q:
                query = query.where(db.Client.name.ilike(f"%{q.replace('%', '').replace('_', '')}%"))
            rows = s.execute(query.limit(500)).all()
        return page(request, "clients.html", nav="clients", rows=rows, q=q, errors={}, fields={})

    async def client_add(request: Request):
        data = await form(request)
        name, error = clean_name(data.get("name"))
        if error:
            with Session() as s:
                rows = s.execute(select(db.Client, func.count(db.Packet.id)).outerjoin(db.Packet)
                                 .group_by(db.Client.id).order_by(db.Client.name).limit(500)).all()
            return page(request, "clients.html", 422, nav="clients", rows=rows, q="", errors={"name": error},
                        fields={"name": name})
        with Session.begin() as s:
            client = db.Client(name=name)
            s.add(client)
            s.flush()
            cid = client.id
        return RedirectResponse(f"/clients/{cid}", status_code=303)

    async def client_page(request: Request):
        cid = request.path_params["client_id"]
        with Session() as s:
            client = s.scalars(select(db.Client).where(db.Client.id == cid)
                               .options(selectinload(db.Client.packets).selectinload(db.Packet.spots))).first()
            if client is None:
                raise HTTPException(404, f"no client {cid}")
        names = {s.number: s.plain_name for s in compiler.spots}
        return page(request, "client.html", nav="clients", client=client, names=names, errors={},
                    fields={"name": client.name})

    async def client_edit(request: Request):
        cid = request.path_params["client_id"]
        data = await form(request)
        name, error = clean_name(data.get("name"))
        with Session.begin() as s:
            client = client_or_404(s, cid)
            if error:
                names = {sp.number: sp.plain_name for sp in compiler.spots}
                return page(request, "client.html", 422, nav="clients", client=client, names=names,
                            errors={"name": error}, fields={"name": name})
            client.name = name
        return RedirectResponse(f"/clients/{cid}", status_code=303)

    async def client_delete(request: Request):
        cid = request.path_params["client_id"]
        data = await form(request)
        if data.get("confirm") != "yes":
            with Session() as s:
                client = client_or_404(s, cid)
                names = {sp.number: sp.plain_name for sp in compiler.spots}
                return page(request, "client.html", 422, nav="clients", client=client, names=names,
                            errors={"confirm": "tick the box to confirm"}, fields={"name": client.name})
        with Session.begin() as s:
            s.delete(client_or_404(s, cid))
        return RedirectResponse("/clients", status_code=303)

    async def client_export(request: Request):
        cid = request.path_params["client_id"]
        with Session() as s:
            client = client_or_404(s, cid)
            body = {"id": client.id, "name": client.name, "created": client.created.isoformat(),
                    "packets": [{"id": p.id, "printed_name": p.printed_name, "created": p.created.isoformat(),
                                 "date": p.date.isoformat(),
                                 "spots": p.spot_numbers, "side": p.side,
                                 "per_spot": {str(ps.spot): ps.own for ps in p.spots if ps.own},
                                 "hold_seconds": list(p.hold) if p.hold else None, "times_per_day": p.times_per_day,
                                 "notes": p.notes, "therapist": p.therapist, "practice": p.practice, "paper": p.paper}
                                for p in client.packets]}
        from ..build import safe_name

        return Response(json.dumps(body, indent=2, ensure_ascii=False), media_type="application/json",
                        headers={"content-disposition": f'attachment; filename="client-{safe_name(body["name"])}.json"'})

    # ---------------------------------------------------------- pages: packets
    async def packet_new(request: Request):
        q = request.query_params
        fields = form_fields(q)
        fields["client_id"] = fields["client_id"] if fields["client_id"].isdigit() else ""
        if fields["client_id"].isdigit() and not fields["client"]:
            with Session() as s:
                client = s.get(db.Client, int(fields["client_id"]))
                fields["client"] = client.name if client else ""
        area_id = q.get("area")
        if area_id and not any(a["id"] == area_id for a in compiler.map_areas()):
            return packet_form(request, fields, {"area": f"no area {area_id!r} on the body map"}, 422)
        preview = None
        if "preview" in q:
            try:
                req = compiler.check(fields)
            except Invalid as e:
                return packet_form(request, fields, e.errors, 422)
            preview = "/packets/preview.png?" + urlencode(preview_params(req), doseq=True)
        return packet_form(request, fields, preview=preview)

    def preview_params(req: PacketRequest) -> dict:
        p = req.personal
        return {"spots": list(req.keys), "client": p.client or "", "side": p.side, "paper": req.paper,
                "hold": f"{p.hold_seconds[0]}-{p.hold_seconds[1]}" if p.hold_seconds else "",
                "times_per_day": p.times_per_day or "", "notes": p.notes or "", "therapist": p.therapist or "",
                "date": p.date.isoformat(),
                **{f"{field}-{key}": value for key, own in zip(req.keys, req.own) for field, value in own}}

    async def packet_area(request: Request):
        """htmx: the spots that send pain to one area of the body map."""
        area_id = request.query_params.get("area", "")
        area = next((a for a in compiler.map_areas() if a["id"] == area_id), None)
        chosen = {"spots": request.query_params.getlist("spots")}
        return page(request, "_area.html", 200 if area else 422, area=area, area_id=area_id, errors={},
                    names={s.number: s.plain_name for s in compiler.spots}, spots=spot_rows(chosen, area), oob_spots=True)

    async def packet_preview_fragment(request: Request):
        """htmx: the preview image for the form's current values, or its errors."""
        fields = form_fields(request.query_params)
        try:
            req = compiler.check(fields)
        except Invalid as e:
            return page(request, "_preview.html", 200, preview=None, errors=e.errors)
        return page(request, "_preview.html", preview="/packets/preview.png?" +
                    urlencode(preview_params(req), doseq=True), errors={})

    async def packet_preview_png(request: Request):
        fields = form_fields(request.query_params)
        try:
            req = compiler.check(fields)
            png = await compiler.preview(req)
        except Invalid as e:
            return JSONResponse({"detail": "invalid", "errors": e.errors}, status_code=422)
        except SourceError as e:
            return JSONResponse({"detail": "invalid", "errors": {p.field or "packet": p.message for p in e.problems}},
                                status_code=422)
        return Response(png, media_type="image/png", headers={"cache-control": "private, max-age=3600"})

    async def packet_make(request: Request):
        data = await form(request)
        fields = form_fields(data)
        errors = {}
        name, error = clean_name(fields["client"])
        fields["client"] = name
        if error:
            errors["client"] = error
        try:
            req = compiler.check(fields)
        except Invalid as e:
            errors.update(e.errors)
        if errors:
            return packet_form(request, fields, errors, 422)
        try:
            pdf = await compiler.pdf(req)
        except SourceError as e:
            return packet_form(request, fields, {p.field or "spots": p.message for p in e.problems}, 422)
        with Session.begin() as s:
            client = None
            if fields["client_id"].isdigit():
                client = s.get(db.Client, int(fields["client_id"]))
                if client is not None and client.name != name:
                    client = None
            if client is None:
                client = s.scalars(select(db.Client).where(db.Client.name == name).order_by(db.Client.id)).first()
            if client is None:
                client = db.Client(name=name)
                s.add(client)
            store(s, client, req)
        return pdf_response(pdf, packet_name(req))

    async def packet_pdf(request: Request):
        pid = request.path_params["packet_id"]
        with Session() as s:
            packet = s.scalars(select(db.Packet).where(db.Packet.id == pid)
                               .options(selectinload(db.Packet.spots), selectinload(db.Packet.client))).first()
            if packet is None:
                raise HTTPException(404, f"no packet {pid}")
        if packet.practice != compiler.practice_name:
            raise HTTPException(409, f"this packet was made with the practice {packet.practice!r}; "
                                     f"start the desk with --practice {packet.practice} to reprint it")
        try:
            req = packet_request(packet)
            pdf = await compiler.pdf(req)
        except (Invalid, SourceError) as e:
            raise HTTPException(409, f"this packet cannot be made again with the current sources: {e}") from None
        return pdf_response(pdf, packet_name(req), inline=request.query_params.get("view") == "1")

    # ---------------------------------------------------------- pages: batch
    async def batch_page(request: Request):
        return page(request, "batch.html", nav="batch", results=None, token=None, errors={},
                    sample=service.sample_csv(), columns=service.batch.COLUMNS)

    async def batch_run(request: Request):
        data = await form(request, max_part_size=MAX_CSV)
        upload = data.get("file")
        errors = {}
        content = b""
        if upload is None or isinstance(upload, str) or not upload.filename:
            errors["file"] = "choose a CSV file"
        else:
            content = await upload.read()
            await upload.close()
        results, token = None, None
        if not errors:
            try:
                results, archive = await compiler.batch(content)
            except Invalid as e:
                errors = e.errors
            else:
                if archive:
                    token = secrets.token_urlsafe(16)
                    zips.put(token, archive)
        return page(request, "batch.html", 422 if errors else 200, nav="batch", results=results, token=token,
                    errors=errors, sample=service.sample_csv(), columns=service.batch.COLUMNS)

    async def batch_zip(request: Request):
        archive = zips.get(request.path_params["token"])
        if archive is None:
            raise HTTPException(404, "this download has expired; upload the CSV again")
        return Response(archive, media_type="application/zip",
                        headers={"content-disposition": 'attachment; filename="packets.zip"'})

    async def sample(request: Request):
        return Response(service.sample_csv(), media_type="text/csv",
                        headers={"content-disposition": 'attachment; filename="clients.csv"'})

    # ---------------------------------------------------------- figures
    async def spot_figure(request: Request):
        svg = compiler.thumbnail(request.path_params["number"])
        if svg is None:
            raise HTTPException(404, f"no spot {request.path_params['number']}")
        return Response(svg, media_type="image/svg+xml", headers={"cache-control": "public, max-age=3600"})

    async def overview(request: Request):
        return Response(compiler.overview(), media_type="image/svg+xml", headers={"cache-control": "public, max-age=3600"})

    # ---------------------------------------------------------- login
    async def login_page(request: Request):
        return page(request, "login.html", errors={}, next=safe_next(request.query_params.get("next")))

    async def login(request: Request):
        data = await form(request)
        sent = str(data.get("password") or "")
        target = safe_next(str(data.get("next") or ""))
        if settings.password and hmac.compare_digest(sent.encode(), settings.password.encode()):
            request.session.clear()
            request.session["auth"] = True
            return RedirectResponse(target, status_code=303)
        return page(request, "login.html", 422, errors={"password": "wrong password"}, next=target)

    async def logout(request: Request):
        await form(request)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # ---------------------------------------------------------- API
    async def api_spots(request: Request):
        return JSONResponse([{"number": s.number, "slug": s.slug, "title": s.title, "plain_name": s.plain_name,
                              "helps": s.helps, "pain_areas": s.pain_areas, "hold_seconds": list(s.press.hold_seconds),
                              "times_per_day": s.press.times_per_day} for s in compiler.spots])

    async def api_clients(request: Request):
        with Session() as s:
            rows = s.execute(select(db.Client, func.count(db.Packet.id)).outerjoin(db.Packet)
                             .group_by(db.Client.id).order_by(db.Client.name)).all()
        return JSONResponse([{"id": c.id, "name": c.name, "packets": n} for c, n in rows])

    async def api_packets(request: Request):
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json":  # a cross-site form cannot send this type without the browser asking first
            return JSONResponse({"detail": "send the body as application/json",
                                 "errors": {"content-type": f"must be application/json, got {kind or 'none'!r}"}},
                                status_code=415)
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return JSONResponse({"detail": "the body must be JSON", "errors": {"body": "not JSON"}}, status_code=422)
        if not isinstance(body, dict):
            return JSONResponse({"detail": "invalid", "errors": {"body": "must be a JSON object"}}, status_code=422)
        unknown = sorted(set(body) - {"client", "spots", "side", "hold", "times_per_day", "notes", "therapist",
                                      "date", "paper", "per_spot"})
        errors = {k: "unknown field" for k in unknown}
        fields = {k: ("" if v is None else v) for k, v in body.items()}
        for k in ("client", "side", "hold", "times_per_day", "notes", "therapist", "date", "paper"):
            if k in fields and not isinstance(fields[k], (str, int)) or isinstance(fields.get(k), bool):
                errors[k] = "must be a string or a number"
        if not isinstance(fields.get("spots", []), (list, str, int)):
            errors["spots"] = "must be a list of spot numbers"
        if not errors:
            try:
                req = compiler.check(fields)
            except Invalid as e:
                errors = e.errors
        if errors:
            return JSONResponse({"detail": "invalid", "errors": errors}, status_code=422)
        try:
            pdf = await compiler.pdf(req)
        except SourceError as e:
            return JSONResponse({"detail": "invalid", "errors": {p.field or "packet": p.message for p in e.problems}},
                                status_code=422)
        headers = {"content-disposition": f'attachment; filename="{packet_name(req)}"'}
        if req.personal.client:
            with Session.begin() as s:
                client = s.scalars(select(db.Client).where(db.Client.name == req.personal.client)
                                   .order_by(db.Client.id)).first()
                if client is not None:
                    packet = store(s, client, req)
                    s.flush()
                    headers["x-packet-id"] = str(packet.id)
        return Response(pdf, media_type="application/pdf", headers=headers)

    # ---------------------------------------------------------- errors
    async def http_error(request: Request, exc: HTTPException):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return page(request, "error.html", exc.status_code, status=exc.status_code, message=exc.detail)

    @asynccontextmanager
    async def lifespan(app):
        if own_pool:
            compiler.start()
        yield
        if own_pool:
            compiler.stop()
        engine.dispose()

    routes = [
        Route("/", home),
        Route("/clients", clients, methods=["GET"]),
        Route("/clients", client_add, methods=["POST"]),
        Route("/clients/{client_id:int}", client_page, methods=["GET"]),
        Route("/clients/{client_id:int}", client_edit, methods=["POST"]),
        Route("/clients/{client_id:int}/delete", client_delete, methods=["POST"]),
        Route("/clients/{client_id:int}/export.json", client_export),
        Route("/packets/new", packet_new, methods=["GET"]),
        Route("/packets", packet_make, methods=["POST"]),
        Route("/packets/area", packet_area),
        Route("/packets/preview", packet_preview_fragment),
        Route("/packets/preview.png", packet_preview_png),
        Route("/packets/{packet_id:int}.pdf", packet_pdf),
        Route("/batch", batch_page, methods=["GET"]),
        Route("/batch", batch_run, methods=["POST"]),
        Route("/batch/sample.csv", sample),
        Route("/batch/{token}.zip", batch_zip),
        Route("/spots/{number:int}/figure.svg", spot_figure),
        Route("/map/overview.svg", overview),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/api/spots", api_spots),
        Route("/api/clients", api_clients),
        Route("/api/packets", api_packets, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts or LOOPBACK_HOSTS),
        Middleware(Limits),
        Middleware(SessionMiddleware, secret_key=session_secret(settings.data), session_cookie="desk_session",
                   same_site="strict", max_age=12 * 3600),
    ]
    if settings.password:
        middleware.append(Middleware(PasswordGate, password=settings.password))
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                     exception_handlers={HTTPException: http_error})


def safe_next(value: Optional[str]) -> str:
    """Only a path on this site may follow a login."""
    return value if value and value.startswith("/") and not value.startswith("//") and "\\" not in value else "/clients"


class PasswordGate:
    """Every route but /login and /static needs a logged-in session, or for /api/ the password as a bearer token."""

    def __init__(self, app, password: str):
        self.app, self.password = app, password

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in ("/login",) or scope["path"].startswith("/static/"):
            return await self.app(scope, receive, send)
        if scope.get("session", {}).get("auth"):
            return await self.app(scope, receive, send)
        if scope["path"].startswith("/api/"):
            header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
            token = header[7:] if header.lower().startswith("bearer ") else ""
            if token and hmac.compare_digest(token.encode(), self.password.encode()):
                return await self.app(scope, receive, send)
            return await JSONResponse({"detail": "log in first: send Authorization: Bearer <DESK_PASSWORD>"},
                                      status_code=401)(scope, receive, send)
        target = scope["path"] + (("?" + scope["query_string"].decode("latin-1")) if scope.get("query_string") else "")
        return await RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)(scope, receive, send)
