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
