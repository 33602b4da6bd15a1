"""Command line of the worker. A WorkerError (bad spec, missing package, no CUDA device) is one line
on stderr and a non-zero exit; nothing is half-written, as every output is renamed into place."""
import argparse
import sys

from .errors import WorkerError
from .spec import read_spec


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m wgml_cuda", description="wgml's CUDA worker")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("train", help="QLoRA training from a train spec").add_argument("spec")
    gen = sub.add_parser("generate", help="vLLM sampling into chunk files from a generate spec")
    gen.add_argument("spec")
    gen.add_argument("--shard", default="0/1", help="K/W: this worker's share of the chunk ids")
    sub.add_parser("check", help="validate a spec and exit").add_argument("spec")
    sub.add_parser("env", help="interpreter, packages and GPUs as JSON")
    logits = sub.add_parser("logits", help="a base + PEFT adapter's logits over token ids, as JSON (to compare with wgml)")
    logits.add_argument("model")
    logits.add_argument("adapter")
    logits.add_argument("--ids", required=True, help="token ids separated by commas")
    logits.add_argument("--nf4", action="store_true", help="load the base in 4 bits as train does (default: unquantized, f32)")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "env":
            from .env import main as env_main

            env_main()
        elif args.command == "check":
            from .args import describe

            spec = read_spec(args.spec)
            print(f"{args.spec}: a valid {spec['task']} spec; the worker will call\n{describe(spec)}")
        elif args.command == "logits":
            from .logits import main as logits_main

            logits_main(args.model, args.adapter, args.ids, args.nf4)
        elif args.command == "train":
            from .train import run_train

            run_train(read_spec(args.spec, "train"))
        else:
            from .generate import parse_shard, run_generate

            try:
                worker, workers = parse_shard(args.shard)
            except ValueError as error:
                raise WorkerError(str(error)) from None
            run_generate(read_spec(args.spec, "generate"), worker, workers)
    except WorkerError as error:
        print(f"wgml_cuda: {type(error).__name__}: {error}", file=sys.stderr)
        return error.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
