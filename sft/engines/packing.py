"""Packing a batch of rows into one sequence, with the prefix they share computed once.

Every training row starts with the same system prompt (about 90 of ~155 tokens), and rows differ in length. A
padded batch computes that prefix once per row and pads every row to the longest. A pack instead lays the rows
out as one sequence ``[shared prefix | rest of row 1 | rest of row 2 | ...]`` with

- an attention mask in which each row's tokens see the shared prefix and, causally, their own tokens only;
- position ids that restart after the prefix for each row (``P, P+1, ...``), as in an unpacked run.

Each row therefore computes exactly what it would compute alone (same keys, values and positions), so losses,
logprobs and gradients equal those of a plain per-row forward pass, while the prefix is computed once and no
position is padding. Gradients through the prefix's keys and values add up over the rows, as they should.

The mask is dense (``T x T``), so attention cost grows with the square of the pack's length; rows are split into
several packs (each with its own copy of the prefix) when a pack would exceed ``max_tokens``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


def shared_prefix_length(rows: Sequence[Sequence[int]]) -> int:
    """Length of the longest token prefix common to all ``rows``, leaving every row at least one token of its own."""
    if not rows:
        return 0
    limit = min(len(r) for r in rows) - 1
    first = rows[0]
    n = 0
    while n < limit and all(r[n] == first[n] for r in rows):
        n += 1
    return max(n, 0)


def plan_packs(lengths: Sequence[int], prefix: int, max_tokens: int) -> list[list[int]]:
    """Row indices grouped into packs of at most ``max_tokens`` tokens (prefix included); a row longer than
    that gets a pack of its own. Rows keep their order."""
    packs: list[list[int]] = []
    size = 0
    for i, n in enumerate(lengths):
        own = n - prefix
        if packs and size + own <= max_tokens:
            packs[-1].append(i)
            size += own
        else:
            packs.append([i])
            size = prefix + own
    return packs


@dataclass
class Pack:
    """One packed sequence (batch of one) and where each of its rows lives in it."""

    input_ids: torch.Tensor
    """``(1, T)`` token ids."""
    position_ids: torch.Tensor
    """``(1, T)`` positions: ``0..P-1`` for the prefix, then ``P..len-1`` for each row."""
    attention_mask: torch.Tensor
    """``(1, 1, T, T)`` boolean, True where a query may attend to a key."""
    rows: list[int]
    """Indices (into the batch) of the rows in this pack."""
    positions: list[torch.Tensor]
    """For each row, the packed index of each of its tokens (length = the row's length)."""


def build_pack(rows: Sequence[Sequence[int]], row_ids: Sequence[int], prefix: int) -> Pack:
    """Pack ``rows`` (whose first ``prefix`` tokens are identical) into one sequence."""
    ids: list[int] = list(rows[0][:prefix])
    pos: list[int] = list(range(prefix))
    segment: list[int] = [-1] * prefix
    positions: list[torch.Tensor] = []
    shared = torch.arange(prefix)
    for k, row in enumerate(rows):
        start = len(ids)
        own = len(row) - prefix
        ids.extend(row[prefix:])
        pos.extend(range(prefix, len(row)))
        segment.extend([k] * own)
        positions.append(torch.cat([shared, torch.arange(start, start + own)]))
    seg = torch.tensor(segment)
    index = torch.arange(len(ids))
    causal = index[None, :] <= index[:, None]
    visible = (seg[None, :] == seg[:, None]) | (seg[None, :] == -1)
    return Pack(
        input_ids=torch.tensor([ids], dtype=torch.long),
        position_ids=torch.tensor([pos], dtype=torch.long),
        attention_mask=(causal & visible)[None, None],
        rows=list(row_ids),
        positions=positions,
    )


def pack_rows(rows: Sequence[Sequence[int]], max_tokens: int) -> list[Pack]:
    """All ``rows`` in packs of at most ``max_tokens`` tokens, sharing their common prefix."""
    prefix = shared_prefix_length(rows)
    return [
        build_pack([rows[i] for i in group], group, prefix)
        for group in plan_packs([len(r) for r in rows], prefix, max_tokens)
    ]
