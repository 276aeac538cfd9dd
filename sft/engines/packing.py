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
(two batched attention calls per layer, about a fifth of the dense work for our rows); it is registered with
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
    """Where the prefix and each row's own tokens lie in a pack, as the index tensors :func:`segment_attention`
    gathers with: the rows' own tokens are laid out as a padded ``(rows, width)`` grid, ``width`` the longest
    row's own length, so one batched attention serves every row."""

    prefix: int
    segments: list[tuple[int, int]]
    """``(start, end)`` of each row's own tokens, in order and contiguous after the prefix."""
    width: int = 0
    query_index: torch.Tensor = field(default_factory=lambda: torch.zeros(0, dtype=torch.long))
    """``(rows * width,)``: the pack position of each grid cell (padding cells repeat a real position)."""
    output_index: torch.Tensor = field(default_factory=lambda: torch.zeros(0, dtype=torch.long))
    """``(pack length - prefix,)``: for each non-prefix position of the pack, its grid cell."""
    bias: torch.Tensor = field(default_factory=lambda: torch.zeros(0))
    """``(rows, 1, 1, width, prefix + width)`` float32: 0 where a query may attend to a key, -inf elsewhere."""
    prefix_bias: torch.Tensor = field(default_factory=lambda: torch.zeros(0))
    """``(prefix, prefix)`` float32: the prefix's causal mask, additive."""

    @classmethod
    def build(cls, prefix: int, segments: list[tuple[int, int]]) -> PackLayout:
        rows = len(segments)
        width = max((end - start for start, end in segments), default=0)
        query = torch.zeros(rows, width, dtype=torch.long)
        allowed = torch.zeros(rows, width, prefix + width, dtype=torch.bool)
        allowed[:, :, :prefix] = True
        output: list[int] = []
        for r, (start, end) in enumerate(segments):
            own = end - start
            query[r, :own] = torch.arange(start, end)
            query[r, own:] = start  # padding cells: any real position; their outputs are never read
            allowed[r, :own, prefix : prefix + own] = torch.ones(own, own, dtype=torch.bool).tril()
            allowed[r, own:, 0] = True  # padding cells see one key, so no softmax row is all -inf (NaN)
            output.extend(range(r * width, r * width + own))
        causal = torch.ones(prefix, prefix, dtype=torch.bool).tril()
        return cls(
            prefix,
            segments,
            width,
            query.flatten(),
            torch.tensor(output, dtype=torch.long),
            torch.zeros(allowed.shape).masked_fill(~allowed, float("-inf"))[:, None, None],
            torch.zeros(prefix, prefix).masked_fill(~causal, float("-inf")),
        )

    def to(self, device: torch.device | str) -> PackLayout:
        return PackLayout(
            self.prefix,
            self.segments,
            self.width,
            *(t.to(device) for t in (self.query_index, self.output_index, self.bias, self.prefix_bias)),
        )


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
    return Pack(
        input_ids=torch.tensor([ids], dtype=torch.long),
        position_ids=torch.tensor([pos], dtype=torch.long),
        attention_mask=(causal & visible)[None, None],
        rows=list(row_ids),
        positions=positions,
        layout=PackLayout.build(prefix, segments),
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

    Two attention calls per layer, whatever the number of rows: the prefix's, then every row's at once on the
    padded grid of :class:`PackLayout`. Both are written out (scores, softmax, weighted sum) in float32 rather
    than calling SDPA: PyTorch's CPU flash-attention backward costs ~2 ms per call at these sizes, several times
    the arithmetic, and the written-out form's backward is a handful of batched products (measured on the
    bundled model's shapes: 9 ms instead of 20 ms per layer, forward and backward, for a batch of 8 rows).
    """
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    if pack_layout is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout, scaling, **kwargs)
    layout = pack_layout
    heads, kv_heads, dim = query.shape[1], key.shape[1], query.shape[-1]
    scale = scaling if scaling is not None else dim**-0.5
    q, k, v = query[0], key[0], value[0]  # (heads or kv_heads, T, dim)
    parts = []
    if layout.prefix:
        prefix = torch.arange(layout.prefix, device=q.device)
        parts.append(_grouped_attention(q, k, v, prefix, layout.prefix_bias, 1, scale, dropout))
    rows = layout.bias.shape[0]
    grid = _grouped_attention(q, k, v, layout.query_index, layout.bias, rows, scale, dropout, shared=layout.prefix)
    parts.append(grid.index_select(0, layout.output_index))
    out = torch.cat(parts, dim=0) if len(parts) > 1 else parts[0]
    assert out.shape == (query.shape[2], heads, dim), (out.shape, kv_heads)
    return out[None], None


def _grouped_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    query_index: torch.Tensor,
    bias: torch.Tensor,
    rows: int,
    scale: float,
    dropout: float,
    shared: int = 0,
) -> torch.Tensor:
    """Attention of ``rows`` equal-shaped groups of queries, gathered from one sequence, to the first ``shared``
    positions (keys every group sees) and then to their own keys.

    ``q`` is ``(heads, T, dim)``, ``k``/``v`` are ``(kv_heads, T, dim)``; ``query_index`` picks ``rows * n``
    positions, whose keys are the group's own (``n`` each); ``bias`` (additive, float32) broadcasts to
    ``(rows, kv_heads, group, n, shared + n)``. The query heads that share a key/value
    head (grouped-query attention) are stacked so that each key/value head is used as is, never repeated; the
    shared keys are used by every group without being copied. Computed in float32 (scores, softmax, sum), as
    SDPA accumulates; returns ``(rows * n, heads, dim)`` in ``q``'s dtype.
    """
    heads, _, dim = q.shape
    kv_heads = k.shape[0]
    group = heads // kv_heads
    n = query_index.numel() // rows
    with torch.autocast(q.device.type, enabled=False):
        qg = q.index_select(1, query_index).view(kv_heads, group, rows, n, dim).permute(2, 0, 1, 3, 4)
        qg = qg.reshape(rows, kv_heads, group * n, dim).float() * scale
        kg = k.index_select(1, query_index).view(kv_heads, rows, n, dim).transpose(0, 1).float()
        vg = v.index_select(1, query_index).view(kv_heads, rows, n, dim).transpose(0, 1).float()
        scores = torch.matmul(qg, kg.transpose(-1, -2))
        if shared:
            k0, v0 = k[:, :shared].float()[None], v[:, :shared].float()[None]  # (1, kv_heads, shared, dim)
            scores = torch.cat([torch.matmul(qg, k0.transpose(-1, -2)), scores], dim=-1)
        scores = scores.view(rows, kv_heads, group, n, shared + n) + bias
        probs = scores.softmax(-1).view(rows, kv_heads, group * n, shared + n)
        if dropout:
            probs = F.dropout(probs, dropout, training=True)
        out = torch.matmul(probs[..., shared:], vg)  # (rows, kv_heads, group * n, dim)
        if shared:
            out = out + torch.matmul(probs[..., :shared], v0)
    out = out.view(rows, kv_heads, group, n, dim).permute(0, 3, 1, 2, 4).reshape(rows * n, heads, dim)
    return out.to(q.dtype)


def register_segment_attention() -> str:
    """Make :func:`segment_attention` available to transformers models; returns its name."""
    from transformers import AttentionInterface

    AttentionInterface.register(ATTENTION_NAME, segment_attention)
    return ATTENTION_NAME
