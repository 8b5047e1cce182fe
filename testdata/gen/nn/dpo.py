"""DPO steps of a small Llama in PyTorch, for nn/train's DPO trainer.

Policy: the Llama fixture of train.py (nn/testdata/train/llama/init).
Reference: the same weights plus noise, written to nn/testdata/dpo/ref/.
Data: six preference pairs of token ids, nn/testdata/dpo/data.jsonl.

For each loss (sigmoid with label smoothing 0.1, ipo, hinge), two AdamW
steps over batches of three pairs in file order, constant learning rate, no
clipping; written to nn/testdata/dpo/<loss>/: run.json (per step the loss
and TRL's reward metrics), grads_<step>.safetensors (every gradient of
each step) and final.safetensors (every weight after the steps). The loss follows TRL's DPOTrainer: log-probabilities summed over the
response tokens (averaged per token for ipo), margin = (policy - reference)
of chosen minus that of rejected, the mean over the batch.

Run with Debian's PyTorch: /usr/bin/python3 testdata/gen/nn/dpo.py
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "engine"))
import reference  # noqa: E402
import st  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SRC = os.path.join(ROOT, "nn", "testdata", "train", "llama", "init")
OUT = os.path.join(ROOT, "nn", "testdata", "dpo")
VOCAB = 64


def load(path):
    import struct
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(info["shape"]).clone()
    return out


def seq_logps(cfg, w, prompt, resp, average):
    ids = prompt + resp
    logits, _ = reference.llama_forward(cfg, w, torch.tensor(ids))
    lp = F.log_softmax(logits[:-1], dim=-1).gather(1, torch.tensor(ids[1:])[:, None])[:, 0]
    r = lp[len(prompt) - 1:]
    return r.mean() if average else r.sum()


def main():
    cfg = json.load(open(os.path.join(SRC, "config.json")))
    init = load(os.path.join(SRC, "model.safetensors"))
    g = torch.Generator().manual_seed(7)
    ref = {k: v + torch.randn(v.shape, generator=g) * 0.02 for k, v in init.items()}
    os.makedirs(os.path.join(OUT, "ref"), exist_ok=True)
    with open(os.path.join(OUT, "ref", "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    st.save(os.path.join(OUT, "ref", "model.safetensors"), ref, {"format": "pt"})

    def rand_ids(lo, hi):
        n = int(torch.randint(lo, hi + 1, (1,), generator=g))
        return torch.randint(0, VOCAB, (n,), generator=g).tolist()
    pairs = [(rand_ids(3, 6), rand_ids(2, 6), rand_ids(2, 6)) for _ in range(6)]
    with open(os.path.join(OUT, "data.jsonl"), "w") as f:
        for p, c, r in pairs:
            f.write(json.dumps({"prompt_ids": p, "chosen_ids": c, "rejected_ids": r}) + "\n")

    runs = {"sigmoid": dict(beta=0.1, smoothing=0.1), "ipo": dict(beta=0.5, smoothing=0.0), "hinge": dict(beta=0.1, smoothing=0.0)}
    for loss_type, spec in runs.items():
        beta, eps = spec["beta"], spec["smoothing"]
        average = loss_type == "ipo"
        with torch.no_grad():
            refs = [(seq_logps(cfg, ref, p, c, average).item(), seq_logps(cfg, ref, p, r, average).item()) for p, c, r in pairs]
        params = {k: v.clone().requires_grad_(True) for k, v in init.items()}
        opt = torch.optim.AdamW(list(params.values()), lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
        steps, grads = [], []
        for step in range(2):
            batch = list(range(3 * step, 3 * step + 3))
            opt.zero_grad()
            losses, rc, rr = [], [], []
            for i in batch:
                p, c, r = pairs[i]
                lc = seq_logps(cfg, params, p, c, average) - refs[i][0]
                lr = seq_logps(cfg, params, p, r, average) - refs[i][1]
                m = lc - lr
                if loss_type == "sigmoid":
                    loss = -F.logsigmoid(beta * m) * (1 - eps) - F.logsigmoid(-beta * m) * eps
                elif loss_type == "ipo":
                    loss = (m - 1 / (2 * beta)) ** 2
                else:
                    loss = torch.relu(1 - beta * m)
                losses.append(loss)
                rc.append(beta * lc.item())
                rr.append(beta * lr.item())
            total = torch.stack(losses).mean()
            total.backward()
            grads.append({k: v.grad.detach().clone() for k, v in params.items()})
            opt.step()
            n = len(batch)
            steps.append({"loss": total.item(), "rewards_chosen": sum(rc) / n, "rewards_rejected": sum(rr) / n,
                          "reward_accuracy": sum(1.0 for a, b in zip(rc, rr) if a > b) / n,
                          "reward_margin": sum(a - b for a, b in zip(rc, rr)) / n})
        d = os.path.join(OUT, loss_type)
        os.makedirs(d, exist_ok=True)
        st.save(os.path.join(d, "final.safetensors"), {k: v.detach() for k, v in params.items()}, {"format": "pt"})
        for i, gr in enumerate(grads):
            st.save(os.path.join(d, f"grads_{i + 1}.safetensors"), gr, {"format": "pt"})
        with open(os.path.join(d, "run.json"), "w") as f:
            json.dump({"torch": torch.__version__, "beta": beta, "label_smoothing": eps, "steps": steps}, f, indent=2)
        print(loss_type, [round(s["loss"], 6) for s in steps])


if __name__ == "__main__":
    main()
