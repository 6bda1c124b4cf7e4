"""Evidence that a change was approved: one record per approval, from any source.

Sources (GitHub pull-request reviews, signed git-native approvals in git notes) turn what they
read into `Approval` records and say, for each, whether it counts and why not. The approval policy
(approve.py) only ever sees these records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

SIGNED_SOURCE = "signed-note"  # signed approvals: the reference ends with the key's fingerprint


@dataclass(frozen=True)
class Approval:
    approver: str  # a GitHub login, or the principal an SSH signature verified as
    source: str  # "github-review" | SIGNED_SOURCE
    reference: str  # the review id, or the note's digest and the signing key's fingerprint
    commit: str | None  # the commit the approval was given on
    time: str | None  # ISO 8601, as the source recorded it
    counts: bool  # False: it is listed as evidence, but does not satisfy any requirement
    reason: str = ""  # why it does not count (stale, self-approval, bad signature, ...)


class EvidenceError(Exception):
    """A source could not be read (network, permissions, a corrupt notes ref): fail closed."""


class EvidenceSource(Protocol):
    name: str

    def approvals(self) -> list[Approval]:
        """Every approval found, counting or not. Raises EvidenceError if it cannot tell."""
        ...

    def is_member(self, user: str, team: str) -> bool | None:
        """Is `user` an active member of `org/team`? None when this source cannot tell."""
        ...
