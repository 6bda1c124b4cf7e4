"""llmward.github against a fake GitHub on 127.0.0.1 (tests/github_fake.py): no real network."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from github_fake import BOT, FakeGitHub
from llmward.evidence import Approval, EvidenceSource
from llmward.github import (
    COMMENT_LIMIT,
    MARKER,
    Client,
    GitHubError,
    GitHubReviews,
    Upserted,
    fit_comment,
    upsert_comment,
)

REPO, PR = "acme/prompts", 7
HEAD, OLD = "a" * 40, "b" * 40
REVIEWS = f"/repos/{REPO}/pulls/{PR}/reviews"
COMMENTS = f"/repos/{REPO}/issues/{PR}/comments"
NOW = 1_700_000_000.0


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib honours *_proxy variables: a proxy must not stand between the client and 127.0.0.1."""
    for name in (
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        server.add_pull(REPO, PR)
        yield server


@pytest.fixture
def delays() -> list[float]:
    return []


@pytest.fixture
def client(fake: FakeGitHub, delays: list[float]) -> Client:
    return Client(
        fake.url, fake.token, timeout=2.0, retries=3, sleep=delays.append, clock=lambda: NOW
    )


def reviews_of(client: Client, author: str = "carol") -> GitHubReviews:
    return GitHubReviews(client, REPO, PR, HEAD, author)


def raised(call: object) -> GitHubError:
    assert callable(call)
    with pytest.raises(GitHubError) as info:
        call()
    return info.value


# --- reviews ------------------------------------------------------------------------------------


def test_is_an_evidence_source(client: Client) -> None:
    source: EvidenceSource = reviews_of(client)
    assert source.name == "github-review"


def test_one_counting_approval_is_recorded_exactly(fake: FakeGitHub, client: Client) -> None:
    review = fake.add_review(REPO, PR, "bob", "APPROVED", HEAD)
    assert reviews_of(client).approvals() == [
        Approval(
            approver="bob",
            source="github-review",
            reference=str(review["id"]),
            commit=HEAD,
            time="2024-05-01T12:00:00Z",
            counts=True,
            reason="",
        )
    ]


def test_reads_every_page_of_250_reviews(fake: FakeGitHub, client: Client) -> None:
    for n in range(250):
        fake.add_review(REPO, PR, f"user{n:03}", "APPROVED", HEAD)
    found = reviews_of(client).approvals()
    assert [a.approver for a in found] == [f"user{n:03}" for n in range(250)]
    assert all(a.counts for a in found)
    pages = [(r.query.get("per_page"), r.query.get("page")) for r in fake.calls("GET", REVIEWS)]
    assert pages == [("100", None), ("100", "2"), ("100", "3")]


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        pytest.param(["APPROVED"], (True, "", -1), id="approved"),
        pytest.param(
            ["APPROVED", "CHANGES_REQUESTED"],
            (False, "requested changes after approving (review {last})", 0),
            id="approve-then-request-changes",
        ),
        pytest.param(["CHANGES_REQUESTED", "APPROVED"], (True, "", -1), id="request-then-approve"),
        pytest.param(["APPROVED", "COMMENTED"], (True, "", 0), id="comment-keeps-approval"),
        pytest.param(["APPROVED", "PENDING"], (True, "", 0), id="pending-keeps-approval"),
        pytest.param(
            ["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "APPROVED"],
            (True, "", -1),
            id="re-approve",
        ),
        pytest.param(
            ["APPROVED", "DISMISSED"],
            (False, "their latest review was dismissed (review {last})", 0),
            id="approve-then-dismissed",
        ),
        pytest.param(
            ["APPROVED", "SOMETHING_NEW"],
            (False, "a later review is SOMETHING_NEW (review {last})", 0),
            id="unknown-state-fails-closed",
        ),
        pytest.param(["DISMISSED"], None, id="dismissed-alone-no-record"),
        pytest.param(["CHANGES_REQUESTED"], None, id="changes-requested-no-record"),
        pytest.param(["COMMENTED", "PENDING"], None, id="comments-no-record"),
    ],
)
def test_latest_decisive_review_decides(
    fake: FakeGitHub,
    client: Client,
    states: list[str],
    expected: tuple[bool, str, int] | None,
) -> None:
    made = [fake.add_review(REPO, PR, "bob", state, HEAD) for state in states]
    found = reviews_of(client).approvals()
    if expected is None:
        assert found == []
        return
    counts, reason, index = expected
    assert [(a.counts, a.reason, a.reference) for a in found] == [
        (counts, reason.format(last=made[-1]["id"]), str(made[index]["id"]))
    ]


def test_order_is_by_submission_time_not_by_answer_order(fake: FakeGitHub, client: Client) -> None:
    fake.add_review(REPO, PR, "bob", "CHANGES_REQUESTED", HEAD, submitted_at="2024-05-02T00:00:00Z")
    fake.add_review(REPO, PR, "bob", "APPROVED", HEAD, submitted_at="2024-05-01T00:00:00Z")
    [approval] = reviews_of(client).approvals()
    assert not approval.counts
    assert approval.reason.startswith("requested changes after approving")


def test_one_reviewer_is_one_person_whatever_the_case(fake: FakeGitHub, client: Client) -> None:
    fake.add_review(REPO, PR, "Bob", "APPROVED", HEAD)
    fake.add_review(REPO, PR, "bob", "CHANGES_REQUESTED", HEAD)
    [approval] = reviews_of(client).approvals()
    assert (approval.approver, approval.counts) == ("Bob", False)


@pytest.mark.parametrize(
    ("login", "user_type", "commit", "reason"),
    [
        pytest.param(
            "bob", "User", OLD, "approved an older commit bbbbbbbbbbbb (stale)", id="stale"
        ),
        pytest.param(
            "bob", "User", None, "approved a commit that no longer exists (stale)", id="commit-gone"
        ),
        pytest.param(
            "CAROL", "User", HEAD, "the author cannot approve their own change", id="self-approval"
        ),
        pytest.param("helper[bot]", "Bot", HEAD, "approvals by bots do not count", id="bot"),
        pytest.param(
            "carol",
            "User",
            OLD,
            "the author cannot approve their own change; "
            "approved an older commit bbbbbbbbbbbb (stale)",
            id="every-reason-listed",
        ),
    ],
)
def test_approvals_that_do_not_count(
    fake: FakeGitHub, client: Client, login: str, user_type: str, commit: str | None, reason: str
) -> None:
    fake.add_review(REPO, PR, login, "APPROVED", commit, user_type=user_type)
    [approval] = reviews_of(client, author="carol").approvals()
    assert (approval.approver, approval.commit, approval.counts, approval.reason) == (
        login,
        commit,
        False,
        reason,
    )


@pytest.mark.parametrize(
    ("association", "counts"),
    [
        ("OWNER", True),
        ("MEMBER", True),
        ("COLLABORATOR", True),
        ("CONTRIBUTOR", False),
        ("FIRST_TIME_CONTRIBUTOR", False),
        ("NONE", False),
        ("MANNEQUIN", False),
    ],
)
def test_only_people_with_write_access_approve(
    fake: FakeGitHub, client: Client, association: str, counts: bool
) -> None:
    """Anyone can review a public pull request; only owners, members and collaborators approve."""
    fake.add_review(REPO, PR, "bob", "APPROVED", HEAD, association=association)
    [approval] = reviews_of(client).approvals()
    assert approval.counts is counts
    if not counts:
        assert approval.reason == (
            f"the reviewer is {association.lower()}, not an owner, member or collaborator"
        )


def test_deleted_users_approval_is_listed_but_never_counts(
    fake: FakeGitHub, client: Client
) -> None:
    fake.add_review(REPO, PR, None, "APPROVED", HEAD)
    fake.add_review(REPO, PR, None, "CHANGES_REQUESTED", HEAD)
    fake.add_review(REPO, PR, "bob", "APPROVED", HEAD)
    found = reviews_of(client).approvals()
    assert [(a.approver, a.counts, a.reason) for a in found] == [
        ("(deleted user)", False, "the reviewer's account was deleted"),
        ("bob", True, ""),
    ]


def test_records_are_sorted_by_approver(fake: FakeGitHub, client: Client) -> None:
    for login in ("zed", "Amy", "bob"):
        fake.add_review(REPO, PR, login, "APPROVED", HEAD)
    assert [a.approver for a in reviews_of(client).approvals()] == ["Amy", "bob", "zed"]


@pytest.mark.parametrize(
    ("repo", "head"),
    [
        pytest.param("acme", HEAD, id="repo-without-owner"),
        pytest.param("acme/prompts/../x", HEAD, id="repo-path"),
        pytest.param("acme/..", HEAD, id="repo-dot-dot"),
        pytest.param(REPO, "abc123", id="short-sha"),
    ],
)
def test_bad_arguments_are_refused(client: Client, repo: str, head: str) -> None:
    error = raised(lambda: GitHubReviews(client, repo, PR, head, "carol"))
    assert "form owner/name" in str(error) or "not a full SHA" in str(error)


# --- team membership ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        pytest.param("active", True, id="active"),
        pytest.param("pending", False, id="pending"),
        pytest.param(None, None, id="404-cannot-tell"),
    ],
)
def test_team_membership(
    fake: FakeGitHub, client: Client, state: str | None, expected: bool | None
) -> None:
    if state is not None:
        fake.set_membership("acme", "prompt-owners", "bob", state=state)
    assert reviews_of(client).is_member("bob", "acme/prompt-owners") is expected
    [call] = fake.requests
    assert (call.method, call.path) == ("GET", "/orgs/acme/teams/prompt-owners/memberships/bob")


def test_membership_is_asked_once_per_user_and_team(fake: FakeGitHub, client: Client) -> None:
    fake.set_membership("acme", "owners", "bob")
    source = reviews_of(client)
    assert [source.is_member(u, "@acme/owners") for u in ("bob", "BOB", "eve")] == [
        True,
        True,
        None,
    ]
    assert len(fake.requests) == 2


def test_membership_forbidden_is_cannot_tell(fake: FakeGitHub, client: Client) -> None:
    fake.fail("/orgs/acme/teams/owners/memberships/bob", 403)
    assert reviews_of(client).is_member("bob", "acme/owners") is None


@pytest.mark.parametrize("token", ["wrong-token"], ids=["401"])
def test_membership_with_a_rejected_token_raises(fake: FakeGitHub, token: str) -> None:
    client = Client(fake.url, token, sleep=lambda _: None)
    error = raised(lambda: reviews_of(client).is_member("bob", "acme/owners"))
    assert error.status == 401


def test_membership_rate_limit_raises_rather_than_cannot_tell(
    fake: FakeGitHub, client: Client
) -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 7200)}
    fake.fail("/orgs/acme/teams/owners/memberships/bob", 403, headers=headers)
    error = raised(lambda: reviews_of(client).is_member("bob", "acme/owners"))
    assert error.rate_limited


def test_team_must_name_org_and_slug(client: Client) -> None:
    assert "org/team-slug" in str(raised(lambda: reviews_of(client).is_member("bob", "owners")))


# --- sticky comment -----------------------------------------------------------------------------


def test_comment_is_created_once_then_edited(fake: FakeGitHub, client: Client) -> None:
    first = upsert_comment(client, REPO, PR, "report v1")
    second = upsert_comment(client, REPO, PR, "report v2")
    assert first == Upserted(first.id, True)
    assert second == Upserted(first.id, False)
    assert len(fake.calls("POST", COMMENTS)) == 1
    [patch] = fake.calls("PATCH", f"/repos/{REPO}/issues/comments/{first.id}")
    assert patch.body == {"body": f"{MARKER}\nreport v2"}
    [comment] = fake.comments[(REPO, PR)]
    assert comment["body"] == f"{MARKER}\nreport v2"


def test_marker_in_a_persons_comment_is_not_hijacked(fake: FakeGitHub, client: Client) -> None:
    human = fake.add_comment(REPO, PR, f"copied: {MARKER} ha")
    result = upsert_comment(client, REPO, PR, "report")
    assert result.created
    assert result.id != human["id"]
    assert human["body"] == f"copied: {MARKER} ha"
    assert fake.calls("PATCH", f"/repos/{REPO}/issues/comments/{human['id']}") == []


def test_bot_comment_without_marker_is_left_alone(fake: FakeGitHub, client: Client) -> None:
    fake.add_comment(REPO, PR, "another bot's note", user={"login": "other[bot]", "type": "Bot"})
    assert upsert_comment(client, REPO, PR, "report").created


def test_sticky_comment_is_found_on_a_later_page(fake: FakeGitHub, client: Client) -> None:
    for n in range(150):
        fake.add_comment(REPO, PR, f"chatter {n}")
    ours = fake.add_comment(REPO, PR, f"{MARKER}\nold", user=dict(BOT))
    assert upsert_comment(client, REPO, PR, "new") == Upserted(int(str(ours["id"])), False)
    assert len(fake.calls("GET", COMMENTS)) == 2


def test_long_body_is_cut_to_the_limit_with_a_note(fake: FakeGitHub, client: Client) -> None:
    body = "intro\n```\n" + "x" * 80_000 + "\n```\n" + MARKER
    upsert_comment(client, REPO, PR, body)
    [comment] = fake.comments[(REPO, PR)]
    text = str(comment["body"])
    assert len(text) <= COMMENT_LIMIT
    assert text.startswith(f"{MARKER}\nintro\n```\n")
    assert text.count("```") == 2
    assert "cut at GitHub's 65,536-character comment limit" in text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("hi", f"{MARKER}\nhi", id="marker-added"),
        pytest.param(f"hi\n{MARKER}", f"hi\n{MARKER}", id="marker-kept"),
        pytest.param("y" * (COMMENT_LIMIT - len(MARKER) - 1), None, id="exactly-the-limit"),
    ],
)
def test_fit_comment(body: str, expected: str | None) -> None:
    assert fit_comment(body) == (expected or f"{MARKER}\n{body}")


# --- faults -------------------------------------------------------------------------------------


def test_requests_carry_github_headers(fake: FakeGitHub, client: Client) -> None:
    reviews_of(client).approvals()
    [call] = fake.requests
    assert call.headers["authorization"] == f"Bearer {fake.token}"
    assert call.headers["accept"] == "application/vnd.github+json"
    assert call.headers["x-github-api-version"] == "2022-11-28"
    assert call.headers["user-agent"].startswith("llmward/")


def test_rejected_token(fake: FakeGitHub, delays: list[float]) -> None:
    client = Client(fake.url, "stolen", sleep=delays.append)
    error = raised(reviews_of(client).approvals)
    assert error.status == 401
    assert "(Bad credentials): the token was rejected: check the github-token input" in str(error)
    assert delays == []


@pytest.mark.parametrize(
    ("path", "status", "body", "message"),
    [
        pytest.param(
            REVIEWS, 403, None, "give the job `pull-requests: read`", id="403-reviews-permissions"
        ),
        pytest.param(
            f"/repos/{REPO}/pulls/99/reviews",
            None,
            None,
            "GitHub answered 404 (Not Found): pull request not found or the token cannot read it",
            id="404-unknown-pull-request",
        ),
        pytest.param(
            REVIEWS,
            422,
            {"message": "Validation Failed", "errors": [{"code": "invalid", "field": "x"}]},
            "answered 422 (Validation Failed: invalid): GitHub refused the request as invalid",
            id="422-api-message",
        ),
    ],
)
def test_client_errors_raise_with_advice(
    fake: FakeGitHub,
    client: Client,
    delays: list[float],
    path: str,
    status: int | None,
    body: object,
    message: str,
) -> None:
    if status is not None:
        fake.fail(path, status, body=body)
    number = int(path.split("/")[5])
    error = raised(GitHubReviews(client, REPO, number, HEAD, "carol").approvals)
    assert message in str(error)
    assert str(error).startswith(f"reading the reviews of {REPO}#{number}: ")
    assert delays == []
    assert len(fake.requests) == 1


def test_422_on_post_reports_githubs_words(fake: FakeGitHub, client: Client) -> None:
    error = {"message": "body is too long (maximum is 65536 characters)", "code": "custom"}
    fake.fail(
        COMMENTS, 422, body={"message": "Validation Failed", "errors": [error]}, method="POST"
    )
    assert "Validation Failed: body is too long" in str(
        raised(lambda: upsert_comment(client, REPO, PR, "x"))
    )


@pytest.mark.parametrize("status", [500, 502], ids=["500", "502"])
def test_server_errors_are_retried_with_backoff(
    fake: FakeGitHub, client: Client, delays: list[float], status: int
) -> None:
    fake.add_review(REPO, PR, "bob", "APPROVED", HEAD)
    fake.fail(REVIEWS, status, times=2)
    assert [a.approver for a in reviews_of(client).approvals()] == ["bob"]
    assert delays == [1.0, 2.0]
    assert len(fake.calls("GET", REVIEWS)) == 3


def test_server_errors_stop_after_the_retries(
    fake: FakeGitHub, client: Client, delays: list[float]
) -> None:
    fake.fail(REVIEWS, 502, times=None)
    error = raised(reviews_of(client).approvals)
    assert "GitHub answered 502 (Bad Gateway): try again later" in str(error)
    assert delays == [1.0, 2.0, 4.0]
    assert len(fake.calls("GET", REVIEWS)) == 4


def test_429_waits_as_long_as_retry_after_says(
    fake: FakeGitHub, client: Client, delays: list[float]
) -> None:
    fake.fail(REVIEWS, 429, headers={"Retry-After": "7"})
    reviews_of(client).approvals()
    assert delays == [7.0]


def test_retry_after_as_an_http_date(fake: FakeGitHub, client: Client, delays: list[float]) -> None:
    fake.fail(REVIEWS, 429, headers={"Retry-After": "Tue, 14 Nov 2023 22:13:32 GMT"})
    reviews_of(client).approvals()
    assert delays == [12.0]  # NOW is 22:13:20


def test_403_rate_limit_waits_until_the_reset(
    fake: FakeGitHub, client: Client, delays: list[float]
) -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 30)}
    fake.fail(REVIEWS, 403, headers=headers, body={"message": "API rate limit exceeded"})
    reviews_of(client).approvals()
    assert delays == [31.0]


def test_a_long_rate_limit_fails_now_instead_of_waiting(
    fake: FakeGitHub, client: Client, delays: list[float]
) -> None:
    fake.fail(REVIEWS, 429, headers={"Retry-After": "3600"})
    error = raised(reviews_of(client).approvals)
    assert (error.status, error.rate_limited, delays) == (429, True, [])
    assert "asks to wait 3600 s: run again later" in str(error)


def test_post_is_not_repeated_after_a_server_error(
    fake: FakeGitHub, client: Client, delays: list[float]
) -> None:
    fake.fail(COMMENTS, 502, method="POST")
    raised(lambda: upsert_comment(client, REPO, PR, "x"))
    assert (len(fake.calls("POST", COMMENTS)), delays) == (1, [])


def test_post_is_repeated_after_a_rate_limit(
    fake: FakeGitHub, client: Client, delays: list[float]
) -> None:
    fake.fail(COMMENTS, 429, method="POST", headers={"Retry-After": "2"})
    assert upsert_comment(client, REPO, PR, "x").created
    assert (len(fake.calls("POST", COMMENTS)), delays) == (2, [2.0])
    assert len(fake.comments[(REPO, PR)]) == 1


def test_patch_is_repeated_after_a_server_error(
    fake: FakeGitHub, client: Client, delays: list[float]
) -> None:
    ours = fake.add_comment(REPO, PR, MARKER, user=dict(BOT))
    fake.fail(f"/repos/{REPO}/issues/comments/{ours['id']}", 500)
    assert not upsert_comment(client, REPO, PR, "x").created
    assert delays == [1.0]


def test_timeouts_are_retried_then_raise(fake: FakeGitHub, delays: list[float]) -> None:
    client = Client(fake.url, fake.token, timeout=0.1, retries=2, sleep=delays.append)
    fake.fail(REVIEWS, 200, body=[], delay=5.0, times=None)
    error = raised(reviews_of(client).approvals)
    assert "did not answer in time" in str(error)
    assert (len(fake.calls("GET", REVIEWS)), delays) == (3, [1.0, 2.0])


def test_post_is_not_repeated_after_a_timeout(fake: FakeGitHub, delays: list[float]) -> None:
    client = Client(fake.url, fake.token, timeout=0.1, retries=2, sleep=delays.append)
    fake.fail(COMMENTS, 201, body={"id": 1}, delay=5.0, method="POST")
    raised(lambda: upsert_comment(client, REPO, PR, "x"))
    assert (len(fake.calls("POST", COMMENTS)), delays) == (1, [])


def test_refused_connections_are_retried_even_for_post(delays: list[float]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed when the block ends: nothing listens there
    client = Client(f"http://127.0.0.1:{port}", "t", retries=2, sleep=delays.append)
    error = raised(lambda: client.post("/x", {"body": "x"}))
    assert "could not reach 127.0.0.1" in str(error)
    assert delays == [1.0, 2.0]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", b'{"a": '],
    ids=["garbage", "not-utf8", "truncated"],
)
def test_malformed_json_raises(fake: FakeGitHub, client: Client, body: bytes) -> None:
    fake.fail(REVIEWS, 200, body=body)
    assert "GitHub's answer is not valid JSON" in str(raised(reviews_of(client).approvals))


def test_an_object_where_a_list_belongs_raises(fake: FakeGitHub, client: Client) -> None:
    fake.fail(REVIEWS, 200, body={"message": "?"})
    assert "answered with an object, not a list" in str(raised(reviews_of(client).approvals))


def test_an_empty_answer_where_a_list_belongs_raises(fake: FakeGitHub, client: Client) -> None:
    fake.fail(REVIEWS, 200, body=b"")
    assert "answered with nothing, not a list" in str(raised(reviews_of(client).approvals))


def test_a_review_without_an_id_raises(fake: FakeGitHub, client: Client) -> None:
    fake.fail(REVIEWS, 200, body=[{"state": "APPROVED", "commit_id": HEAD}])
    assert "a review has no id" in str(raised(reviews_of(client).approvals))


def test_an_error_page_that_is_not_json_still_explains(
    fake: FakeGitHub, client: Client, delays: list[float]
) -> None:
    fake.fail(REVIEWS, 502, body=b"<html>upstream down</html>", times=None)
    assert "GitHub answered 502 (Bad Gateway): try again later" in str(
        raised(reviews_of(client).approvals)
    )


def test_unreadable_retry_after_waits_a_minute(
    fake: FakeGitHub, client: Client, delays: list[float]
) -> None:
    fake.fail(REVIEWS, 429, headers={"Retry-After": "soon"})
    reviews_of(client).approvals()
    assert delays == [60.0]


def test_created_comment_without_an_id_raises(fake: FakeGitHub, client: Client) -> None:
    fake.fail(COMMENTS, 201, body={"body": "x"}, method="POST")
    assert "has no comment id" in str(raised(lambda: upsert_comment(client, REPO, PR, "x")))


def test_empty_marker_is_refused(client: Client) -> None:
    assert "marker must not be empty" in str(
        raised(lambda: upsert_comment(client, REPO, PR, "x", marker=" "))
    )


def test_pagination_cut_short_raises_never_a_partial_list(fake: FakeGitHub, client: Client) -> None:
    for n in range(250):
        fake.add_review(REPO, PR, f"user{n}", "APPROVED", HEAD)
    fake.fail(REVIEWS, 404, query={"page": "3"})
    assert "GitHub answered 404" in str(raised(reviews_of(client).approvals))


def test_next_link_to_another_host_is_refused(fake: FakeGitHub, client: Client) -> None:
    link = '<https://evil.example/repos/acme/prompts/pulls/7/reviews?page=2>; rel="next"'
    fake.fail(REVIEWS, 200, body=[], headers={"Link": link})
    error = raised(reviews_of(client).approvals)
    assert "refusing to follow the next-page link 'https://evil.example/" in str(error)


def test_next_link_loop_is_refused(fake: FakeGitHub, client: Client) -> None:
    link = f'<{fake.url}{REVIEWS}?per_page=100>; rel="next"'
    fake.fail(REVIEWS, 200, body=[], headers={"Link": link}, times=None)
    assert "refusing to follow" in str(raised(reviews_of(client).approvals))
    assert len(fake.requests) == 1


def test_pages_are_bounded(fake: FakeGitHub) -> None:
    for n in range(250):
        fake.add_review(REPO, PR, f"user{n}", "APPROVED", HEAD)
    client = Client(fake.url, fake.token, max_pages=2)
    assert "more than 2 pages of 100" in str(raised(reviews_of(client).approvals))


def test_redirect_to_another_host_is_not_followed(fake: FakeGitHub, client: Client) -> None:
    fake.fail(REVIEWS, 302, headers={"Location": "https://evil.example/steal"})
    error = raised(reviews_of(client).approvals)
    assert "redirected to https://evil.example/steal; llmward does not follow it" in str(error)
    assert len(fake.requests) == 1


def test_redirect_on_the_same_host_is_followed_with_the_token(
    fake: FakeGitHub, client: Client
) -> None:
    fake.add_pull("acme/renamed", PR)
    fake.fail(REVIEWS, 301, headers={"Location": f"{fake.url}/repos/acme/renamed/pulls/7/reviews"})
    assert reviews_of(client).approvals() == []
    assert fake.requests[-1].headers["authorization"] == f"Bearer {fake.token}"


@pytest.mark.parametrize(
    ("url", "token", "message"),
    [
        pytest.param("http://api.example.com", "t", "use an https:// API URL", id="plain-http"),
        pytest.param("https://api.github.com", " ", "no GitHub token", id="no-token"),
        pytest.param("https://api.github.com", "ab\ncd", "control characters", id="bad-token"),
    ],
)
def test_client_refuses_unsafe_setup(url: str, token: str, message: str) -> None:
    assert message in str(raised(lambda: Client(url, token)))


def test_absolute_urls_must_stay_on_the_api_host(client: Client) -> None:
    assert "refusing to send the token" in str(raised(lambda: client.get("https://evil.example/")))
