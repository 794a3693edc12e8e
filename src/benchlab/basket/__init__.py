"""Basket world model (seed 003): transactions → temporal splits → sample index files → a
memory-mapped tensor cache → T1–T6 batches (bucket batching, BERT masking, four auxiliary
tasks) → a Lightning transformer with MLM and auxiliary heads, evaluated against baselines.

The seed's names are the public API, loaded on first use::

    from benchlab.basket import WorldModelDataset, WorldModelDataLoader
    dataset = WorldModelDataset(project_root, split="train", max_seq_len=50, mask_prob=0.15,
                                enable_auxiliary_tasks=True)

Registered with strings only, so importing this package costs nothing.
"""

from benchlab.lazy import lazy_exports
from benchlab.tasks import TaskSpec

TASK = TaskSpec(
    name="basket",
    summary="Basket world model on transactions: sample index, tensor cache, T1–T6, MLM + aux.",
    task="benchlab.basket.task:BasketTask",
    cli="benchlab.basket.cli:app",
    data={"baskets": "benchlab.basket.commands.data:data_baskets"},
    extra="neural",
    help={
        "baskets": "dunnhumby-shaped transactions (22 columns) with planted segments, missions, "
        "rhythms and promotions."
    },
)

_EXPORTS = {
    "enhance_temporal_metadata": "benchlab.basket.samples",
    "prepare_samples": "benchlab.basket.samples",
    "prepare_tensor_cache": "benchlab.basket.cache",
    "TensorCache": "benchlab.basket.cache",
    "WorldModelDataset": "benchlab.basket.dataset",
    "WorldModelBatch": "benchlab.basket.batch",
    "WorldModelDataLoader": "benchlab.basket.loader",
    "EvaluationDataLoader": "benchlab.basket.loader",
    "BucketBatchSampler": "benchlab.basket.loader",
}
__all__ = ["TASK", *_EXPORTS]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
