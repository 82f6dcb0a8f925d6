#!/usr/bin/env python3
"""Train the Coherency wound segmentation model on FUSeg and export it to ONNX.

One command does everything (dedup, split, train, evaluate, export, manifest, parity file):

    /usr/bin/python3 native-models/training/train.py --size small --epochs 60 --threads 2

On a CUDA machine with a newer PyTorch the same script runs on the GPU (device auto-detected):

    python native-models/training/train.py --size large --epochs 200

Data: <repo>/../shared/datasets/fuseg/train/{images,labels} (override with --data). Licence of the
data is CC BY-NC (see /work/shared/datasets/fuseg/SOURCE.md), so is the model trained on it.

Preprocessing contract (the TypeScript runtime in main/analysis/segmentation/ mirrors it exactly):
  RGB uint8 -> float [0,1] -> letterbox to a square (centred, zero padded) -> resize each axis to the
  model input size (area average when shrinking, bilinear with half-pixel centres when enlarging)
  -> (x - mean) / std, NCHW float32. The model outputs one channel of LOGITS at the input size; they
  are cropped to the letterboxed content, resized back to the image size (same rule) and a pixel is
  wound where logit > logit(threshold).
For the 512x512 training images this is: 2x2 area average to 256, model, bilinear 256 -> 512.
"""
from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFAULT_DATA = REPO.parent / 'shared' / 'datasets' / 'fuseg' / 'train'
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
THRESHOLD = 0.5

SIZES = {
    # name: encoder widths (stem, then one per down-sampling stage)
    'small': [16, 32, 48, 64, 96],
    'large': [32, 64, 96, 128, 192, 256],
}


# --------------------------------------------------------------------------------------------
# Model: a compact U-Net of plain 3x3 conv-BN-ReLU pairs.
# (Depthwise-separable and 1x1 convs were measured first: on this Debian torch 1.13 build (generic
# BLAS) they run 5-20x slower per FLOP than mkldnn's dense 3x3 path, so dense 3x3 is the cheap choice.)
# The stem halves the resolution; logits are produced at 1/2 and bilinearly enlarged to the input
# size inside the graph, so the ONNX output has the input's height and width.
# --------------------------------------------------------------------------------------------
def cbr(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class WoundUNet(nn.Module):
    def __init__(self, widths: list[int]):
        super().__init__()
        w = widths
        self.stem = nn.Sequential(cbr(3, w[0], 2), cbr(w[0], w[0]))
        self.down = nn.ModuleList(
            nn.Sequential(cbr(w[i], w[i + 1], 2), cbr(w[i + 1], w[i + 1])) for i in range(len(w) - 1)
        )
        # Context at the bottleneck: dilated convs widen the receptive field cheaply.
        self.context = nn.Sequential(cbr(w[-1], w[-1], 1, 2), cbr(w[-1], w[-1], 1, 4))
        self.up = nn.ModuleList(
            nn.Sequential(cbr(w[i] + w[i - 1], w[i - 1]), cbr(w[i - 1], w[i - 1])) for i in range(len(w) - 1, 0, -1)
        )
        self.head = nn.Conv2d(w[0], 1, 1)
        nn.init.constant_(self.head.bias, -4.0)  # wounds are ~1 % of the frame

    def forward(self, x):
        size = x.shape[-2:]
        x = self.stem(x)
        skips = [x]
        for d in self.down:
            x = d(x)
            skips.append(x)
        x = self.context(x)
        skips.pop()
        for u in self.up:
            s = skips.pop()
            x = F.interpolate(x, size=s.shape[-2:], mode='bilinear', align_corners=False)
            x = u(torch.cat([x, s], 1))
        return F.interpolate(self.head(x), size=size, mode='bilinear', align_corners=False)


# --------------------------------------------------------------------------------------------
# Data: decode once, cache as uint8 arrays, dedup, split.
# --------------------------------------------------------------------------------------------
def load_dataset(data_dir: Path, cache_dir: Path):
    names = sorted(p.name for p in (data_dir / 'images').glob('*.png'))
    if not names:
        sys.exit(f'no images under {data_dir / "images"}')
    key = hashlib.sha256(('\n'.join(names) + str(data_dir)).encode()).hexdigest()[:16]
    cache = cache_dir / f'fuseg-{key}.npz'
    if cache.exists():
        z = np.load(cache)
        return names, z['images'], z['masks']
    images = np.zeros((len(names), 512, 512, 3), np.uint8)
    masks = np.zeros((len(names), 512, 512), np.uint8)
    for i, n in enumerate(names):
        im = np.asarray(Image.open(data_dir / 'images' / n).convert('RGB'))
        m = np.asarray(Image.open(data_dir / 'labels' / n).convert('L'))
        if im.shape != (512, 512, 3) or m.shape != (512, 512):
            sys.exit(f'{n}: expected 512x512, got {im.shape} / {m.shape}')
        images[i] = im
        masks[i] = (m > 127).astype(np.uint8)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez(cache, images=images, masks=masks)
    return names, images, masks


def dedup_and_split(names, images, masks, val_fraction: float, seed: int):
    """Groups of pixel-identical images; one representative per group; split by group."""
    groups: dict[str, list[int]] = {}
    for i in range(len(names)):
        h = hashlib.sha256(images[i].tobytes()).hexdigest()
        groups.setdefault(h, []).append(i)
    reps, dropped, dup_groups = [], [], []
    for members in groups.values():
        members.sort(key=lambda i: names[i])
        reps.append(members[0])
        if len(members) > 1:
            dup_groups.append([names[i] for i in members])
            dropped += members[1:]
            same_masks = all(np.array_equal(masks[members[0]], masks[j]) for j in members[1:])
            if not same_masks:
                print(f'note: duplicate group {dup_groups[-1]} has differing masks; kept the first')
    reps.sort(key=lambda i: names[i])
    rng = random.Random(seed)
    order = reps[:]
    rng.shuffle(order)
    n_val = int(round(len(order) * val_fraction))
    val = sorted(order[:n_val], key=lambda i: names[i])
    train = sorted(order[n_val:], key=lambda i: names[i])
    split = {
        'seed': seed,
        'valFraction': val_fraction,
        'note': 'Pixel-identical images were grouped (sha256 of decoded RGB); the first name of each '
                'group (sorted) is kept, the others are dropped; the split is by group.',
        'duplicateGroups': sorted(dup_groups),
        'droppedDuplicates': sorted(names[i] for i in dropped),
        'train': [names[i] for i in train],
        'val': [names[i] for i in val],
    }
    return train, val, split


# --------------------------------------------------------------------------------------------
# Preprocessing shared by evaluation, export parity and (mirrored) the TypeScript runtime.
# --------------------------------------------------------------------------------------------
def resize_axis(x: torch.Tensor, size: int, dim: int) -> torch.Tensor:
    """Resize one spatial axis of an NCHW tensor: area average when shrinking, bilinear when enlarging."""
    n_in = x.shape[dim]
    if n_in == size:
        return x
    if dim == 2:
        tgt = (size, x.shape[3])
    else:
        tgt = (x.shape[2], size)
    if size < n_in:
        return F.adaptive_avg_pool2d(x, tgt)
    return F.interpolate(x, size=tgt, mode='bilinear', align_corners=False)


def resize(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    return resize_axis(resize_axis(x, w, 3), h, 2)


def normalise(x01: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(MEAN, device=x01.device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=x01.device).view(1, 3, 1, 1)
    return (x01 - mean) / std


@torch.no_grad()
def predict_logits_full(model, img_u8: np.ndarray, input_size: int, device) -> torch.Tensor:
    """Square images only (the training data): resize to input, run, resize logits back."""
    h, w = img_u8.shape[:2]
    assert h == w, 'evaluation uses the square training images'
    x = torch.from_numpy(img_u8).to(device).permute(2, 0, 1)[None].float() / 255.0
    x = normalise(resize(x, input_size, input_size))
    logits = model(x)
    return resize(logits, h, w)[0, 0]


def dice_iou(pred: np.ndarray, gt: np.ndarray):
    inter = float(np.logical_and(pred, gt).sum())
    ps, gs = float(pred.sum()), float(gt.sum())
    union = ps + gs - inter
    dice = 1.0 if ps + gs == 0 else 2 * inter / (ps + gs)
    iou = 1.0 if union == 0 else inter / union
    return dice, iou, inter, ps, gs


def evaluate(model, images, masks, idx, input_size, device, names=None):
    model.eval()
    per = []
    tot_i = tot_p = tot_g = 0.0
    thr_logit = math.log(THRESHOLD / (1 - THRESHOLD))
    for i in idx:
        logits = predict_logits_full(model, images[i], input_size, device)
        pred = (logits > thr_logit).cpu().numpy()
        d, j, inter, ps, gs = dice_iou(pred, masks[i] > 0)
        tot_i += inter; tot_p += ps; tot_g += gs
        per.append({'file': names[i] if names else i, 'dice': d, 'iou': j, 'gtPixels': int(gs)})
    agg_dice = 2 * tot_i / max(tot_p + tot_g, 1)
    agg_iou = tot_i / max(tot_p + tot_g - tot_i, 1)
    model.train()
    return {
        'meanDice': float(np.mean([p['dice'] for p in per])),
        'meanIoU': float(np.mean([p['iou'] for p in per])),
        'datasetDice': agg_dice,
        'datasetIoU': agg_iou,
        'perImage': per,
    }


# --------------------------------------------------------------------------------------------
# Augmentation on whole batches (works on CPU and GPU): one affine grid_sample per batch.
# --------------------------------------------------------------------------------------------
class Augmenter:
    def __init__(self, images, masks, input_size, crop_size, device, seed, wound_crop_p=0.6):
        self.images = images
        self.masks = masks
        self.input_size = input_size
        self.size = crop_size
        self.device = device
        self.rng = np.random.default_rng(seed)
        self.wound_crop_p = wound_crop_p
        # Wound pixel coordinates per image (subsampled) for class-aware crops.
        self.wound_pts = []
        for m in masks:
            ys, xs = np.nonzero(m)
            if len(ys) > 2000:
                sel = np.linspace(0, len(ys) - 1, 2000).astype(int)
                ys, xs = ys[sel], xs[sel]
            self.wound_pts.append(np.stack([xs, ys], 1) if len(ys) else None)

    def batch(self, idx):
        rng = self.rng
        b = len(idx)
        img = torch.from_numpy(self.images[idx]).to(self.device).permute(0, 3, 1, 2).float() / 255.0
        msk = torch.from_numpy(self.masks[idx]).to(self.device)[:, None].float()
        src = img.shape[-1]
        theta = np.zeros((b, 2, 3), np.float32)
        for k, i in enumerate(idx):
            # zoom z: 1 = inference scale, 2 = native resolution; log-uniform.
            z = math.exp(rng.uniform(math.log(0.75), math.log(1.75)))
            ang = rng.uniform(-math.pi, math.pi) if rng.random() < 0.5 else rng.integers(4) * math.pi / 2
            # half-width of the window in normalised source coords: at z = 1 one output pixel
            # spans src / input_size source pixels, exactly as at inference.
            half = (self.size / self.input_size) / z
            pts = self.wound_pts[i]
            if pts is not None and rng.random() < self.wound_crop_p:
                p = pts[rng.integers(len(pts))]
                c = (p + 0.5) / src * 2 - 1 + rng.uniform(-0.6, 0.6, 2) * half
            else:
                c = rng.uniform(-1, 1, 2) * max(0.0, 1 - half * 0.5)
            c = np.clip(c, -1, 1)
            cs, sn = math.cos(ang) * half, math.sin(ang) * half
            fx = -1 if rng.random() < 0.5 else 1
            theta[k] = [[cs * fx, -sn, c[0]], [sn * fx, cs, c[1]]]
        theta_t = torch.from_numpy(theta).to(self.device)
        grid = F.affine_grid(theta_t, (b, 3, self.size, self.size), align_corners=False)
        x = F.grid_sample(img, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
        y = F.grid_sample(msk, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
        y = (y > 0.5).float()
        # Colour jitter: brightness, contrast, saturation, per-channel gain, gamma.
        def u(lo, hi):
            return torch.from_numpy(rng.uniform(lo, hi, (b, 1, 1, 1)).astype(np.float32)).to(self.device)
        valid = (x.sum(1, keepdim=True) > 0).float()
        x = x * u(0.75, 1.25)
        mean = x.mean((1, 2, 3), keepdim=True)
        x = (x - mean) * u(0.75, 1.3) + mean
        grey = x.mean(1, keepdim=True)
        x = (x - grey) * u(0.7, 1.3) + grey
        gains = torch.from_numpy(rng.uniform(0.92, 1.08, (b, 3, 1, 1)).astype(np.float32)).to(self.device)
        x = (x * gains).clamp(0, 1) ** u(0.8, 1.25)
        x = x * valid  # keep zero padding black, as in the data
        return normalise(x), y


def loss_fn(logits, target, pos_weight: float = 1.0):
    bce = F.binary_cross_entropy_with_logits(
        logits, target, pos_weight=torch.tensor(pos_weight, device=logits.device))
    p = torch.sigmoid(logits)
    inter = (p * target).sum()
    dice = 1 - (2 * inter + 1) / (p.sum() + target.sum() + 1)
    return bce + dice


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------
def export_onnx(model, path: Path, input_size: int):
    model = model.cpu().eval()
    dummy = torch.zeros(1, 3, input_size, input_size)
    kwargs = dict(opset_version=17, input_names=['input'], output_names=['logits'], do_constant_folding=True)
    if 'dynamo' in inspect.signature(torch.onnx.export).parameters:
        kwargs['dynamo'] = False  # newer PyTorch: keep the TorchScript exporter (fixed shapes)
    torch.onnx.export(model, dummy, str(path), **kwargs)
    import onnx
    m = onnx.load(str(path))
    onnx.checker.check_model(m)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--size', choices=sorted(SIZES), default='small')
    ap.add_argument('--epochs', type=int, default=60)
    ap.add_argument('--max-minutes', type=float, default=0,
                    help='wall-time cap for training; the LR schedule follows whichever of epochs/time runs out first')
    ap.add_argument('--input-size', type=int, default=256)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--crop-size', type=int, default=192, help='training crop (fully convolutional net)')
    ap.add_argument('--lr', type=float, default=3e-3)
    ap.add_argument('--threads', type=int, default=1, help='CPU threads (ignored on GPU)')
    ap.add_argument('--seed', type=int, default=20240611)
    ap.add_argument('--val-fraction', type=float, default=0.15)
    ap.add_argument('--eval-every', type=int, default=5)
    ap.add_argument('--data', type=Path, default=DEFAULT_DATA)
    ap.add_argument('--out', type=Path, default=REPO / 'native-models' / 'wound-seg')
    ap.add_argument('--name', default='wound-seg-unet')
    ap.add_argument('--version', default='1.0.0')
    ap.add_argument('--parity-count', type=int, default=16)
    ap.add_argument('--time-epoch', action='store_true', help='time one epoch and exit')
    ap.add_argument('--smoke', action='store_true',
                    help='pipeline check: 48 train / 12 val images, writes to runs/smoke, not split.json')
    args = ap.parse_args()

    t_start = time.time()
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    if device.type == 'cpu':
        torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    names, images, masks = load_dataset(args.data, HERE / '.cache')
    train_idx, val_idx, split = dedup_and_split(names, images, masks, args.val_fraction, args.seed)
    print(f'{len(names)} images, {len(split["duplicateGroups"])} duplicate groups, '
          f'{len(split["droppedDuplicates"])} dropped; train {len(train_idx)}, val {len(val_idx)}', flush=True)
    if args.smoke:
        train_idx, val_idx = train_idx[:48], val_idx[:12]
        args.out = HERE / 'runs' / 'smoke'
        args.parity_count = 4
    if not args.time_epoch and not args.smoke:
        (HERE / 'split.json').write_text(json.dumps(split, indent=1) + '\n')

    model = WoundUNet(SIZES[args.size]).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f'model {args.size}: {n_params:,} parameters, device {device}, threads {torch.get_num_threads()}', flush=True)

    aug = Augmenter(images, masks, args.input_size, args.crop_size, device, args.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = len(train_idx) // args.batch
    warmup = steps_per_epoch  # one epoch
    rng = np.random.default_rng(args.seed + 1)
    t_train = time.time()
    step = 0
    history = []
    epoch = 0
    stop = False
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(train_idx)
        t_ep = time.time()
        run_loss = 0.0
        for s in range(steps_per_epoch):
            frac_ep = (epoch - 1 + s / steps_per_epoch) / args.epochs
            frac_t = (time.time() - t_train) / (args.max_minutes * 60) if args.max_minutes else 0
            progress = min(1.0, max(frac_ep, frac_t))
            lr = args.lr * min(1.0, (step + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * progress))
            for g in opt.param_groups:
                g['lr'] = lr
            x, y = aug.batch(order[s * args.batch:(s + 1) * args.batch])
            logits = model(x)
            loss = loss_fn(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            run_loss += loss.item()
            step += 1
            if frac_t >= 1.0:
                stop = True
                break
        ep_time = time.time() - t_ep
        msg = f'epoch {epoch}/{args.epochs} loss {run_loss / max(1, s + 1):.4f} lr {lr:.2e} {ep_time:.1f}s'
        if args.time_epoch:
            print(msg, flush=True)
            return
        if epoch % args.eval_every == 0 or epoch == args.epochs or stop:
            ev = evaluate(model, images, masks, val_idx, args.input_size, device)
            history.append({'epoch': epoch, 'meanDice': ev['meanDice'], 'datasetDice': ev['datasetDice']})
            msg += f" | val meanDice {ev['meanDice']:.4f} datasetDice {ev['datasetDice']:.4f} meanIoU {ev['meanIoU']:.4f}"
        print(msg, flush=True)
        if stop:
            print(f'stopping: wall-time cap of {args.max_minutes} min reached', flush=True)
            break
    train_minutes = (time.time() - t_train) / 60

    # Final evaluation of the last model (no checkpoint picking on the validation set).
    model.eval()
    ev = evaluate(model, images, masks, val_idx, args.input_size, device, names)
    print(f"final val: meanDice {ev['meanDice']:.4f} meanIoU {ev['meanIoU']:.4f} "
          f"datasetDice {ev['datasetDice']:.4f} datasetIoU {ev['datasetIoU']:.4f}", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    model_cpu = model.cpu().eval()
    (HERE / 'runs').mkdir(exist_ok=True)
    torch.save(model_cpu.state_dict(), HERE / 'runs' / f'{args.name}.pt')
    onnx_path = args.out / f'{args.name}.onnx'
    export_onnx(model_cpu, onnx_path, args.input_size)

    # Parity file: PyTorch Dice on validation images with a visible wound (deterministic pick).
    with_wound = [r for r in ev['perImage'] if r['gtPixels'] > 0]
    pick = with_wound[:: max(1, len(with_wound) // args.parity_count)][: args.parity_count]
    parity = {
        'threshold': THRESHOLD,
        'dataDir': 'shared/datasets/fuseg/train',
        'note': 'PyTorch Dice per validation image through the documented preprocessing; the ONNX '
                'runtime must reproduce each within 0.01.',
        'images': [{'file': r['file'], 'dice': round(r['dice'], 6)} for r in pick],
    }
    (args.out / 'parity.json').write_text(json.dumps(parity, indent=1) + '\n')

    total_minutes = (time.time() - t_start) / 60
    cmd = '/usr/bin/python3 native-models/training/' + ' '.join([Path(sys.argv[0]).name] + sys.argv[1:])
    manifest = {
        'name': args.name,
        'version': args.version,
        'task': 'wound-segmentation',
        'file': onnx_path.name,
        'sha256': sha256(onnx_path),
        'bytes': onnx_path.stat().st_size,
        'input': {
            'name': 'input', 'shape': [1, 3, args.input_size, args.input_size], 'dtype': 'float32',
            'layout': 'NCHW', 'colorOrder': 'RGB', 'scale': 1 / 255, 'mean': MEAN, 'std': STD,
            'resize': 'letterbox-centre-zero-pad; per axis area average when shrinking, bilinear '
                      '(half-pixel centres) when enlarging',
        },
        'output': {
            'name': 'logits', 'shape': [1, 1, args.input_size, args.input_size], 'dtype': 'float32',
            'meaning': 'logits', 'activation': 'sigmoid',
            'description': 'per-pixel wound logit; probability = sigmoid(logit)',
        },
        'threshold': THRESHOLD,
        'training': {
            'data': 'FUSeg 2021 training split (AZH Wound and Vascular Center / UWM), 810 images, '
                    'deduplicated, split in native-models/training/split.json',
            'dataLicence': 'CC BY-NC',
            'commercialUse': False,
            'command': cmd,
            'size': args.size,
            'parameters': n_params,
            'epochsPlanned': args.epochs,
            'epochsCompleted': epoch,
            'device': str(device),
            'threads': torch.get_num_threads() if device.type == 'cpu' else None,
            'trainWallMinutes': round(train_minutes, 1),
            'totalWallMinutes': round(total_minutes, 1),
            'torch': torch.__version__,
            'seed': args.seed,
        },
        'metrics': {
            'split': 'validation', 'images': len(val_idx),
            'meanDice': round(ev['meanDice'], 4), 'meanIoU': round(ev['meanIoU'], 4),
            'datasetDice': round(ev['datasetDice'], 4), 'datasetIoU': round(ev['datasetIoU'], 4),
            'history': history,
        },
        'licence': 'CC BY-NC (inherited from the training data); non-commercial use only',
    }
    (args.out / 'model.json').write_text(json.dumps(manifest, indent=1) + '\n')
    (HERE / 'runs' / 'val_per_image.json').write_text(json.dumps(ev['perImage'], indent=1))
    print(f'wrote {onnx_path} ({onnx_path.stat().st_size / 1e6:.2f} MB), model.json, parity.json; '
          f'total {total_minutes:.1f} min', flush=True)


if __name__ == '__main__':
    main()
