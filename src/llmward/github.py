"""GitHub's REST API: pull-request reviews as approval evidence, team membership, the PR comment.

Standard library only. Every failure raises GitHubError saying what to do; a list is never returned
empty or partial because a request failed, so approvals fail closed. Retries are limited to what is
safe to repeat: GET and PATCH (idempotent) on server errors, timeouts and dropped connections; every
method when GitHub refused the request unrun (rate limits, a refused connection). A POST that may
have reached GitHub is never repeated, so a report comment is never posted twice.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from http.client import HTTPException, HTTPMessage
from typing import IO, NamedTuple

from llmward import __version__
from llmward.evidence import Approval, EvidenceError

API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 100  # 10,000 items: more than any pull request's reviews or comments
MAX_WAIT = 60.0  # seconds: a longer wait than this fails now rather than burning CI minutes
MAX_BYTES = 32 * 2**20  # one response
COMMENT_LIMIT = 65_536  # characters; GitHub answers 422 above it
MARKER = "<!-- llmward:report -->"
IDEMPOTENT = frozenset({"GET", "PATCH"})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
HINT_BY_STATUS = {
    401: "the token was rejected: check the github-token input (expired, revoked, or another host)",
    403: "the token lacks a permission this needs: check the job's `permissions:` block",
    404: "not found, or the token cannot see it (GitHub answers 404 for both)",
    422: "GitHub refused the request as invalid",
}


Hints = Mapping[int, str] | None  # per-call advice by HTTP status, over HINT_BY_STATUS


class GitHubError(EvidenceError):
    """A GitHub API call failed; the message says what to do. `status`: the HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None, *, rate_limited: bool = False):
        super().__init__(message)
        self.status, self.rate_limited = status, rate_limited


class _Retry(Exception):
    """This attempt failed in a way safe to repeat, after `wait` seconds (None: back off)."""

    def __init__(self, error: GitHubError, wait: float | None = None) -> None:
        super().__init__(str(error))
        self.error, self.wait = error, wait


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # names lower-cased
    data: object  # parsed JSON: callers check its shape


def _origin(url: str) -> tuple[str, str]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.netloc.lower()


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only for GET and only on the same host: the token must not travel."""

    def redirect_request(  # noqa: PLR0917 (urllib's signature)
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if req.get_method() != "GET" or _origin(newurl) != _origin(req.full_url):
            return None  # urllib then raises the 3xx as an HTTPError
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Client:
    """JSON over HTTPS to one GitHub API host, with bounded pagination and safe retries."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        max_pages: int = MAX_PAGES,
    ) -> None:
        parts = urllib.parse.urlsplit(api_url)
        if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
            raise GitHubError(f"refusing to send the token to {api_url!r}: use an https:// API URL")
        if not token.strip():
            raise GitHubError("no GitHub token: set the github-token input (or GITHUB_TOKEN)")
        if not token.strip().isprintable() or " " in token.strip():
            raise GitHubError("the GitHub token contains spaces or control characters: check it")
        self.api_url, self.timeout, self.retries = api_url.rstrip("/"), timeout, retries
        self.sleep, self.clock, self.max_pages = sleep, clock, max_pages
        self._token = token.strip()
        self._opener = urllib.request.build_opener(_SameOriginRedirects())

    def get(self, path: str, *, what: str = "", hints: Hints = None) -> object:
        return self.request("GET", path, what=what, hints=hints).data

    def post(self, path: str, body: object, *, what: str = "", hints: Hints = None) -> object:
        return self.request("POST", path, body, what=what, hints=hints).data

    def patch(self, path: str, body: object, *, what: str = "", hints: Hints = None) -> object:
        return self.request("PATCH", path, body, what=what, hints=hints).data

    def get_all(self, path: str, *, what: str = "", hints: Hints = None) -> list[object]:
        return [item for page in self.pages(path, what=what, hints=hints) for item in page]

    def pages(self, path: str, *, what: str = "", hints: Hints = None) -> Iterator[list[object]]:
        """Each page of a list endpoint, following `Link: rel="next"`; raises, never stops short."""
        what = what or f"GET {path}"
        url, seen = self._url(path, {"per_page": str(PER_PAGE)}), set()
        for _ in range(self.max_pages):
            seen.add(url)
            response = self.request("GET", url, what=what, hints=hints)
            if not isinstance(response.data, list):
                raise GitHubError(
                    f"{what}: GitHub answered with {_kind(response.data)}, not a list"
                )
            yield response.data
            next_url = _next_link(response.headers.get("link", ""))
            if next_url is None:
                return
            if _origin(next_url) != _origin(self.api_url) or next_url in seen:
                raise GitHubError(f"{what}: refusing to follow the next-page link {next_url!r}")
            url = next_url
        raise GitHubError(
            f"{what}: more than {self.max_pages} pages of {PER_PAGE}: refusing a partial list"
        )

    def request(
        self, method: str, path: str, body: object = None, *, what: str = "", hints: Hints = None
    ) -> Response:
        """One call, retried where safe; raises GitHubError once it cannot succeed."""
        what = what or f"{method} {path}"
        url = path if path.startswith(("http://", "https://")) else self._url(path)
        if _origin(url) != _origin(self.api_url):  # the token goes to the configured host only
            raise GitHubError(f"{what}: refusing to send the token to {url!r}")
        for attempt in range(self.retries):
            try:
                return self._attempt(method, url, body, what, hints or {})
            except _Retry as retry:
                self.sleep(retry.wait if retry.wait is not None else min(2.0**attempt, MAX_WAIT))
        try:
            return self._attempt(method, url, body, what, hints or {})
        except _Retry as retry:
            raise retry.error from None

    def _url(self, path: str, query: Mapping[str, str] | None = None) -> str:
        return self.api_url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")

    def _attempt(
        self, method: str, url: str, body: object, what: str, hints: Mapping[int, str]
    ) -> Response:
        data = None if body is None else json.dumps(body).encode()
        sent = self._headers() | ({"Content-Type": "application/json"} if data else {})
        request = urllib.request.Request(url, data=data, method=method, headers=sent)
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw, status = response.read(MAX_BYTES + 1), response.status
                headers = {k.lower(): v for k, v in response.headers.items()}
                missing = response.length  # Content-Length bytes not received (None: unknown)
        except urllib.error.HTTPError as err:
            with err:
                raise self._refused(method, err, what, hints) from None
        except (OSError, HTTPException) as err:
            raise _network_error(method, err, what, urllib.parse.urlsplit(url).netloc) from err
        if len(raw) > MAX_BYTES:
            raise GitHubError(f"{what}: the response is larger than {MAX_BYTES} bytes")
        if missing:  # read(n) returns what came before the connection dropped, without raising
            raise _cut_short(method, what, len(raw), missing)
        return Response(status, headers, _json(raw, what))

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": f"llmward/{__version__}",
        }

    def _refused(
        self, method: str, err: urllib.error.HTTPError, what: str, hints: Mapping[int, str]
    ) -> Exception:
        """The GitHubError for an HTTP error status, wrapped in _Retry when repeating is safe."""
        status, headers = err.code, {k.lower(): v for k, v in err.headers.items()}
        message = _api_message(err)
        if status == 429 or (status == 403 and _rate_limit_headers(headers)):
            return self._rate_limited(status, headers, message, what)
        if status >= 500:
            error = GitHubError(
                f"{what}: GitHub answered {status} {message}: try again later", status
            )
            return _Retry(error) if method in IDEMPOTENT else error
        hint = hints.get(status) or HINT_BY_STATUS.get(status, "unexpected answer from GitHub")
        if 300 <= status < 400:
            hint = f"redirected to {headers.get('location', '?')}; llmward does not follow it"
        return GitHubError(f"{what}: GitHub answered {status} {message}: {hint}", status)

    def _rate_limited(
        self, status: int, headers: Mapping[str, str], message: str, what: str
    ) -> Exception:
        # GitHub's rules: Retry-After if given; else the reset time if none remain; else a minute
        wait = _seconds(headers.get("retry-after"), self.clock())
        if wait is None and headers.get("x-ratelimit-remaining") == "0":
            reset = _number(headers.get("x-ratelimit-reset"))
            wait = None if reset is None else max(0.0, reset - self.clock()) + 1.0
        wait = MAX_WAIT if wait is None else wait
        error = GitHubError(
            f"{what}: GitHub's rate limit was hit ({status} {message}); it asks to wait "
            f"{wait:.0f} s: run again later, or use a token with a higher limit",
            status,
            rate_limited=True,
        )
        return error if wait > MAX_WAIT else _Retry(error, wait)  # refused unrun: any method


def _rate_limit_headers(headers: Mapping[str, str]) -> bool:
    return headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers


def _number(text: str | None) -> float | None:
    try:
        return None if text is None else float(text)
    except ValueError:
        return None


def _seconds(retry_after: str | None, now: float) -> float | None:
    """Retry-After is delta-seconds or an HTTP date."""
    if retry_after is None:
        return None
    seconds = _number(retry_after)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        return max(0.0, email.utils.parsedate_to_datetime(retry_after).timestamp() - now)
    except (TypeError, ValueError):
        return None


def _network_error(method: str, err: BaseException, what: str, host: str) -> Exception:
    reason = err.reason if isinstance(err, urllib.error.URLError) else err
    if isinstance(reason, TimeoutError):
        error = GitHubError(f"{what}: {host} did not answer in time")
    else:
        error = GitHubError(f"{what}: could not reach {host}: {reason}")
    refused_unsent = isinstance(reason, ConnectionRefusedError)  # nothing reached the server
    return _Retry(error) if method in IDEMPOTENT or refused_unsent else error


def _cut_short(method: str, what: str, received: int, missing: int) -> Exception:
    error = GitHubError(
        f"{what}: GitHub's answer was cut short ({received} of {received + missing} bytes): "
        "try again later"
    )
    return _Retry(error) if method in IDEMPOTENT else error  # a POST may have taken effect


def _api_message(err: urllib.error.HTTPError) -> str:
    """GitHub's own words from an error body (`message`, and each `errors[].message`)."""
    try:
        data = json.loads(err.read(MAX_BYTES))
    except (OSError, HTTPException, ValueError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return f"({err.reason})"
    errors = data.get("errors")
    details = [
        str(e.get("message") or e.get("code")) if isinstance(e, dict) else str(e)
        for e in (errors if isinstance(errors, list) else [])
    ]
    return f"({data['message']}{': ' if details else ''}{'; '.join(details)})"


def _json(raw: bytes, what: str) -> object:
    if not raw.strip():
        return None
    try:
        data: object = json.loads(raw)
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
        raise GitHubError(f"{what}: GitHub's answer is not valid JSON ({err})") from None
    return data


def _next_link(header: str) -> str | None:
    for url, rels in re.findall(r'<([^>]*)>\s*;\s*rel="([^"]*)"', header):
        if "next" in rels.split():
            return str(url)
    return None


def _kind(data: object) -> str:
    return {dict: "an object", type(None): "nothing"}.get(type(data), type(data).__name__)


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


def _checked_repo(repo: str) -> str:
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo) or {".", ".."} & set(repo.split("/")):
        raise GitHubError(f"repository {repo!r} is not in the form owner/name")
    return repo


@dataclass(frozen=True)
class _Review:
    id: int
    login: str | None  # None: the account was deleted
    bot: bool
    state: str
    commit: str | None  # None: the commit was garbage-collected
    time: str | None
    association: str  # author_association: OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE, ...


def _review(item: object, what: str) -> _Review:
    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        raise GitHubError(f"{what}: a review has no id: {str(item)[:200]}")
    user = item.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    commit, when, state = item.get("commit_id"), item.get("submitted_at"), item.get("state")
    return _Review(
        id=item["id"],
        login=login if isinstance(login, str) else None,
        bot=isinstance(user, dict) and user.get("type") == "Bot",
        state=str(state).upper(),
        commit=commit if isinstance(commit, str) else None,
        time=when if isinstance(when, str) else None,
        association=str(item.get("author_association") or "NONE").upper(),
    )


NOT_DECISIVE = frozenset({"COMMENTED", "PENDING"})  # any other state, even unknown, decides
REASON_BY_LATER_STATE = {
    "CHANGES_REQUESTED": "requested changes after approving",
    "DISMISSED": "their latest review was dismissed",
}
DELETED = "(deleted user)"  # parentheses cannot occur in a GitHub login
# author_association values of people who can push to the repository (or own it). Reviews by anyone
# else (CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR, NONE, ...) can be left on any public pull request.
TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})


class GitHubReviews:
    """Pull-request reviews as approval evidence (an EvidenceSource).

    Each reviewer's latest decisive review (APPROVED, CHANGES_REQUESTED, DISMISSED) decides. One
    record per reviewer who approved at some point: it counts only if their latest decisive review
    is that approval, on the head commit, by an owner, member or collaborator of the repository who
    is not the author and not a bot. Reviewers who never approved give no record; neither does a
    lone DISMISSED review, which may have been a change request.
    """

    name = "github-review"

    def __init__(self, client: Client, repo: str, number: int, head_sha: str, author: str) -> None:
        if not re.fullmatch(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}", head_sha):
            raise GitHubError(f"head commit {head_sha!r} is not a full SHA")
        self.client, self.repo, self.number = client, _checked_repo(repo), number
        self.head_sha, self.author = head_sha.lower(), author
        self._members: dict[tuple[str, str], bool | None] = {}

    def approvals(self) -> list[Approval]:
        what = f"reading the reviews of {self.repo}#{self.number}"
        hints = {
            404: "pull request not found or the token cannot read it (needs pull-requests: read)",
            403: "the token cannot read pull requests: give the job `pull-requests: read`",
        }
        items = self.client.get_all(
            f"/repos/{self.repo}/pulls/{self.number}/reviews", what=what, hints=hints
        )
        reviews = sorted((_review(i, what) for i in items), key=lambda r: (r.time or "", r.id))
        by_reviewer: dict[str, list[_Review]] = {}
        deleted: list[Approval] = []
        for review in reviews:
            if review.login is not None and review.state not in NOT_DECISIVE:
                by_reviewer.setdefault(review.login.lower(), []).append(review)
            elif review.login is None and review.state == "APPROVED":  # no one to group by
                deleted.append(self._record(review, ["the reviewer's account was deleted"]))
        found = [a for h in by_reviewer.values() if (a := self._judge(h)) is not None] + deleted
        return sorted(found, key=lambda a: (a.approver.lower(), a.reference))

    def _judge(self, history: list[_Review]) -> Approval | None:
        """One reviewer's decisive reviews, oldest first -> the record of their approval, if any."""
        approvals = [r for r in history if r.state == "APPROVED"]
        if not approvals:
            return None
        latest = history[-1]
        if latest.state != "APPROVED":
            later = REASON_BY_LATER_STATE.get(latest.state, f"a later review is {latest.state}")
            return self._record(approvals[-1], [f"{later} (review {latest.id})"])
        return self._record(latest, self._objections(latest))

    def _objections(self, review: _Review) -> list[str]:
        reasons = []
        if review.bot:
            reasons.append("approvals by bots do not count")
        if (review.login or "").lower() == self.author.lower():
            reasons.append("the author cannot approve their own change")
        if review.association not in TRUSTED_ASSOCIATIONS:
            who = review.association.lower()
            reasons.append(f"the reviewer is {who}, not an owner, member or collaborator")
        if review.commit is None:
            reasons.append("approved a commit that no longer exists (stale)")
        elif review.commit.lower() != self.head_sha:
            reasons.append(f"approved an older commit {review.commit[:12]} (stale)")
        return reasons

    def _record(self, review: _Review, reasons: list[str]) -> Approval:
        return Approval(
            approver=review.login or DELETED,
            source=self.name,
            reference=str(review.id),
            commit=review.commit,
            time=review.time,
            counts=not reasons,
            reason="; ".join(reasons),
        )

    def is_member(self, user: str, team: str) -> bool | None:
        """True for an active member of `org/team-slug` (child teams included), False if pending.

        None when the token cannot tell: GitHub answers 404 both for "not a member" and "cannot
        see", and GITHUB_TOKEN always gets 404 or 403 here, so the caller falls back to its teams
        file. Any other failure raises.
        """
        key = (user.lower(), team.lower())
        if key not in self._members:
            self._members[key] = team_membership(self.client, user, team)
        return self._members[key]


def team_membership(client: Client, user: str, team: str) -> bool | None:
    org, _, slug = team.lstrip("@").partition("/")
    if not org or not slug or "/" in slug:
        raise GitHubError(f"team {team!r} is not in the form org/team-slug")
    path = f"/orgs/{_quote(org)}/teams/{_quote(slug)}/memberships/{_quote(user)}"
    try:
        data = client.get(path, what=f"reading whether {user} is in {org}/{slug}")
    except GitHubError as err:
        if err.status in (403, 404) and not err.rate_limited:
            return None  # the token cannot tell: no members scope, SSO, or not visible
        raise
    return isinstance(data, dict) and data.get("state") == "active"


class Upserted(NamedTuple):
    id: int
    created: bool  # False: an earlier report comment was edited


def upsert_comment(
    client: Client, repo: str, number: int, body: str, marker: str = MARKER
) -> Upserted:
    """Edit the bot's comment carrying `marker` on the pull request, or post one if none."""
    if not marker.strip():
        raise GitHubError("the sticky-comment marker must not be empty")
    repo, text = _checked_repo(repo), fit_comment(body, marker)
    existing = _sticky_comment(client, repo, number, marker)
    if existing is None:
        what = f"commenting on {repo}#{number}"
        hints = {403: "the token cannot comment: give the job `pull-requests: write`"}
        path = f"/repos/{repo}/issues/{number}/comments"
        data = client.post(path, {"body": text}, what=what, hints=hints)
        return Upserted(_comment_id(data, what), True)
    what = f"updating comment {existing} on {repo}#{number}"
    data = client.patch(f"/repos/{repo}/issues/comments/{existing}", {"body": text}, what=what)
    return Upserted(_comment_id(data, what), False)


def _comment_id(data: object, what: str) -> int:
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        raise GitHubError(f"{what}: GitHub's answer has no comment id")
    return int(data["id"])


def _sticky_comment(client: Client, repo: str, number: int, marker: str) -> int | None:
    """The first comment by a bot that carries the marker: a person pasting it cannot hijack it."""
    what = f"reading the comments on {repo}#{number}"
    for page in client.pages(f"/repos/{repo}/issues/{number}/comments", what=what):
        for item in page:
            if (found := _sticky_id(item, marker)) is not None:
                return found
    return None


def _sticky_id(item: object, marker: str) -> int | None:
    if not isinstance(item, dict) or not isinstance(item.get("id"), int):
        return None
    user = item.get("user")
    by_bot = isinstance(user, dict) and (
        user.get("type") == "Bot" or user.get("login") == "github-actions[bot]"
    )
    return int(item["id"]) if by_bot and marker in str(item.get("body") or "") else None


def fit_comment(body: str, marker: str = MARKER) -> str:
    """The body with the marker, cut to GitHub's limit with a visible note (code fence closed)."""
    text = body if marker in body else f"{marker}\n{body}"
    if len(text) <= COMMENT_LIMIT:
        return text
    note = (
        f"\n\n**This report was cut at GitHub's {COMMENT_LIMIT:,}-character comment limit "
        f"({len(text):,} characters): see the job summary for the rest.**\n"
    )
    head = text[: COMMENT_LIMIT - len(note) - len(marker) - 5]
    head = head if marker in head else f"{marker}\n{head}"
    fence = "\n```" if head.count("```") % 2 else ""
    return head + fence + note
