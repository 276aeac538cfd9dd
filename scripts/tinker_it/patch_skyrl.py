"""Patch the installed SkyRL (PyPI `skyrl` 0.4.0) so that it serves the Tinker API here.

SkyRL is the real Tinker-API server our integration suite talks to through the official
`tinker` SDK. As published it does not start on these machines, and in a few places it answers
differently from the Tinker service in ways SDK 0.38 trips over. Each patch below is one exact
text replacement in an installed file, says why it is needed, and marks the patched code with
`[tinker_it patch]`. The script is idempotent (an applied patch is recognised and skipped) and
fails loudly when the installed text is not what it expects, e.g. after a SkyRL upgrade, rather
than half-patching.

Usage (setup.sh runs it with the integration venv's interpreter):
    python scripts/tinker_it/patch_skyrl.py
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

EXPECTED_SKYRL_VERSION = "0.4.0"


@dataclass(frozen=True)
class Patch:
    """One exact, unique text replacement in a file of the installed `skyrl` package.

    Attributes:
        file: Path relative to the `skyrl` package directory.
        why: Why the patch is needed (printed when applied).
        old: Text that must occur exactly once before patching.
        new: Replacement text; its presence means the patch is already applied.
    """

    file: str
    why: str
    old: str
    new: str


PATCHES: tuple[Patch, ...] = (
    Patch(
        file="tinker/types.py",
        why=(
            "skyrl declares Python >=3.12; on 3.11 pydantic refuses typing.TypedDict inside its "
            "models ('Please use typing_extensions.TypedDict instead on Python < 3.12')."
        ),
        old="from typing import Annotated, Any, Literal, TypedDict\n",
        new=(
            "from typing import Annotated, Any, Literal\n"
            "\n"
            "# [tinker_it patch] pydantic on Python < 3.12 needs typing_extensions.TypedDict.\n"
            "from typing_extensions import TypedDict\n"
        ),
    ),
    Patch(
        file="tinker/api.py",
        why="needed by the engine-launch patch below (sys.executable).",
        old="import signal\nimport threading\n",
        new="import signal\nimport sys  # [tinker_it patch]\nimport threading\n",
    ),
    Patch(
        file="tinker/api.py",
        why=(
            "the API process starts its engine with a hard-coded `uv run ...` rebuilt from its "
            "parent's command line, which must itself be `uv run ... -m skyrl.tinker.api`; uv is "
            "not on these machines. Start the engine with the API's own interpreter instead."
        ),
        old=(
            "    parent_cmd = psutil.Process(os.getppid()).cmdline()\n"
            "    cmd = _build_uv_run_cmd_engine(parent_cmd, app.state.engine_config)\n"
        ),
        new=(
            "    # [tinker_it patch] no uv here: run the engine with this interpreter, same config.\n"
            '    cmd = [sys.executable, "-m", "skyrl.tinker.engine", *config_to_argv(app.state.engine_config)]\n'
        ),
    ),
    Patch(
        file="tinker/api.py",
        why=(
            "tinker SDK 0.38 asserts that an asample reply carries one `sample_sequence_ids` entry "
            "per requested sample, as the Tinker service sends; SkyRL's reply has no such field."
        ),
        old=(
            'class FutureResponse(BaseModel):\n    future_id: str\n    status: str = "pending"\n    request_id: str\n'
        ),
        new=(
            "class FutureResponse(BaseModel):\n"
            "    future_id: str\n"
            '    status: str = "pending"\n'
            "    request_id: str\n"
            "    # [tinker_it patch] asample replies carry one id per sample, as on Tinker.\n"
            "    sample_sequence_ids: list[str] | None = None\n"
        ),
    ),
    Patch(
        file="tinker/api.py",
        why="(the asample half of the sample_sequence_ids patch above).",
        old=(
            "            request_data=sample_input,\n"
            "        )\n"
            "        await session.commit()\n"
            "\n"
            '    return FutureResponse(future_id=str(request_id), status="pending", request_id=str(request_id))\n'
        ),
        new=(
            "            request_data=sample_input,\n"
            "        )\n"
            "        await session.commit()\n"
            "\n"
            "    return FutureResponse(\n"
            "        future_id=str(request_id),\n"
            '        status="pending",\n'
            "        request_id=str(request_id),\n"
            "        # [tinker_it patch]\n"
            '        sample_sequence_ids=[f"{request_id}-{i}" for i in range(request.num_samples)],\n'
            "    )\n"
        ),
    ),
    Patch(
        file="tinker/api.py",
        why=(
            "tinker SDK 0.38 resumes (create_training_client_from_state[_with_optimizer]) with ONE "
            "LoadWeightsRequest addressed by session_id + model_seq_id that creates the model from "
            "the checkpoint (model id '<session_id>:train:<model_seq_id>'); SkyRL only knows the "
            "legacy shape with an existing model_id and answers 422."
        ),
        old=("class LoadWeightsRequest(BaseModel):\n    model_id: str\n    path: str\n"),
        new=(
            "class LoadWeightsRequest(BaseModel):\n"
            "    # [tinker_it patch] model_id is optional: create-via-load sends session_id +\n"
            "    # model_seq_id instead (and may override base_model).\n"
            "    model_id: str | None = None\n"
            "    session_id: str | None = None\n"
            "    model_seq_id: int | None = None\n"
            "    base_model: str | None = None\n"
            "    path: str\n"
        ),
    ),
    Patch(
        file="tinker/api.py",
        why="(the handler half of the create-via-load patch above).",
        old=(
            "(create_training_client_from_state[_with_optimizer]).\n"
            '    """\n'
            "    await get_model(session, request.model_id)\n"
        ),
        new=(
            "(create_training_client_from_state[_with_optimizer]).\n"
            '    """\n'
            "    if request.model_id is None:  # [tinker_it patch] create-via-load\n"
            "        request.model_id = await _tinker_it_create_model_for_load(session, request)\n"
            "    await get_model(session, request.model_id)\n"
        ),
    ),
    Patch(
        file="tinker/api.py",
        why="(the model-creating helper of the create-via-load patch above).",
        old='@app.post("/api/v1/load_weights", response_model=FutureResponse)\n',
        new=(
            "async def _tinker_it_create_model_for_load(session: AsyncSession, request: LoadWeightsRequest) -> str:\n"
            '    """[tinker_it patch] Create the model a create-via-load request loads into.\n'
            "\n"
            "    The model gets the id the SDK derives, '<session_id>:train:<model_seq_id>', and the\n"
            "    base model and LoRA config of the checkpoint's own model, as the Tinker service does.\n"
            '    """\n'
            "    if request.session_id is None or request.model_seq_id is None:\n"
            "        raise HTTPException(\n"
            '            status_code=400, detail="Provide model_id, or session_id together with model_seq_id"\n'
            "        )\n"
            "    if await session.get(SessionDB, request.session_id) is None:\n"
            '        raise HTTPException(status_code=404, detail="Session not found")\n'
            "    path = types.TinkerPath.parse(request.path)\n"
            '    if not path or path.kind != "weights" or not path.primary_id:\n'
            "        raise HTTPException(\n"
            '            status_code=400, detail="request.path must be in format tinker://source_model_id/weights/checkpoint_id"\n'
            "        )\n"
            "    source = await get_model(session, path.primary_id)\n"
            '    model_id = f"{request.session_id}:train:{request.model_seq_id}"\n'
            "    lora_config = types.LoraConfig.model_validate(source.lora_config)\n"
            "    request_id = await create_future(\n"
            "        session=session,\n"
            "        request_type=types.RequestType.CREATE_MODEL,\n"
            "        model_id=model_id,\n"
            "        request_data=types.CreateModelInput(lora_config=lora_config),\n"
            "    )\n"
            "    session.add(\n"
            "        ModelDB(\n"
            "            model_id=model_id,\n"
            "            base_model=request.base_model or source.base_model,\n"
            "            lora_config=lora_config.model_dump(),\n"
            '            status="created",\n'
            "            request_id=request_id,\n"
            "            session_id=request.session_id,\n"
            "        )\n"
            "    )\n"
            "    await session.flush()\n"
            "    return model_id\n"
            "\n"
            "\n"
            '@app.post("/api/v1/load_weights", response_model=FutureResponse)\n'
        ),
    ),
    Patch(
        file="backends/jax.py",
        why=(
            "the Tinker service reports a forward(_backward) pass's loss as metrics['loss:sum'] "
            "(cross_entropy: the sum of -logprob * weight over the batch); SkyRL returns no "
            "metrics at all, so a training loop written for Tinker would have no loss to log."
        ),
        old=("                loss_fn_outputs=loss_fn_outputs,\n                metrics={},\n"),
        new=(
            "                loss_fn_outputs=loss_fn_outputs,\n"
            "                # [tinker_it patch] the Tinker service's loss metric\n"
            "                metrics={\n"
            '                    "loss:sum": float(\n'
            "                        sum(float(token_losses_out[i].sum()) for i in range(start_idx, end_idx))\n"
            "                    )\n"
            "                },\n"
        ),
    ),
    Patch(
        file="tinker/engine.py",
        why=(
            "save_weights_for_sampler should return tinker://<run>/sampler_weights/<name> as the "
            "Tinker service does (SkyRL drops the 'sampler_weights/' part; its sampler accepts both), "
            "so the suite sees and records the same path shapes as on Tinker."
        ),
        old='            output_path_str = f"tinker://{model_id}/{checkpoint_id}"\n',
        new=(
            "            # [tinker_it patch] the Tinker service's path shape\n"
            '            output_path_str = f"tinker://{model_id}/sampler_weights/{checkpoint_id}"\n'
        ),
    ),
    Patch(
        file="tinker/types.py",
        why=(
            "the Tinker service clips the global gradient norm to AdamParams.grad_clip_norm (0: off); SkyRL's "
            "AdamParams has no such field, so the request's value was dropped and clipping never happened."
        ),
        old="class AdamParams(BaseModel):\n    learning_rate: float\n    beta1: float\n    beta2: float\n"
        "    eps: float\n    weight_decay: float\n",
        new="class AdamParams(BaseModel):\n    learning_rate: float\n    beta1: float\n    beta2: float\n"
        "    eps: float\n    weight_decay: float\n"
        "    grad_clip_norm: float = 0.0  # [tinker_it patch] Tinker's global-norm clipping (0: off)\n",
    ),
    Patch(
        file="tinker/api.py",
        why="(the request half of the grad_clip_norm patch above).",
        old=(
            "    weight_decay: float = Field(default=0.0, ge=0.0)\n"
            "\n"
            "    def to_types(self) -> types.AdamParams:\n"
            "        return types.AdamParams(\n"
            "            learning_rate=self.learning_rate,\n"
            "            beta1=self.beta1,\n"
            "            beta2=self.beta2,\n"
            "            eps=self.eps,\n"
            "            weight_decay=self.weight_decay,\n"
            "        )\n"
        ),
        new=(
            "    weight_decay: float = Field(default=0.0, ge=0.0)\n"
            "    grad_clip_norm: float = Field(default=0.0, ge=0.0)  # [tinker_it patch]\n"
            "\n"
            "    def to_types(self) -> types.AdamParams:\n"
            "        return types.AdamParams(\n"
            "            learning_rate=self.learning_rate,\n"
            "            beta1=self.beta1,\n"
            "            beta2=self.beta2,\n"
            "            eps=self.eps,\n"
            "            weight_decay=self.weight_decay,\n"
            "            grad_clip_norm=self.grad_clip_norm,  # [tinker_it patch]\n"
            "        )\n"
        ),
    ),
    Patch(
        file="backends/jax.py",
        why=(
            "(the optimizer half of the grad_clip_norm patch above): scale the gradients down to grad_clip_norm "
            "when their global norm exceeds it, before Adam; skyrl.ai/grad_norm stays the norm before clipping."
        ),
        old=(
            "            adapter_index: jax.Array,\n"
            "        ) -> tuple[AccumulatedGradients, OptimStepMetrics]:\n"
            '            """Compute full gradients, apply optimizer update, and reset accumulated grads."""\n'
            "            mean_grads = accumulated_grads.get_mean(adapter_index)\n"
            "            grad_norm = optax.global_norm(mean_grads)\n"
        ),
        new=(
            "            adapter_index: jax.Array,\n"
            "            grad_clip_norm: jax.Array,  # [tinker_it patch]\n"
            "        ) -> tuple[AccumulatedGradients, OptimStepMetrics]:\n"
            '            """Compute full gradients, apply optimizer update, and reset accumulated grads."""\n'
            "            mean_grads = accumulated_grads.get_mean(adapter_index)\n"
            "            grad_norm = optax.global_norm(mean_grads)\n"
            "            # [tinker_it patch] Tinker's clipping: the global norm down to grad_clip_norm (0: off).\n"
            "            clip_scale = jnp.where(\n"
            "                (grad_clip_norm > 0) & (grad_norm > grad_clip_norm),\n"
            "                grad_clip_norm / jnp.maximum(grad_norm, 1e-30),\n"
            "                1.0,\n"
            "            )\n"
            "            mean_grads = jax.tree.map(lambda g: g * clip_scale.astype(g.dtype), mean_grads)\n"
        ),
    ),
    Patch(
        file="backends/jax.py",
        why="(the call half of the grad_clip_norm patch above).",
        old=("                optimizer,\n                jnp.int32(adapter_index),\n            )\n"),
        new=(
            "                optimizer,\n"
            "                jnp.int32(adapter_index),\n"
            "                # [tinker_it patch]\n"
            "                jnp.float32(getattr(request_data.adam_params, 'grad_clip_norm', 0.0)),\n"
            "            )\n"
        ),
    ),
    Patch(
        file="backends/jax.py",
        why=(
            "the Tinker service's cross_entropy gradient is the gradient of the SUM over weighted tokens (its "
            "loss); SkyRL averaged over each sequence's tokens and then over sequences, a gradient ~100x smaller "
            "for this project's rows, so clipping and learning rates could not be studied at Tinker's scale. "
            "TINKER_IT_GRADIENT_SCALE=mean restores SkyRL's scale (for comparisons)."
        ),
        old=("            per_seq_loss = per_token_losses.sum(axis=-1) / jnp.maximum(loss_mask.sum(axis=-1), 1e-9)\n"),
        new=(
            "            # [tinker_it patch] Tinker's scale: the sum over weighted tokens (mean: SkyRL's own).\n"
            "            per_seq_loss = per_token_losses.sum(axis=-1)\n"
            "            if _TINKER_IT_MEAN_GRADIENTS:\n"
            "                per_seq_loss = per_seq_loss / jnp.maximum(loss_mask.sum(axis=-1), 1e-9)\n"
        ),
    ),
    Patch(
        file="backends/jax.py",
        why="(the accumulation half of the gradient-scale patch above: no division by the number of sequences).",
        old=(
            "        def compute_mean(path, g):\n"
            "            idx = get_adapter_idx(path, adapter_index)\n"
            "            return jnp.zeros_like(g).at[idx].set(g[idx] / safe_count.astype(g.dtype))\n"
        ),
        new=(
            "        def compute_mean(path, g):\n"
            "            idx = get_adapter_idx(path, adapter_index)\n"
            "            if not _TINKER_IT_MEAN_GRADIENTS:  # [tinker_it patch] Tinker sums, SkyRL averaged\n"
            "                return jnp.zeros_like(g).at[idx].set(g[idx])\n"
            "            return jnp.zeros_like(g).at[idx].set(g[idx] / safe_count.astype(g.dtype))\n"
        ),
    ),
    Patch(
        file="backends/jax.py",
        why="(the switch of the gradient-scale patch above, read once when the engine starts).",
        old="import json\nimport time\n",
        new=(
            "import json\n"
            "import os  # [tinker_it patch]\n"
            "import time\n"
            "\n"
            "# [tinker_it patch] sum (Tinker's gradient scale, the default here) or mean (SkyRL's).\n"
            '_TINKER_IT_MEAN_GRADIENTS = os.environ.get("TINKER_IT_GRADIENT_SCALE", "sum") == "mean"\n'
        ),
    ),
    Patch(
        file="tinker/api.py",
        why=(
            "the Tinker service queues requests when busy and answers polls with 'try_again' plus a queue state "
            "until it runs them; SkyRL runs everything at once. With a control file (TINKER_IT_CONTROL, JSON: "
            "request_types, hold_s, skip, count) the server holds matching requests in a simulated queue: their "
            "polls get Tinker's try_again reply (queue_state paused_capacity) until hold_s has passed since first "
            "seen, so a test can queue a request for longer than a client's old time limit."
        ),
        old=("    request_id = int(request.request_id)\n\n    found_in_memory = False\n"),
        new=(
            "    request_id = int(request.request_id)\n"
            "    held = await _tinker_it_hold(req, request_id)  # [tinker_it patch] simulated queue\n"
            "    if held is not None:\n"
            "        return held\n"
            "\n"
            "    found_in_memory = False\n"
        ),
    ),
    Patch(
        file="tinker/api.py",
        why="(the queue of the hold patch above, and the session-finish endpoint below).",
        old="class RetrieveFutureRequest(BaseModel):\n    request_id: str\n",
        new=(
            "class RetrieveFutureRequest(BaseModel):\n"
            "    request_id: str\n"
            "\n"
            "\n"
            "_TINKER_IT_QUEUE: dict = {'version': None, 'seen': 0, 'held': {}}\n"
            "\n"
            "\n"
            "async def _tinker_it_hold(req: Request, request_id: int):\n"
            '    """[tinker_it patch] A try_again reply while a matching request sits in the simulated queue."""\n'
            "    import json as _json\n"
            "    import time as _time\n"
            "\n"
            '    control = os.environ.get("TINKER_IT_CONTROL")\n'
            "    if not control or not os.path.isfile(control):\n"
            "        return None\n"
            "    try:\n"
            "        with open(control, encoding='utf-8') as f:\n"
            "            text = f.read()\n"
            "        rules = _json.loads(text)\n"
            "    except (OSError, ValueError):\n"
            "        return None\n"
            "    queue = _TINKER_IT_QUEUE\n"
            "    if queue['version'] != text:  # a new control file: a new queue\n"
            "        queue.update(version=text, seen=0, held={})\n"
            "    now = _time.monotonic()\n"
            "    if request_id not in queue['held']:\n"
            "        async with AsyncSession(req.app.state.db_engine) as session:\n"
            "            row = await session.get(FutureDB, request_id)\n"
            "        kind = getattr(getattr(row, 'request_type', None), 'value', getattr(row, 'request_type', None))\n"
            "        if row is None or kind not in rules.get('request_types', []):\n"
            "            return None\n"
            "        queue['seen'] += 1\n"
            "        skip, count = int(rules.get('skip', 0)), int(rules.get('count', 1))\n"
            "        queue['held'][request_id] = now if skip < queue['seen'] <= skip + count else None\n"
            "    since = queue['held'][request_id]\n"
            "    if since is None or now - since >= float(rules.get('hold_s', 0)):\n"
            "        return None\n"
            "    # Answer like a long poll that found the request still queued.\n"
            "    await asyncio.sleep(min(2.0, float(rules.get('hold_s', 0)) - (now - since)))\n"
            "    return {\n"
            "        'type': 'try_again',\n"
            "        'request_id': str(request_id),\n"
            "        'queue_state': 'paused_capacity',\n"
            "        'queue_state_reason': rules.get('reason', 'tinker_it: held in a simulated queue'),\n"
            "    }\n"
            "\n"
            "\n"
            '@app.post("/api/v1/sessions/{session_id}/finish")\n'
            "async def _tinker_it_finish_session(\n"
            "    session_id: str, request: Request, session: AsyncSession = Depends(get_session)\n"
            "):\n"
            '    """[tinker_it patch] ServiceClient.close(): record how the session ended, as Tinker does."""\n'
            "    body = await request.json()\n"
            "    session_db = await session.get(SessionDB, session_id)\n"
            "    if session_db is None:\n"
            '        raise HTTPException(status_code=404, detail="Session not found")\n'
            "    reason = (body.get('reason') or {}).get('type', 'unknown')\n"
            "    session_db.user_metadata = {**(session_db.user_metadata or {}), 'tinker_it_finished': reason}\n"
            "    await session.commit()\n"
            "    return None\n"
        ),
    ),
    Patch(
        file="tinker/api.py",
        why=(
            "the SDK sends save_state / save_weights_for_sampler with ttl_seconds (how long Tinker keeps the "
            "checkpoint); SkyRL dropped the field. Accept it and record every save's TTL in checkpoint_ttls.jsonl "
            "beside the database, so a test can see what the service was asked to keep and for how long."
        ),
        old=(
            "class SaveWeightsRequest(BaseModel):\n"
            "    model_id: str\n"
            "    path: str = Field(..., pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)\n"
            '    type: Literal["save_weights"] | None = None\n'
        ),
        new=(
            "class SaveWeightsRequest(BaseModel):\n"
            "    model_id: str\n"
            "    path: str = Field(..., pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)\n"
            '    type: Literal["save_weights"] | None = None\n'
            "    ttl_seconds: int | None = None  # [tinker_it patch]\n"
            "\n"
            "\n"
            "def _tinker_it_record_ttl(kind: str, model_id: str, name: str | None, ttl_seconds: int | None) -> None:\n"
            '    """[tinker_it patch] Append what a save asked the service to keep, and for how long."""\n'
            "    import json as _json\n"
            "\n"
            "    entry = {'kind': kind, 'model_id': model_id, 'name': name, 'ttl_seconds': ttl_seconds}\n"
            "    with open('checkpoint_ttls.jsonl', 'a', encoding='utf-8') as f:  # the server's working directory\n"
            "        f.write(_json.dumps(entry) + '\\n')\n"
        ),
    ),
    Patch(
        file="tinker/api.py",
        why="(the sampler half of the TTL patch above).",
        old=(
            "    sampling_session_seq_id: int | None = None\n"
            "    seq_id: int | None = None\n"
            '    type: Literal["save_weights_for_sampler"] = "save_weights_for_sampler"\n'
        ),
        new=(
            "    sampling_session_seq_id: int | None = None\n"
            "    seq_id: int | None = None\n"
            '    type: Literal["save_weights_for_sampler"] = "save_weights_for_sampler"\n'
            "    ttl_seconds: int | None = None  # [tinker_it patch]\n"
        ),
    ),
    Patch(
        file="tinker/api.py",
        why="(the recording half of the TTL patch above, for save_state).",
        old=(
            '    """Saves weights and training state."""\n'
            "    # Create pending checkpoint entry (validates model exists)\n"
        ),
        new=(
            '    """Saves weights and training state."""\n'
            '    _tinker_it_record_ttl("weights", request.model_id, request.path, request.ttl_seconds)\n'
            "    # Create pending checkpoint entry (validates model exists)\n"
        ),
    ),
    Patch(
        file="tinker/api.py",
        why="(the recording half of the TTL patch above, for save_weights_for_sampler).",
        old=(
            '    """Saves weights in a format compatible with sampling/inference servers."""\n'
            "    # Get the model (validates it exists and gives us the session_id)\n"
        ),
        new=(
            '    """Saves weights in a format compatible with sampling/inference servers."""\n'
            "    if request.path is not None:  # [tinker_it patch] named (persisted) sampler checkpoints\n"
            '        _tinker_it_record_ttl("sampler_weights", request.model_id, request.path, request.ttl_seconds)\n'
            "    # Get the model (validates it exists and gives us the session_id)\n"
        ),
    ),
)


def skyrl_dir() -> Path:
    """Return the installed `skyrl` package directory, found without importing it.

    Raises:
        SystemExit: When `skyrl` is not installed in this interpreter's environment.
    """
    spec = importlib.util.find_spec("skyrl")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"skyrl is not installed for {sys.executable}")
    return Path(next(iter(spec.submodule_search_locations)))


def apply(patch: Patch, root: Path) -> bool:
    """Apply one patch in place.

    Args:
        patch: The patch to apply.
        root: The `skyrl` package directory.

    Returns:
        True when the file was changed, False when the patch was already applied.

    Raises:
        SystemExit: When the expected text is missing or ambiguous.
    """
    path = root / patch.file
    text = path.read_text(encoding="utf-8")
    if patch.new in text:
        return False
    count = text.count(patch.old)
    if count != 1:
        raise SystemExit(
            f"cannot patch {path}: expected the original text exactly once, found it {count} times "
            f"(is skyrl {EXPECTED_SKYRL_VERSION} installed?). Patch: {patch.why}"
        )
    path.write_text(text.replace(patch.old, patch.new), encoding="utf-8")
    # A stale bytecode cache would still hold the unpatched module.
    for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        cached.unlink()
    return True


def main() -> None:
    """Apply every patch, reporting each one."""
    root = skyrl_dir()
    for patch in PATCHES:
        state = "applied" if apply(patch, root) else "already applied"
        print(f"[patch_skyrl] {patch.file}: {state}: {patch.why}")


if __name__ == "__main__":
    main()
