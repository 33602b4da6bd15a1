"""What the installed PEFT and the loaded base must be for spec lora.trainable_tokens to train as
wgml's trainableTokenIndices do: PEFT 0.15 brought trainable_token_indices to LoraConfig, with rows
tied between embed_tokens and a tied lm_head; PEFT 0.16 and 0.17 fail on an untied lm_head's rows
(TrainableTokensLayer asks an nn.Linear for embedding_dim; huggingface/peft#2863 fixed it in 0.18).
The base's own tie_word_embeddings and vocabulary must agree with the spec. Standard library."""
import re
import sys
from typing import Optional, Tuple

from .errors import WorkerError


def minor_version(version: str) -> Tuple[int, int]:
    """(major, minor) of a version string such as 0.17.1 or 0.18.0.dev0."""
    m = re.match(r"(\d+)\.(\d+)", version)
    if not m:
        raise WorkerError(f"peft version {version!r}: cannot read major.minor")
    return int(m.group(1)), int(m.group(2))


def check_token_rows(rows: Optional[dict], peft_version: str, tied: bool, vocab_size: int, model: str) -> None:
    """Raises a WorkerError naming what disagrees; `rows` is spec lora.trainable_tokens (None: nothing to check)."""
    if rows is None:
        return
    if tied != rows["tied"]:
        raise WorkerError(f"{model}: tie_word_embeddings is {tied} but the spec says lora.trainable_tokens.tied {rows['tied']}; regenerate the spec from this model directory")
    outside = [i for i in rows["indices"] if i >= vocab_size]
    if outside:
        raise WorkerError(f"{model}: token ids {outside} are outside its vocabulary of {vocab_size}; train on the enlarged model directory the tokens step wrote")
    version = minor_version(peft_version)
    pip = f"{sys.executable or 'python3'} -m pip install"
    if version < (0, 15):
        raise WorkerError(f"peft {peft_version} has no LoraConfig(trainable_token_indices=...), which training new tokens' rows needs; install peft 0.15 or newer: {pip} 'peft>=0.15,<0.19'")
    if not tied and (0, 16) <= version < (0, 18):
        raise WorkerError(f"peft {peft_version} cannot train an untied lm_head's token rows (fixed in peft 0.18, huggingface/peft#2863); for this model install peft 0.18: {pip} 'peft>=0.18,<0.19'")
