"""The benchmark's DPO training step in PyTorch, for comparison.

Same model as prefopt's `transformer` policy (pre-norm causal decoder, GELU
in tanh form, no unembedding bias), same batch (chosen and rejected rows of
`context` random byte tokens, prompt in the first half), same loss (DPO,
beta 0.1, against cached reference log-probs) and AdamW with no decay.
Prints one JSON line. `pnpm bench` runs it when Python can import torch.
"""

import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

VOCABULARY = 259  # 256 bytes and the begin, end and padding tokens


class Block(torch.nn.Module):
    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1 = torch.nn.LayerNorm(width, eps=1e-5)
        self.attention_in = torch.nn.Linear(width, 3 * width)
        self.attention_out = torch.nn.Linear(width, width)
        self.norm2 = torch.nn.LayerNorm(width, eps=1e-5)
        self.mlp_in = torch.nn.Linear(width, 4 * width)
        self.mlp_out = torch.nn.Linear(4 * width, width)

    def forward(self, x: torch.Tensor, causal: torch.Tensor) -> torch.Tensor:
        rows, length, width = x.shape
        size = width // self.heads
        q, k, v = self.attention_in(self.norm1(x)).split(width, dim=-1)
        split = lambda t: t.view(rows, length, self.heads, size).transpose(1, 2)
        scores = split(q) @ split(k).transpose(-1, -2) / math.sqrt(size) + causal
        attended = torch.softmax(scores, dim=-1) @ split(v)
        merged = attended.transpose(1, 2).reshape(rows, length, width)
        x = x + self.attention_out(merged)
        return x + self.mlp_out(F.gelu(self.mlp_in(self.norm2(x)), approximate="tanh"))


class Policy(torch.nn.Module):
    def __init__(self, layers: int, width: int, heads: int, context: int):
        super().__init__()
        self.tokens = torch.nn.Embedding(VOCABULARY, width)
        self.positions = torch.nn.Parameter(torch.randn(context, width) * 0.02)
        self.blocks = torch.nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.norm = torch.nn.LayerNorm(width, eps=1e-5)
        self.unembedding = torch.nn.Linear(width, VOCABULARY, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        length = ids.shape[1]
        causal = torch.full((length, length), -1e9).triu(1)
        x = self.tokens(ids) + self.positions[:length]
        for block in self.blocks:
            x = block(x, causal)
        return self.unembedding(self.norm(x))


def completion_log_probs(logits, ids, mask):
    log_probs = torch.log_softmax(logits[:, :-1], dim=-1)
    picked = log_probs.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    return (picked * mask[:, 1:]).sum(-1)


def main() -> None:
    parser = argparse.ArgumentParser()
    for name, default in [("layers", 2), ("width", 64), ("heads", 4), ("context", 64)]:
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--pairs", type=int, default=16)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()

    torch.manual_seed(1)
    policy = Policy(args.layers, args.width, args.heads, args.context)
    optimizer = torch.optim.AdamW(policy.parameters(), lr=5e-4, weight_decay=0)
    rows = 2 * args.pairs
    mask = torch.zeros(rows, args.context)
    mask[:, 1 + (args.context - 2) // 2 :] = 1
    reference = torch.full((args.pairs,), -100.0)

    times = []
    for _ in range(args.warmup + args.steps):
        ids = torch.randint(0, 256, (rows, args.context))
        start = time.perf_counter()
        scores = completion_log_probs(policy(ids), ids, mask)
        chosen, rejected = scores[: args.pairs], scores[args.pairs :]
        margin = 0.1 * ((chosen - reference) - (rejected - reference))
        loss = F.softplus(-margin).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        times.append(time.perf_counter() - start)

    timed = times[args.warmup :]
    print(
        json.dumps(
            {
                "pairs_per_second": round(args.pairs * len(timed) / sum(timed), 2),
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
