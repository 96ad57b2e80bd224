#!/usr/bin/env python3
"""The Cognate model in PyTorch eager, for bench/step_floor: the same shapes and the same
forward and loss as model/*.cpp (blocks, LTM scan as one matrix product, MAG gate, TRM
refiner with deep supervision, ACT BCE), timed forward + backward on random tokens; and
the matmul FLOPs of one forward counted from the shapes, which step_floor also uses for
cogworker's figures.

Usage: step_floor_eager.py flops PRESET BATCH SEQ
       step_floor_eager.py time PRESET BATCH SEQ THREADS STEPS
Prints one JSON object. The presets mirror model/model_config.cpp (presetConfig and the
reasoning variant, dropout 0 as configs/models/tiny-reasoning.yaml sets it); `params` lets a
reader check it against `cogworker summary --preset P --variant reasoning`.
"""
import json
import math
import sys
import time

PRESETS = {
    "default": dict(vocab=50257, d=320, layers=8, heads=5, hd=64, ff=1280, max_seq=1024, window=256,
                    d_mem=160, decay=0.99, t_max=3, micro=2, weights=[0.33, 0.5, 0.75, 1.0]),
    "tiny": dict(vocab=259, d=192, layers=3, heads=6, hd=32, ff=512, max_seq=256, window=128,
                 d_mem=96, decay=0.99, t_max=3, micro=1, weights=[0.33, 0.5, 0.75, 1.0]),
}


def forward_flops(c, batch, seq):
    """Multiply-adds x 2 of every matrix product in one forward; elementwise work left out.
    Attention scores and the scan count the full T x T product the code computes (masking
    happens after it)."""
    t, d, inner = seq, c["d"], c["heads"] * c["hd"]
    attention = 4 * 2 * t * d * inner + 2 * 2 * t * t * inner  # q, k, v, o; scores and probs @ v
    mlp = 3 * 2 * t * d * c["ff"]
    blocks = c["layers"] * (attention + mlp)
    memory = 2 * 2 * t * d * c["d_mem"] + 2 * t * t * c["d_mem"]
    gate = 2 * t * 2 * d * d + 2 * t * d * d
    latent = 2 * attention + mlp  # self-attention, cross-attention, MLP
    refiner = c["t_max"] * (c["micro"] * latent + 2 * t * 2 * d * d + 2 * t * d)  # + update, halt
    logits = (c["t_max"] + 1) * 2 * t * d * c["vocab"]  # every deep-supervision state
    return batch * (blocks + memory + gate + refiner + logits)


def build_model(c):
    import torch
    from torch import nn
    import torch.nn.functional as F

    class RmsNorm(nn.Module):
        def __init__(self, dim):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(dim))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.weight

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            inner = c["heads"] * c["hd"]
            self.wq, self.wk, self.wv = (nn.Linear(c["d"], inner, bias=False) for _ in range(3))
            self.wo = nn.Linear(inner, c["d"], bias=False)

        def forward(self, q_in, kv_in):
            b, t, _ = q_in.shape
            heads = lambda x: x.view(b, t, c["heads"], c["hd"]).transpose(1, 2)
            q, k, v = heads(self.wq(q_in)), heads(self.wk(kv_in)), heads(self.wv(kv_in))
            scores = q @ k.transpose(-2, -1) / math.sqrt(c["hd"])
            pos = torch.arange(t)
            allowed = (pos[None, :] <= pos[:, None]) & (pos[:, None] - pos[None, :] < c["window"])
            scores = scores.masked_fill(~allowed, float("-inf"))
            out = (torch.softmax(scores, -1) @ v).transpose(1, 2).reshape(b, t, -1)
            return self.wo(out)

    class SwiGlu(nn.Module):
        def __init__(self):
            super().__init__()
            self.w_in = nn.Linear(c["d"], c["ff"], bias=False)
            self.w_up = nn.Linear(c["d"], c["ff"], bias=False)
            self.w_down = nn.Linear(c["ff"], c["d"], bias=False)

        def forward(self, x):
            return self.w_down(F.silu(self.w_in(x)) * self.w_up(x))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1, self.attn, self.norm2, self.mlp = RmsNorm(c["d"]), Attention(), RmsNorm(c["d"]), SwiGlu()

        def forward(self, x):
            h = self.norm1(x)
            x = x + self.attn(h, h)
            return x + self.mlp(self.norm2(x))

    class Cognate(nn.Module):
        def __init__(self):
            super().__init__()
            d = c["d"]
            self.tok_emb, self.pos_emb = nn.Embedding(c["vocab"], d), nn.Embedding(c["max_seq"], d)
            self.blocks = nn.ModuleList(Block() for _ in range(c["layers"]))
            self.mem_down = nn.Linear(d, c["d_mem"], bias=False)
            self.mem_up = nn.Linear(c["d_mem"], d, bias=False)
            self.gate_in, self.gate_out = nn.Linear(2 * d, d), nn.Linear(d, d)
            self.norm_self, self.self_attn = RmsNorm(d), Attention()
            self.norm_query, self.norm_answer, self.cross_attn = RmsNorm(d), RmsNorm(d), Attention()
            self.norm_mlp, self.mlp = RmsNorm(d), SwiGlu()
            self.norm_update_y, self.norm_update_z = RmsNorm(d), RmsNorm(d)
            self.update = nn.Linear(2 * d, d, bias=False)
            self.halt = nn.Linear(d, 1)
            self.final_norm = RmsNorm(d)

        def loss(self, tokens, targets):
            t = tokens.shape[1]
            x = self.tok_emb(tokens) + self.pos_emb(torch.arange(t))[None]
            for block in self.blocks:
                x = block(x)
            pos = torch.arange(t, dtype=torch.float64)
            lag = pos[:, None] - pos[None, :]
            scan = ((1 - c["decay"]) * torch.exp(lag.clamp_min(0) * math.log(c["decay"]))).masked_fill(lag < 0, 0)
            m = self.mem_up(scan.float() @ self.mem_down(x))
            gate_logits = self.gate_out(F.relu(self.gate_in(torch.cat([x, m], -1))))
            g = torch.sigmoid(gate_logits)
            entropy = -(g * F.logsigmoid(gate_logits) + (1 - g) * F.logsigmoid(-gate_logits)).mean()
            y = z = g * x + (1 - g) * m
            states, halts = [y], []
            for _ in range(c["t_max"]):
                for _ in range(c["micro"]):
                    h = self.norm_self(z)
                    z = z + self.self_attn(h, h)
                    z = z + self.cross_attn(self.norm_query(z), self.norm_answer(y))
                    z = z + self.mlp(self.norm_mlp(z))
                y = y + self.update(torch.cat([self.norm_update_y(y), self.norm_update_z(z)], -1))
                states.append(y)
                halts.append(self.halt(z).squeeze(-1))
            flat_targets = targets.reshape(-1)
            weighted, act = 0.0, 0.0
            for i, s in enumerate(states):
                logits = (self.final_norm(s) @ self.tok_emb.weight.t()).reshape(-1, c["vocab"])
                weighted = weighted + c["weights"][i] * F.cross_entropy(logits, flat_targets)
                if i >= 1:
                    correct = (logits.detach().argmax(-1) == flat_targets).float()
                    act = act + F.binary_cross_entropy_with_logits(halts[i - 1].reshape(-1), correct)
            return weighted / sum(c["weights"]) + 0.1 * act / len(halts) - 1e-3 * entropy

    return Cognate()


def main():
    mode, preset, batch, seq = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    c = PRESETS[preset]
    out = dict(preset=preset, batch=batch, seq=seq, forward_flops=forward_flops(c, batch, seq))
    if mode == "time":
        import torch
        threads, steps = int(sys.argv[5]), int(sys.argv[6])
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        model = build_model(c)
        out["params"] = sum(p.numel() for p in model.parameters())
        tokens = torch.randint(0, c["vocab"], (batch, seq))
        targets = torch.randint(0, c["vocab"], (batch, seq))
        times = []
        for _ in range(steps + 1):  # the first warms caches up
            start = time.perf_counter()
            model.zero_grad(set_to_none=True)
            model.loss(tokens, targets).backward()
            times.append(time.perf_counter() - start)
        times = sorted(times[1:])
        out.update(threads=threads, torch=torch.__version__, fwd_bwd_seconds=times[len(times) // 2])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
