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
(batched attention calls over grids of similar-length rows, a fraction of the dense work for our rows); it is
registered with transformers' ``AttentionInterface`` and falls back to SDPA for any call that is not a pack, so a
model using it still generates and evaluates normally. Rows are split into several packs (each with its own copy of
the prefix) when a pack would exceed ``max_tokens``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


GROUP_COST_CELLS = 16384
"""What one more attention call per layer costs, in score cells (query-key pairs) of work: the padded grid is split
into groups of similar-length rows only where the padding this removes is worth more (see :func:`group_rows`).
Measured on the bundled model's attention shapes (forward and backward, 33 packs of the default run, 2-core AVX2
CPU): one grid per pack 1.84 s, this split 1.30 s (39% fewer pairs scored); 8192 and 32768 within 3% of it."""


def group_rows(lengths: Sequence[int], prefix: int, call_cost: int | None = None) -> list[list[int]]:
    """Rows (their own lengths ``lengths``) split into groups of similar length, longest first, each group's
    attention computed on a grid as wide as its longest row: the split with the fewest score cells
    (``rows x width x (prefix + width)`` per group) plus ``call_cost`` per group (see :func:`split_by_length`)."""
    call_cost = GROUP_COST_CELLS if call_cost is None else call_cost
    return split_by_length(lengths, lambda rows, width: call_cost + rows * width * (prefix + width))


def split_by_length(lengths: Sequence[int], group_cost: Callable[[int, int], float]) -> list[list[int]]:
    """Indices of ``lengths`` split into groups, longest first, each padded to its longest member: the split with the
    least total ``group_cost(rows, width)``. Exact by dynamic programming over the lengths sorted, for any cost that
    grows with the width (a best split then never interleaves lengths)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    n = len(order)
    best = [0.0] + [float("inf")] * n  # best[j]: cost of grouping the j longest rows
    cut = [0] * (n + 1)
    for j in range(1, n + 1):
        for i in range(j):  # a group of the sorted rows i..j-1, whose widest is row i
            cost = best[i] + group_cost(j - i, lengths[order[i]])
            if cost < best[j]:
                best[j], cut[j] = cost, i
    groups: list[list[int]] = []
    j = n
    while j > 0:
        groups.append(order[cut[j] : j])
        j = cut[j]
    return groups[::-1]


@dataclass
class GridGroup:
    """Rows whose own tokens are laid out as one padded ``(rows, width)`` grid, so that one batched attention
    call serves all of them."""

    rows: int
    width: int
    query_index: torch.Tensor
    """``(rows * width,)``: the pack position of each grid cell (padding cells repeat a real position)."""
    bias: torch.Tensor
    """``(rows, 1, 1, width, prefix + width)`` float32: 0 where a query may attend to a key, -inf elsewhere."""


@dataclass
class PackLayout:
    """Where the prefix and each row's own tokens lie in a pack, as the index tensors :func:`segment_attention`
    gathers with. The rows' own tokens are laid out as padded grids, one batched attention call per grid; rows of
    very different lengths go to different grids (:func:`group_rows`), so that a long row does not pad every
    short one to its length: in the run's heaviest pack, one grid would score 3.6 times the pairs there are."""

    prefix: int
    segments: list[tuple[int, int]]
    """``(start, end)`` of each row's own tokens, in order and contiguous after the prefix."""
    groups: list[GridGroup] = field(default_factory=list)
    output_index: torch.Tensor = field(default_factory=lambda: torch.zeros(0, dtype=torch.long))
    """``(pack length - prefix,)``: for each non-prefix position of the pack, its cell in the groups' grids,
    concatenated in group order."""
    prefix_bias: torch.Tensor = field(default_factory=lambda: torch.zeros(0))
    """``(prefix, prefix)`` float32: the prefix's causal mask, additive."""

    @classmethod
    def build(cls, prefix: int, segments: list[tuple[int, int]], call_cost: int | None = None) -> PackLayout:
        lengths = [end - start for start, end in segments]
        groups: list[GridGroup] = []
        cell_of: dict[int, int] = {}  # pack position -> its cell in the concatenated grids
        offset = 0
        for members in group_rows(lengths, prefix, call_cost):
            rows, width = len(members), max(lengths[r] for r in members)
            query = torch.zeros(rows, width, dtype=torch.long)
            allowed = torch.zeros(rows, width, prefix + width, dtype=torch.bool)
            allowed[:, :, :prefix] = True
            for k, r in enumerate(members):
                start, end = segments[r]
                own = end - start
                query[k, :own] = torch.arange(start, end)
                query[k, own:] = start  # padding cells: any real position; their outputs are never read
                allowed[k, :own, prefix : prefix + own] = torch.ones(own, own, dtype=torch.bool).tril()
                allowed[k, own:, 0] = True  # padding cells see one key, so no softmax row is all -inf (NaN)
                cell_of.update((start + t, offset + k * width + t) for t in range(own))
            bias = torch.zeros(allowed.shape).masked_fill(~allowed, float("-inf"))[:, None, None]
            groups.append(GridGroup(rows, width, query.flatten(), bias))
            offset += rows * width
        causal = torch.ones(prefix, prefix, dtype=torch.bool).tril()
        own_positions = [p for start, end in segments for p in range(start, end)]
        return cls(
            prefix,
            segments,
            groups,
            torch.tensor([cell_of[p] for p in own_positions], dtype=torch.long),
            torch.zeros(prefix, prefix).masked_fill(~causal, float("-inf")),
        )

    def attention_pairs(self) -> int:
        """Query-key pairs scored: the prefix with itself, and each grid's cells with the prefix and their grid."""
        grids = sum(g.rows * g.width * (self.prefix + g.width) for g in self.groups)
        return self.prefix * self.prefix + grids

    def to(self, device: torch.device | str) -> PackLayout:
        return PackLayout(
            self.prefix,
            self.segments,
            [GridGroup(g.rows, g.width, g.query_index.to(device), g.bias.to(device)) for g in self.groups],
            self.output_index.to(device),
            self.prefix_bias.to(device),
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

    An attention call for the prefix, then one per grid of :class:`PackLayout` (rows of similar length at once).
    Both are written out (scores, softmax, weighted sum) in float32 rather than calling SDPA: PyTorch's CPU
    flash-attention backward costs ~2 ms per call at these sizes, several times the arithmetic, and the written-out
    form's backward is a handful of batched products (measured on the bundled model's shapes: 9 ms instead of 20 ms
    per layer, forward and backward, for a batch of 8 rows).
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
    grids = [
        _grouped_attention(q, k, v, g.query_index, g.bias, g.rows, scale, dropout, shared=layout.prefix)
        for g in layout.groups
    ]
    parts.append((torch.cat(grids) if len(grids) > 1 else grids[0]).index_select(0, layout.output_index))
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
