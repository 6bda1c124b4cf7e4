"""A fake of the GitHub REST endpoints llmward calls, served on 127.0.0.1 for tests.

Request and response shapes follow GitHub's REST docs: list endpoints paginate with `per_page`
(default 30, at most 100) and `page`, and send `Link` headers with absolute URLs; errors are
`{"message", "documentation_url"}` (422 adds `errors`). Every request is recorded, and faults can
be injected per path (and optionally per method and query) to test the client's failure handling.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

DOCS = "https://docs.github.com/rest"
BOT = {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"}
START = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
COMMENT_LIMIT = 65_536

Json = dict[str, object]
Reply = tuple[int, object, dict[str, str]]  # status, JSON body (or raw bytes), extra headers
CUT = "x-fake-truncate"  # an answer's header naming how many body bytes to send before hanging up


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: object  # parsed JSON, the raw text if it is not JSON, None if empty
    headers: dict[str, str]  # names lower-cased


@dataclass
class Fault:
    """Answer matching requests with this instead; `times` None means every time."""

    status: int = 500
    body: object = None  # JSON, or bytes sent as they are; None: GitHub's message for the status
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (longer than the client's timeout: a timeout)
    truncate: int | None = None  # send only this many bytes of the body, then hang up
    times: int | None = 1
    method: str | None = None
    query: dict[str, str] = field(default_factory=dict)  # must all match


MESSAGE_BY_STATUS = {
    401: "Bad credentials",
    403: "Resource not accessible by integration",
    404: "Not Found",
    422: "Validation Failed",
    429: "You have exceeded a secondary rate limit.",
    500: "Server Error",
    502: "Bad Gateway",
}


def error_body(status: int, message: str | None = None) -> Json:
    return {"message": message or MESSAGE_BY_STATUS.get(status, "Error"), "documentation_url": DOCS}


class FakeGitHub:
    """Start with `with FakeGitHub() as fake:`; `fake.url` is the API root."""

    def __init__(self, token: str = "test-token") -> None:
        self.token = token
        self.requests: list[Recorded] = []
        self.reviews: dict[tuple[str, int], list[Json]] = {}
        self.comments: dict[tuple[str, int], list[Json]] = {}
        self.memberships: dict[tuple[str, str, str], Json] = {}
        self.faults: dict[str, list[Fault]] = {}
        self._ids = iter(range(1001, 10**9))
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()  # wakes handlers sleeping in a delay fault
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    # --- state -------------------------------------------------------------------------------

    def add_pull(self, repo: str, number: int) -> None:
        self.reviews.setdefault((repo, number), [])
        self.comments.setdefault((repo, number), [])

    def add_review(
        self,
        repo: str,
        number: int,
        login: str | None,
        state: str,
        commit_id: str | None,
        *,
        user_type: str = "User",
        association: str = "MEMBER",
        submitted_at: str | None = None,
    ) -> Json:
        self.add_pull(repo, number)
        reviews = self.reviews[(repo, number)]
        review: Json = {
            "id": next(self._ids),
            "user": None if login is None else {"login": login, "id": 1, "type": user_type},
            "body": "",
            "state": state,
            "commit_id": commit_id,
            "author_association": association,
        }
        if state != "PENDING":  # a pending review has no submitted_at
            review["submitted_at"] = submitted_at or _time(len(reviews))
        reviews.append(review)
        return review

    def add_comment(self, repo: str, number: int, body: str, user: Json | None = None) -> Json:
        self.add_pull(repo, number)
        comments = self.comments[(repo, number)]
        when = _time(len(comments))
        comment: Json = {
            "id": next(self._ids),
            "user": user or {"login": "octocat", "id": 1, "type": "User"},
            "body": body,
            "created_at": when,
            "updated_at": when,
        }
        comments.append(comment)
        return comment

    def set_membership(
        self, org: str, slug: str, user: str, state: str = "active", role: str = "member"
    ) -> None:
        url = f"{self.url}/organizations/1/team/2/memberships/{user}"
        self.memberships[(org, slug, user.lower())] = {"url": url, "role": role, "state": state}

    def fail(
        self,
        path: str,
        status: int = 500,
        *,
        body: object = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        truncate: int | None = None,
        times: int | None = 1,
        method: str | None = None,
        query: dict[str, str] | None = None,
    ) -> Fault:
        """Answer requests to `path` with this fault instead (see Fault)."""
        fault = Fault(status, body, headers or {}, delay, truncate, times, method, query or {})
        self.faults.setdefault(path, []).append(fault)
        return fault

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # --- serving -----------------------------------------------------------------------------

    def answer(self, method: str, path: str, query: dict[str, str], body: object) -> Reply:
        fault = self._fault(method, path, query)
        if fault is not None:
            self._stop.wait(fault.delay)
            payload = error_body(fault.status) if fault.body is None else fault.body
            cut = {} if fault.truncate is None else {CUT: str(fault.truncate)}
            return fault.status, payload, fault.headers | cut
        for verb, pattern, route in ROUTES:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                with self._lock:
                    return route(self, match.groupdict(), query, body)
        return 404, error_body(404), {}

    def _fault(self, method: str, path: str, query: dict[str, str]) -> Fault | None:
        with self._lock:
            for fault in self.faults.get(path, []):
                wanted = fault.method in (None, method) and fault.times != 0
                if wanted and all(query.get(k) == v for k, v in fault.query.items()):
                    fault.times = None if fault.times is None else fault.times - 1
                    return fault
        return None

    def _page(self, path: str, items: list[Json], query: dict[str, str]) -> Reply:
        per_page = min(int(query.get("per_page", "30")), 100)
        page = int(query.get("page", "1"))
        last = max(1, -(-len(items) // per_page))
        links = {"next": page + 1, "last": last} if page < last else {}
        if page > 1:
            links |= {"first": 1, "prev": page - 1}
        header = ", ".join(
            f'<{self.url}{path}?per_page={per_page}&page={n}>; rel="{rel}"'
            for rel, n in links.items()
        )
        body = items[(page - 1) * per_page : page * per_page]
        return 200, body, {"Link": header} if header else {}

    def _reviews(self, args: dict[str, str], query: dict[str, str], body: object) -> Reply:
        key = (f"{args['owner']}/{args['repo']}", int(args["number"]))
        if key not in self.reviews:
            return 404, error_body(404), {}
        path = f"/repos/{key[0]}/pulls/{key[1]}/reviews"
        return self._page(path, self.reviews[key], query)

    def _list_comments(self, args: dict[str, str], query: dict[str, str], body: object) -> Reply:
        key = (f"{args['owner']}/{args['repo']}", int(args["number"]))
        if key not in self.comments:
            return 404, error_body(404), {}
        return self._page(f"/repos/{key[0]}/issues/{key[1]}/comments", self.comments[key], query)

    def _post_comment(self, args: dict[str, str], query: dict[str, str], body: object) -> Reply:
        key = (f"{args['owner']}/{args['repo']}", int(args["number"]))
        if key not in self.comments:
            return 404, error_body(404), {}
        invalid = _invalid_body(body)
        if invalid is not None:
            return invalid
        assert isinstance(body, dict)
        comments = self.comments[key]
        comment = {"id": next(self._ids), "user": dict(BOT), "body": body["body"]}
        comment |= {"created_at": _time(len(comments)), "updated_at": _time(len(comments))}
        comments.append(comment)
        return 201, comment, {}

    def _patch_comment(self, args: dict[str, str], query: dict[str, str], body: object) -> Reply:
        repo = f"{args['owner']}/{args['repo']}"
        for (owner_repo, _), comments in self.comments.items():
            for comment in comments:
                if owner_repo == repo and comment["id"] == int(args["id"]):
                    invalid = _invalid_body(body)
                    if invalid is not None:
                        return invalid
                    assert isinstance(body, dict)
                    comment |= {"body": body["body"], "updated_at": _time(len(comments) + 1)}
                    return 200, comment, {}
        return 404, error_body(404), {}

    def _membership(self, args: dict[str, str], query: dict[str, str], body: object) -> Reply:
        found = self.memberships.get((args["org"], args["slug"], args["user"].lower()))
        return (200, found, {}) if found else (404, error_body(404), {})


def _time(offset: int) -> str:
    return (START + timedelta(minutes=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _invalid_body(body: object) -> Reply | None:
    if not isinstance(body, dict) or not isinstance(body.get("body"), str):
        return 422, error_body(422, 'Invalid request.\n\n"body" wasn\'t supplied.'), {}
    if len(body["body"]) > COMMENT_LIMIT:
        error = {"resource": "IssueComment", "code": "custom", "field": "body"}
        error["message"] = f"body is too long (maximum is {COMMENT_LIMIT} characters)"
        return 422, {**error_body(422), "errors": [error]}, {}
    return None


Route = Callable[[FakeGitHub, dict[str, str], dict[str, str], object], Reply]
NAME = r"[A-Za-z0-9_.\-]+"
ROUTES: list[tuple[str, str, Route]] = [
    (
        "GET",
        rf"/repos/(?P<owner>{NAME})/(?P<repo>{NAME})/pulls/(?P<number>\d+)/reviews",
        FakeGitHub._reviews,
    ),
    (
        "GET",
        rf"/repos/(?P<owner>{NAME})/(?P<repo>{NAME})/issues/(?P<number>\d+)/comments",
        FakeGitHub._list_comments,
    ),
    (
        "POST",
        rf"/repos/(?P<owner>{NAME})/(?P<repo>{NAME})/issues/(?P<number>\d+)/comments",
        FakeGitHub._post_comment,
    ),
    (
        "PATCH",
        rf"/repos/(?P<owner>{NAME})/(?P<repo>{NAME})/issues/comments/(?P<id>\d+)",
        FakeGitHub._patch_comment,
    ),
    (
        "GET",
        r"/orgs/(?P<org>[^/]+)/teams/(?P<slug>[^/]+)/memberships/(?P<user>[^/]+)",
        FakeGitHub._membership,
    ),
]


class _Server(ThreadingHTTPServer):
    fake: FakeGitHub


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.server.fake
        parts = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(parts.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        body = self._body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        fake.record(Recorded(self.command, path, query, body, headers))
        if headers.get("authorization") != f"Bearer {fake.token}":
            self._reply(401, error_body(401), {})
            return
        self._reply(*fake.answer(self.command, path, query, body))

    def _body(self) -> object:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not raw:
            return None
        try:
            parsed: object = json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")
        return parsed

    def _reply(self, status: int, body: object, headers: dict[str, str]) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        cut = headers.pop(CUT, None)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.send_header("X-GitHub-Api-Version-Selected", "2022-11-28")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw if cut is None else raw[: int(cut)])
            if cut is not None:
                self.close_connection = True  # Content-Length promised more: a page cut short
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


def commands_acted_on(log: str) -> list[str]:
    """The workflow commands the Actions runner would act on in a step's log.

    Follows the runner: a line whose trimmed text starts with `::` is a command, except between
    `::stop-commands::<token>` and the line `::<token>::`, where nothing is.
    """
    acted: list[str] = []
    stopped: str | None = None
    for line in log.splitlines():
        text = line.strip()
        if stopped is not None:
            if text == f"::{stopped}::":
                stopped = None
            continue
        if text.startswith("::stop-commands::"):
            stopped = text.removeprefix("::stop-commands::")
        elif text.startswith("::"):
            acted.append(text)
    return acted
