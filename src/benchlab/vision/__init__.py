"""Image classification (seed 002): index-file cross-validation, torchvision/timm/custom
networks, four trainers (standard, mixed precision, Accelerate, Opacus), LR finder, search,
inference, ONNX export.

Registered with strings only, so importing this package costs nothing.
"""

from benchlab.tasks import TaskSpec

TASK = TaskSpec(
    name="vision",
    summary="Image classification: index-file folds, torchvision/timm/custom nets, 4 trainers.",
    task="benchlab.vision.task:VisionTask",
    cli="benchlab.vision.cli:app",
    data={"digits": "benchlab.vision.commands.data:data_digits"},
    extra="vision",
    help={
        "digits": "scikit-learn's bundled digits (1,797 real 8×8 images) as raw/<class>/<n>.png."
    },
)
