"""Packing a batch of rows into one sequence, with the prefix they share computed once.

Every training row starts with the same system prompt (about 90 of ~155 tokens), and rows differ in length. A
padded batch computes that prefix once per row and pads every row to the longest. A pack instead lays the rows
out as one sequence ``[shared prefix | rest of row 1 | rest of row 2 | ...]`` with

- an attention mask in which each row's tokens see the shared prefix and, causally, their own tokens only;
- position ids that restart after the prefix for each row (``P, P+1, ...``), as in an unpacked run.

Each row therefore computes exactly what it would compute alone (same keys, values and positions), so losses,
logprobs and gradients equal those of a plain per-row forward pass, while the prefix is computed once and no
position is padding. Gradients through the prefix's keys and values add up over the rows, as they should.

A dense ``T x T`` mask would make attention cost grow with the square of the pack's length while most of it is
masked out. :func:`segment_attention` instead attends each row's queries to the prefix's and its own keys only
(a few small attention calls per layer, about a fifth of the dense work for our rows); it is registered with
transformers' ``AttentionInterface`` and falls back to SDPA for any call that is not a pack, so a model using it
still generates and evaluates normally. Rows are split into several packs (each with its own copy of the prefix)
when a pack would exceed ``max_tokens``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

ATTENTION_NAME = "sft_packed_sdpa"


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
    layout: PackLayout = field(repr=False, default=None)  # type: ignore[assignment]
    """The same structure in the form :func:`segment_attention` takes."""


@dataclass
class PackLayout:
    """Where the prefix and each row's own tokens lie in a pack, and the mask of each row's attention call."""

    prefix: int
    segments: list[tuple[int, int]]
    """``(start, end)`` of each row's own tokens, in order and contiguous after the prefix."""
    masks: list[torch.Tensor] = field(default_factory=list)
    """Per row, ``(own, prefix + own)`` booleans: the whole prefix, then its own tokens causally."""

    def to(self, device: torch.device | str) -> PackLayout:
        return PackLayout(self.prefix, self.segments, [m.to(device) for m in self.masks])


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
    segments = [(int(p[prefix]), int(p[-1]) + 1) for p in positions]
    masks = [
        torch.cat([torch.ones(e - s, prefix, dtype=torch.bool), torch.ones(e - s, e - s, dtype=torch.bool).tril()], 1)
        for s, e in segments
    ]
    return Pack(
        input_ids=torch.tensor([ids], dtype=torch.long),
        position_ids=torch.tensor([pos], dtype=torch.long),
        attention_mask=(causal & visible)[None, None],
        rows=list(row_ids),
        positions=positions,
        layout=PackLayout(prefix, segments, masks),
    )


def pack_rows(rows: Sequence[Sequence[int]], max_tokens: int) -> list[Pack]:
    """All ``rows`` in packs of at most ``max_tokens`` tokens, sharing their common prefix."""
    prefix = shared_prefix_length(rows)
    return [
        build_pack([rows[i] for i in group], group, prefix)
        for group in plan_packs([len(r) for r in rows], prefix, max_tokens)
    ]


def segment_attention(
    module: torch.nn.Module,
    query: torch.Tensor,
    key: torch.Tensor,
    value: torch.Tensor,
    attention_mask: torch.Tensor | None,
    dropout: float = 0.0,
    scaling: float | None = None,
    pack_layout: PackLayout | None = None,
    **kwargs: Any,
) -> tuple[torch.Tensor, None]:
    """Attention for a pack: the prefix attends causally to itself, each row's tokens to the prefix and causally
    to themselves. Any other call (no ``pack_layout``: generation, a plain forward) goes to transformers' SDPA.

    Shapes as transformers' attention functions: query ``(1, heads, T, dim)``, key/value ``(1, kv_heads, T, dim)``;
    returns ``(1, T, heads, dim)``.
    """
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if pack_layout is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout, scaling, **kwargs)
    gqa = query.shape[1] != key.shape[1]
    p = pack_layout.prefix
    parts = []
    if p:
        parts.append(
            F.scaled_dot_product_attention(
                query[:, :, :p], key[:, :, :p], value[:, :, :p], None, dropout, True, scale=scaling, enable_gqa=gqa
            )
        )
    for (start, end), mask in zip(pack_layout.segments, pack_layout.masks):
        k = torch.cat([key[:, :, :p], key[:, :, start:end]], dim=2)
        v = torch.cat([value[:, :, :p], value[:, :, start:end]], dim=2)
        parts.append(
            F.scaled_dot_product_attention(query[:, :, start:end], k, v, mask, dropout, scale=scaling, enable_gqa=gqa)
        )
    return torch.cat(parts, dim=2).transpose(1, 2).contiguous(), None


def register_segment_attention() -> str:
    """Make :func:`segment_attention` available to transformers models; returns its name."""
    from transformers import AttentionInterface

    AttentionInterface.register(ATTENTION_NAME, segment_attention)
    return ATTENTION_NAME
