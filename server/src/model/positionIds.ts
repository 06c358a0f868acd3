/**
 * The decoder's position_ids for any run of tokens of a prompt and its continuation. Families
 * differ: 1-D positions counted from 0 (LLaVA, SmolVLM) or 1 (Gemma-3 graphs that take them),
 * and Qwen2-VL's M-RoPE, three rows (time, height, width) over the image grid, after which
 * generated tokens continue at `position + rope delta` on all three rows. Asking by range lets
 * a KV cache of a prompt's prefix be reused with the suffix's own positions.
 */

export interface PositionIds {
  data: BigInt64Array;
  /** [1, count] for 1-D positions, [rows, 1, count] for multi-row (M-RoPE) ones. */
  dims: number[];
}

export interface PromptPositions {
  /** Positions of tokens `from` .. `from + count - 1` of the sequence (prompt, then generated tokens). */
  at(from: number, count: number): PositionIds;
}

/** 1-D positions: token k sits at `offset + k`. */
export function linearPositions(offset = 0): PromptPositions {
  return {
    at: (from, count) => ({ data: BigInt64Array.from({ length: count }, (_, i) => BigInt(offset + from + i)), dims: [1, count] }),
  };
}

/**
 * Multi-row positions given for every prompt token (`rows[r][k]`); token k >= prompt length
 * continues at `k + delta` on every row, where delta = (largest prompt position + 1) - prompt
 * length (Qwen2-VL's rope delta).
 */
export function tablePositions(rows: readonly (readonly number[])[]): PromptPositions {
  const length = rows[0]?.length ?? 0;
  let max = -1;
  for (const row of rows) for (const v of row) max = Math.max(max, v);
  const delta = max + 1 - length;
  return {
    at(from, count) {
      const data = new BigInt64Array(rows.length * count);
      rows.forEach((row, r) => {
        for (let i = 0; i < count; i++) {
          const k = from + i;
          data[r * count + i] = BigInt(k < length ? row[k] : k + delta);
        }
      });
      return { data, dims: [rows.length, 1, count] };
    },
  };
}
