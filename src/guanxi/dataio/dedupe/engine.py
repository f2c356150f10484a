"""The duplicate finder: keys, blocks, pair scores and clusters, with no database in sight.

Comparing every record with every other is out of reach at a million rows (5·10¹¹ pairs), so
records are first put into *blocks* that share a key — the same phone, the same email, the
same name and company, the same name initials and company — and only pairs inside a block
are scored. A key shared by more than ``max_block`` records (an office switchboard, a
placeholder email) says nothing about any one pair and is skipped.

Blocking runs on 64-bit hashes of the keys in NumPy arrays (sorted, then cut into runs), so
memory stays at a few bytes per key instead of a dictionary of lists. Scores are points of
evidence (a shared phone counts for, a different name against) turned into a confidence
from 0 to 100; pairs at or above the threshold are joined into clusters (union–find).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from guanxi.core.matching import (
    company_key,
    email_key,
    name_initials,
    name_key,
    name_similarity,
    phone_key,
    similarity,
)

DEFAULT_THRESHOLD = 80
DEFAULT_MAX_BLOCK = 50
MAX_CLUSTER = 50  # a chain longer than this is joined by weak links, not one customer

# Points of evidence; the confidence is a logistic function of their sum.
PRIOR = -4.0
PHONE_SAME, PHONE_DIFFERENT = 5.0, -2.0
EMAIL_SAME, EMAIL_DIFFERENT = 5.0, -2.0
NAME_SAME, NAME_CLOSE, NAME_DIFFERENT = 3.5, 2.5, -6.0
COMPANY_SAME, COMPANY_DIFFERENT = 2.0, -1.5
ACCOUNT_NAME_SAME, ACCOUNT_NAME_CLOSE = 4.5, 2.5


@dataclass(frozen=True, slots=True)
class Row:
    """What the finder reads of one record. ``name`` is a person's name (empty for an
    account), ``company`` the company's (an account's own name, a contact's account)."""

    id: int
    name: str = ""
    company: str = ""
    phones: tuple[str, ...] = ()
    email: str = ""


@dataclass(slots=True)
class Prepared:
    """Rows reduced to their keys, column by column (index = position in the input)."""

    ids: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    phones: list[tuple[str, ...]] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    block_hashes: list[int] = field(default_factory=list)
    block_rows: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Cluster:
    members: list[int]  # record ids, lowest first
    pairs: list[tuple[int, int, int]]  # (id, id, confidence) of the links found
    confidence: int  # the mean of its links: how sure the cluster as a whole is


def prepare(rows: Iterable[Row], *, people: bool = True, into: Prepared | None = None) -> Prepared:
    """Keys of every row, and its block keys as hashes. ``people``: rows are persons
    (contacts, leads) rather than companies (accounts)."""
    out = into or Prepared()
    company_keys: dict[str, str] = {}  # many contacts share their account's name
    for row in rows:
        position = len(out.ids)
        nkey = name_key(row.name) if people else ""
        ckey = company_keys.get(row.company)
        if ckey is None:
            ckey = company_keys[row.company] = company_key(row.company) if row.company else ""
        phones = tuple(sorted({k for k in map(phone_key, row.phones) if k}))
        email = email_key(row.email)
        out.ids.append(row.id)
        out.names.append(nkey)
        out.companies.append(ckey)
        out.phones.append(phones)
        out.emails.append(email)
        keys = [f"p:{p}" for p in phones]
        if email:
            keys.append(f"e:{email}")
        if people and ckey:
            if nkey:
                keys.append(f"n:{nkey}|{ckey}")
            initials = name_initials(row.name)
            if initials:
                keys.append(f"i:{initials}|{ckey}")
        elif ckey:
            keys.append(f"c:{ckey}")
        for key in keys:
            out.block_hashes.append(hash(key))
            out.block_rows.append(position)
    return out


def candidate_pairs(prepared: Prepared, *, max_block: int = DEFAULT_MAX_BLOCK) -> np.ndarray:
    """Distinct ``(i, j)`` positions (i < j) sharing at least one block, as an (n, 2) array."""
    hashes = np.asarray(prepared.block_hashes, dtype=np.int64)
    rows = np.asarray(prepared.block_rows, dtype=np.int64)
    if len(hashes) == 0:
        return np.empty((0, 2), dtype=np.int64)
    order = np.argsort(hashes, kind="stable")
    hashes, rows = hashes[order], rows[order]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    sizes = np.diff(np.r_[starts, len(hashes)])
    chunks = []
    for size in range(2, max_block + 1):
        at = starts[sizes == size]
        if len(at) == 0:
            continue
        members = rows[at[:, None] + np.arange(size)]  # one row per block
        left, right = np.triu_indices(size, 1)
        a, b = members[:, left].ravel(), members[:, right].ravel()
        chunks.append(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1))
    if not chunks:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(chunks)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]  # one record with two keys in one block
    return np.unique(pairs, axis=0)


def points(
    name_a: str,
    name_b: str,
    company_a: str,
    company_b: str,
    phones_a: Sequence[str],
    phones_b: Sequence[str],
    email_a: str,
    email_b: str,
    *,
    people: bool = True,
) -> float:
    """The evidence that two records are one, in points (see the weights above)."""
    total = PRIOR
    if phones_a and phones_b:
        total += PHONE_SAME if set(phones_a) & set(phones_b) else PHONE_DIFFERENT
    if email_a and email_b:
        total += EMAIL_SAME if email_a == email_b else EMAIL_DIFFERENT
    if people:
        if name_a and name_b:
            score = 100 if name_a == name_b else name_similarity(name_a, name_b)
            if score >= 95:
                total += NAME_SAME
            elif score >= 85:
                total += NAME_CLOSE
            elif score < 75:
                total += NAME_DIFFERENT
        if company_a and company_b:
            score = 100 if company_a == company_b else similarity(company_a, company_b)
            total += COMPANY_SAME if score >= 90 else COMPANY_DIFFERENT
    elif company_a and company_b:
        score = 100 if company_a == company_b else similarity(company_a, company_b)
        if score >= 95:
            total += ACCOUNT_NAME_SAME
        elif score >= 85:
            total += ACCOUNT_NAME_CLOSE
        else:
            total += NAME_DIFFERENT
    return total


def confidence(total: float) -> int:
    """Points → 0–100."""
    return round(100 / (1 + math.exp(-total)))


def score_pairs(
    prepared: Prepared, pairs: np.ndarray, *, people: bool = True, threshold: int = 0
) -> list[tuple[int, int, int]]:
    """``(i, j, confidence)`` of the candidate pairs at or above ``threshold``."""
    names, companies = prepared.names, prepared.companies
    phones, emails = prepared.phones, prepared.emails
    found = []
    for i, j in pairs.tolist():
        value = confidence(
            points(
                names[i],
                names[j],
                companies[i],
                companies[j],
                phones[i],
                phones[j],
                emails[i],
                emails[j],
                people=people,
            )
        )
        if value >= threshold:
            found.append((i, j, value))
    return found


def clusters(ids: Sequence[int], links: Iterable[tuple[int, int, int]]) -> list[Cluster]:
    """Join linked positions into clusters (union–find), most confident first."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    links = sorted(links, key=lambda link: -link[2])  # strongest links first
    size: dict[int, int] = {}
    kept: list[tuple[int, int, int]] = []
    for i, j, value in links:
        a, b = root(i), root(j)
        if a != b:
            if size.get(a, 1) + size.get(b, 1) > MAX_CLUSTER:
                continue
            parent[b] = a
            size[a] = size.get(a, 1) + size.pop(b, 1)
        kept.append((i, j, value))
    groups: dict[int, Cluster] = {}
    for i, j, value in kept:
        group = groups.setdefault(root(i), Cluster(members=[], pairs=[], confidence=0))
        group.pairs.append((ids[i], ids[j], value))
    result = []
    for group in groups.values():
        group.members = sorted({m for a, b, _v in group.pairs for m in (a, b)})
        group.pairs.sort()
        group.confidence = round(sum(v for _a, _b, v in group.pairs) / len(group.pairs))
        result.append(group)
    result.sort(key=lambda c: (-c.confidence, c.members[0]))
    return result


def find(
    rows: Iterable[Row],
    *,
    people: bool = True,
    threshold: int = DEFAULT_THRESHOLD,
    max_block: int = DEFAULT_MAX_BLOCK,
) -> list[Cluster]:
    """Clusters of duplicate rows at or above ``threshold`` (0–100)."""
    prepared = prepare(rows, people=people)
    pairs = candidate_pairs(prepared, max_block=max_block)
    links = score_pairs(prepared, pairs, people=people, threshold=threshold)
    return clusters(prepared.ids, links)
