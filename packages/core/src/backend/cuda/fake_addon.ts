// A host-memory stand-in for the CUDA addon, for machines without a GPU: every entry point of
// CudaAddon computed in plain JavaScript with the semantics of cuda/src (same argument order,
// same error flag). Tests and benchmarks/gpu run the whole cuda backend on it (the TypeScript
// kernels, the dataId/refcount handling, the fallback, the fused contracts), so on a GPU only
// the device code itself is new. It says nothing about the .cu kernels.
import type { CudaAddon, CudaInit, CudaProbe, Ptr } from './cuda_addon';

const ALIGN = 256;

export function createFakeCudaAddon(): CudaAddon {
  const blocks = new Map<Ptr, ArrayBuffer>();
  let next = 1 << 20;
  let inUse = 0,
    peak = 0,
    mallocs = 0;
  const flag: [number, number, number] = [0, 0, 0];
  /** The allocation holding p and p's byte offset in it (a kernel may point inside an allocation). */
  const locate = (p: Ptr): [ArrayBuffer, number] => {
    const b = blocks.get(p);
    if (b) return [b, 0];
    for (const [base, buffer] of blocks) {
      if (p > base && p < base + buffer.byteLength && (p - base) % 4 === 0) return [buffer, p - base];
    }
    throw new Error(`fake cuda: ${p} is not a live device pointer`);
  };
  /** `bytes` bytes from p (a RangeError past the end of its allocation, as the device would fault). */
  const bytesAt = (p: Ptr, bytes: number): Uint8Array => {
    const [buffer, offset] = locate(p);
    return new Uint8Array(buffer, offset, bytes);
  };
  const f32 = (p: Ptr): Float32Array => {
    const [buffer, offset] = locate(p);
    return new Float32Array(buffer, offset);
  };
  const i32 = (p: Ptr): Int32Array => {
    const [buffer, offset] = locate(p);
    return new Int32Array(buffer, offset);
  };
  const raise = (code: number, value: number, limit: number) => {
    if (flag[0] === 0) [flag[0], flag[1], flag[2]] = [code, value, limit];
  };
  const view = (p: Ptr, dtype: number) => (dtype === 0 ? f32(p) : i32(p));
  const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  const fround = Math.fround;
  // Math mode bf16 rounds matmul operands as the device's cast kernel does (tf32 is not modelled).
  let bf16Operands = false;
  const word = new Float32Array(1),
    bits = new Uint32Array(word.buffer);
  const operand = (x: Float32Array, offset: number, count: number): Float32Array => {
    if (!bf16Operands) return x;
    const out = x.slice();
    for (let i = offset; i < offset + count && i < out.length; i++) out[i] = toBf16(out[i]);
    return out;
  };
  /** float32 -> bfloat16 -> float32, round to nearest even (as __float2bfloat16_rn). */
  const toBf16 = (v: number): number => {
    word[0] = v;
    const u = bits[0];
    if ((u & 0x7f800000) === 0x7f800000) bits[0] = (u & 0xffff0000) | (u & 0xffff ? 0x400000 : 0);
    else bits[0] = (u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000;
    return word[0];
  };

  const binaryOp = (op: number, x: number, y: number, isInt: boolean): number => {
    let r: number;
    switch (op) {
      case 0:
        r = x + y;
        break;
      case 1:
        r = x - y;
        break;
      case 2:
        r = isInt ? Math.imul(x, y) : x * y;
        break;
      case 3:
        r = x / y;
        break;
      case 4:
        r = Math.max(x, y);
        break;
      case 5:
        r = Math.min(x, y);
        break;
      case 6:
        r = (x - y) * (x - y);
        break;
      default:
        r = x ** y;
    }
    return r;
  };
  const unaryOp = (op: number, v: number): number => {
    switch (op) {
      case 0:
        return Math.exp(v);
      case 1:
        return -v;
      case 2:
        return Math.sqrt(v);
      case 3:
        return 1 / Math.sqrt(v);
      case 4:
        return v * v;
      case 5:
        return 1 / (1 + Math.exp(-v));
      case 6:
        return Math.log(v);
      case 7:
        return Math.max(v, 0);
      case 8:
        return Math.tanh(v);
      case 9:
        return Math.abs(v);
      case 10:
        return 1 / v;
      case 11:
        return Math.cos(v);
      case 12:
        return Math.sin(v);
      default:
        return Math.floor(v);
    }
  };
  // Row-major C[m, n] = op(A)·op(B) for one batch at element offsets.
  const gemmOne = (
    a: Float32Array,
    ao: number,
    b: Float32Array,
    bo: number,
    c: Float32Array,
    co: number,
    m: number,
    n: number,
    k: number,
    ta: boolean,
    tb: boolean,
    beta = 0,
  ) => {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a[ao + (ta ? p * m + i : i * k + p)] * b[bo + (tb ? j * k + p : p * n + j)];
        c[co + i * n + j] = beta === 0 ? acc : acc + beta * c[co + i * n + j];
      }
    }
  };

  const addon: CudaAddon = {
    probe: (): CudaProbe => ({ ok: true, reason: '', device: 'fake (host memory)', cc: '0.0', totalBytes: 2 ** 30 }),
    init: (): CudaInit => ({
      device: 'fake (host memory)',
      cc: '0.0',
      totalBytes: 2 ** 30,
      cublas: 'none',
      cublasVersion: 0,
    }),
    setMathMode: (mode) => {
      bf16Operands = mode === 'bf16';
    },
    malloc: (bytes) => {
      const p = next;
      next += Math.ceil(Math.max(bytes, 1) / ALIGN) * ALIGN;
      blocks.set(p, new ArrayBuffer(Math.ceil(bytes / 4) * 4));
      inUse += bytes;
      peak = Math.max(peak, inUse);
      mallocs++;
      return p;
    },
    free: (p) => {
      const b = blocks.get(p);
      if (!b) throw new Error(`fake cuda: free of ${p}, not a live device pointer`);
      inUse -= b.byteLength;
      blocks.delete(p);
    },
    emptyCache: () => {},
    memoryStats: () => ({ inUse, cached: 0, peak, mallocs }),
    resetPeak: () => {
      peak = inUse;
    },
    upload: (dst, values) =>
      bytesAt(dst, values.byteLength).set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)),
    download: (src, out) =>
      new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytesAt(src, out.byteLength)),
    copy: (dst, src, bytes) => bytesAt(dst, bytes).set(bytesAt(src, bytes)),
    memset0: (p, bytes) => bytesAt(p, bytes).fill(0),
    sync: () => {
      const r: [number, number, number] = [...flag];
      flag.fill(0);
      return r;
    },
    eventRecord: () => performance.now(),
    eventDone: () => true,
    eventElapsed: (a, b) => b - a,
    eventDestroy: () => {},
    binary: (op, dtype, a, b, out, shape, as, bs) => {
      const A = view(a, dtype),
        B = view(b, dtype),
        O = view(out, dtype);
      const n = size(shape);
      for (let i = 0; i < n; i++) {
        let rest = i,
          ao = 0,
          bo = 0;
        for (let d = shape.length - 1; d >= 0; d--) {
          const c = rest % shape[d];
          rest = Math.floor(rest / shape[d]);
          ao += c * as[d];
          bo += c * bs[d];
        }
        O[i] = binaryOp(op, A[ao], B[bo], dtype === 1);
      }
    },
    unary: (op, x, out, n) => {
      const X = f32(x),
        O = f32(out);
      for (let i = 0; i < n; i++) O[i] = unaryOp(op, X[i]);
    },
    cast: (x, out, n, from, to, toBool) => {
      const X = view(x, from),
        O = view(out, toBool ? 1 : to);
      for (let i = 0; i < n; i++) O[i] = toBool ? (X[i] !== 0 ? 1 : 0) : to === 1 ? Math.trunc(X[i]) : X[i];
    },
    range: (out, n, start, delta, dtype) => {
      const O = view(out, dtype);
      for (let i = 0; i < n; i++) O[i] = start + delta * i;
    },
    fill: (out, n, value, dtype) => view(out, dtype).fill(value, 0, n),
    stridedCopy: (src, dst, iter, ss, sm, ds, so, dso) => {
      const S = i32(src),
        D = i32(dst);
      const n = size(iter);
      for (let i = 0; i < n; i++) {
        let rest = i,
          s = so,
          d = dso;
        for (let k = iter.length - 1; k >= 0; k--) {
          const c = rest % iter[k];
          rest = Math.floor(rest / iter[k]);
          s += (c % sm[k]) * ss[k];
          d += c * ds[k];
        }
        D[d] = S[s];
      }
    },
    reduce: (op, dtype, x, out, outer, len, inner) => {
      const X = view(x, dtype),
        O = view(out, dtype);
      for (let o = 0; o < outer; o++) {
        for (let r = 0; r < inner; r++) {
          let acc = op === 1 ? -Infinity : op === 2 ? Infinity : 0;
          for (let j = 0; j < len; j++) {
            const v = X[(o * len + j) * inner + r];
            acc = op === 1 ? Math.max(acc, v) : op === 2 ? Math.min(acc, v) : fround(acc + v);
          }
          O[o * inner + r] = op === 3 ? acc / len : acc;
        }
      }
    },
    argMaxRows: (x, out, rows, cols) => {
      const X = f32(x),
        O = i32(out);
      for (let r = 0; r < rows; r++) {
        let best = 0;
        for (let j = 1; j < cols; j++) if (X[r * cols + j] > X[r * cols + best]) best = j;
        O[r] = best;
      }
    },
    gather: (x, indices, out, outer, axisLen, inner, nIdx) => {
      const X = i32(x),
        I = i32(indices),
        O = i32(out);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < nIdx; j++) {
          const idx = I[j];
          const ok = idx >= 0 && idx < axisLen;
          if (!ok) raise(1, idx, axisLen);
          for (let r = 0; r < inner; r++) O[(o * nIdx + j) * inner + r] = ok ? X[(o * axisLen + idx) * inner + r] : 0;
        }
      }
    },
    segmentSum: (x, ids, out, rows, inner, segments) => {
      const X = f32(x),
        I = i32(ids),
        O = f32(out);
      O.fill(0, 0, segments * inner);
      for (let r = 0; r < rows; r++) {
        const s = I[r];
        if (s >= 0 && s < segments) for (let j = 0; j < inner; j++) O[s * inner + j] += X[r * inner + j];
      }
    },
    gemm: (a, b, c, batch, m, n, k, ta, tb, sa, sb, sc, beta = 0) => {
      const A = operand(f32(a), 0, (batch - 1) * sa + m * k),
        B = operand(f32(b), 0, (batch - 1) * sb + k * n),
        C = f32(c);
      for (let i = 0; i < batch; i++) gemmOne(A, i * sa, B, i * sb, C, i * sc, m, n, k, ta, tb, beta);
    },
    gemmIndexed: (a, b, c, m, n, k, ta, tb, ai, bi) => {
      const A = operand(f32(a), 0, (Math.max(-1, ...ai) + 1) * m * k),
        B = operand(f32(b), 0, (Math.max(-1, ...bi) + 1) * k * n),
        C = f32(c);
      for (let i = 0; i < ai.length; i++) gemmOne(A, ai[i] * m * k, B, bi[i] * k * n, C, i * m * n, m, n, k, ta, tb);
    },
    rmsNormForward: (x, w, y, rstd, rows, h, eps) => {
      const X = f32(x),
        W = f32(w),
        Y = f32(y),
        R = f32(rstd);
      for (let r = 0; r < rows; r++) {
        let ss = 0;
        for (let j = 0; j < h; j++) ss += X[r * h + j] ** 2;
        const inv = 1 / Math.sqrt(ss / h + eps);
        R[r] = inv;
        for (let j = 0; j < h; j++) Y[r * h + j] = X[r * h + j] * inv * W[j];
      }
    },
    rmsNormBackward: (dy, x, w, rstd, dx, dw, rows, h) => {
      const DY = f32(dy),
        X = f32(x),
        W = f32(w),
        R = f32(rstd),
        DX = f32(dx),
        DW = f32(dw);
      DW.fill(0, 0, h);
      for (let r = 0; r < rows; r++) {
        let dot = 0;
        for (let j = 0; j < h; j++) dot += DY[r * h + j] * W[j] * X[r * h + j];
        const rs = R[r],
          c = (rs * rs * rs * dot) / h;
        for (let j = 0; j < h; j++) {
          DX[r * h + j] = rs * DY[r * h + j] * W[j] - X[r * h + j] * c;
          DW[j] += DY[r * h + j] * X[r * h + j] * rs;
        }
      }
    },
    rope: (x, cos, sin, out, b, heads, s, d, cosBatches, sign) => {
      const X = f32(x),
        C = f32(cos),
        S = f32(sin),
        O = f32(out);
      const half = d / 2;
      for (let row = 0; row < b * heads * s; row++) {
        const pos = row % s,
          bi = Math.floor(row / (heads * s));
        for (let j = 0; j < half; j++) {
          const ci = ((cosBatches === 1 ? 0 : bi) * s + pos) * half + j;
          const c = C[ci],
            sv = sign * S[ci];
          const x1 = X[row * d + j],
            x2 = X[row * d + half + j];
          O[row * d + j] = x1 * c - x2 * sv;
          O[row * d + half + j] = x2 * c + x1 * sv;
        }
      }
    },
    swigluForward: (g, u, out, n) => {
      const G = f32(g),
        U = f32(u),
        O = f32(out);
      for (let i = 0; i < n; i++) O[i] = (G[i] / (1 + Math.exp(-G[i]))) * U[i];
    },
    swigluBackward: (dy, g, u, dg, du, n) => {
      const DY = f32(dy),
        G = f32(g),
        U = f32(u),
        DG = f32(dg),
        DU = f32(du);
      for (let i = 0; i < n; i++) {
        const sig = 1 / (1 + Math.exp(-G[i]));
        DG[i] = DY[i] * U[i] * sig * (1 + G[i] * (1 - sig));
        DU[i] = DY[i] * G[i] * sig;
      }
    },
    crossEntropyForward: (logits, labels, lse, rowLoss, loss, rows, vocab) => {
      const X = f32(logits),
        L = i32(labels),
        S = f32(lse),
        RL = f32(rowLoss),
        O = f32(loss);
      let total = 0;
      for (let r = 0; r < rows; r++) {
        let m = -Infinity;
        for (let j = 0; j < vocab; j++) m = Math.max(m, X[r * vocab + j]);
        let se = 0;
        for (let j = 0; j < vocab; j++) se += Math.exp(X[r * vocab + j] - m);
        S[r] = m + Math.log(se);
        const label = L[r];
        if (label === -100) RL[r] = 0;
        else if (label < 0 || label >= vocab) {
          raise(2, label, vocab);
          RL[r] = 0;
        } else RL[r] = S[r] - X[r * vocab + label];
        total += RL[r];
      }
      O[0] = total;
    },
    crossEntropyBackward: (logits, labels, lse, dy, dlogits, rows, vocab) => {
      const X = f32(logits),
        L = i32(labels),
        S = f32(lse),
        G = f32(dy)[0],
        D = f32(dlogits);
      for (let r = 0; r < rows; r++) {
        const label = L[r];
        const kept = label !== -100 && label >= 0 && label < vocab;
        for (let j = 0; j < vocab; j++) {
          D[r * vocab + j] = kept ? G * (Math.exp(X[r * vocab + j] - S[r]) - (j === label ? 1 : 0)) : 0;
        }
      }
    },
    attentionForward: (q, k, v, seg, out, lse, b, hq, hkv, s, t, d, scale) => {
      const Q = f32(q),
        K = f32(k),
        V = f32(v),
        SEG = seg ? i32(seg) : null,
        O = f32(out),
        LSE = f32(lse);
      for (let row = 0; row < b * hq * s; row++) {
        const i = row % s,
          h = Math.floor(row / s) % hq,
          bi = Math.floor(row / (s * hq));
        const kvh = Math.floor(h / (hq / hkv)),
          pos = t - s + i,
          base = (bi * hkv + kvh) * t * d;
        const scores: number[] = [];
        let m = -Infinity;
        for (let j = 0; j <= pos; j++) {
          if (SEG && SEG[bi * t + j] !== SEG[bi * t + pos]) {
            scores.push(-Infinity);
            continue;
          }
          let dot = 0;
          for (let e = 0; e < d; e++) dot += Q[row * d + e] * scale * K[base + j * d + e];
          scores.push(dot);
          m = Math.max(m, dot);
        }
        let l = 0;
        const acc = new Float64Array(d);
        scores.forEach((sc, j) => {
          const p = Math.exp(sc - m);
          l += p;
          for (let e = 0; e < d; e++) acc[e] += p * V[base + j * d + e];
        });
        for (let e = 0; e < d; e++) O[row * d + e] = acc[e] / l;
        LSE[row] = m + Math.log(l);
      }
    },
    attentionBackward: (q, k, v, seg, out, lse, dout, dq, dk, dv, _delta, b, hq, hkv, s, t, d, scale) => {
      const Q = f32(q),
        K = f32(k),
        V = f32(v),
        SEG = seg ? i32(seg) : null,
        O = f32(out),
        LSE = f32(lse),
        DO = f32(dout);
      const DQ = f32(dq),
        DK = f32(dk),
        DV = f32(dv);
      DK.fill(0, 0, b * hkv * t * d);
      DV.fill(0, 0, b * hkv * t * d);
      for (let row = 0; row < b * hq * s; row++) {
        const i = row % s,
          h = Math.floor(row / s) % hq,
          bi = Math.floor(row / (s * hq));
        const kvh = Math.floor(h / (hq / hkv)),
          pos = t - s + i,
          base = (bi * hkv + kvh) * t * d;
        let delta = 0;
        for (let e = 0; e < d; e++) delta += O[row * d + e] * DO[row * d + e];
        const dqr = new Float64Array(d);
        for (let j = 0; j <= pos; j++) {
          if (SEG && SEG[bi * t + j] !== SEG[bi * t + pos]) continue;
          let dot = 0,
            dp = 0;
          for (let e = 0; e < d; e++) {
            dot += Q[row * d + e] * K[base + j * d + e];
            dp += DO[row * d + e] * V[base + j * d + e];
          }
          const p = Math.exp(scale * dot - LSE[row]);
          const ds = p * (dp - delta) * scale;
          for (let e = 0; e < d; e++) {
            dqr[e] += ds * K[base + j * d + e];
            DK[base + j * d + e] += ds * Q[row * d + e];
            DV[base + j * d + e] += p * DO[row * d + e];
          }
        }
        for (let e = 0; e < d; e++) DQ[row * d + e] = dqr[e];
      }
    },
    adamw: (param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step, gradScale) => {
      const P = f32(param),
        G = f32(grad),
        M = f32(m),
        V = f32(v);
      // The device kernel's float32 constants (derived in float64 on the host, then rounded).
      const b1 = fround(beta1),
        omb1 = fround(1 - beta1),
        b2 = fround(beta2),
        omb2 = fround(1 - beta2);
      const decay = fround(1 - fround(fround(lr) * fround(weightDecay)));
      const stepSize = fround(fround(lr) / (1 - beta1 ** step));
      const invSqrtBias2 = fround(1 / Math.sqrt(1 - beta2 ** step));
      const e = fround(eps),
        gs = fround(gradScale);
      for (let i = 0; i < n; i++) {
        const g = fround(G[i] * gs);
        const mi = fround(fround(b1 * M[i]) + fround(omb1 * g));
        const vi = fround(fround(b2 * V[i]) + fround(fround(omb2 * g) * g));
        M[i] = mi;
        V[i] = vi;
        const denom = fround(fround(fround(Math.sqrt(vi)) * invSqrtBias2) + e);
        P[i] = fround(fround(P[i] * decay) - fround(fround(stepSize * mi) / denom));
      }
    },
    sumSquares: (ptrs, sizes, out) => {
      let total = 0;
      ptrs.forEach((p, t) => {
        if (sizes[t] === 0) return;
        const X = f32(p);
        for (let i = 0; i < sizes[t]; i++) total += X[i] * X[i];
      });
      f32(out)[0] = total;
    },
  };
  return addon;
}
