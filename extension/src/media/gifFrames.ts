/**
 * How many frames a GIF holds, from its block structure (GIF89a spec: header, logical screen
 * descriptor and its colour table, then extension blocks, image descriptors and the trailer),
 * so an animated GIF opens as a video (all its frames) rather than silently as its first frame.
 * Hand-read because the extension host loads no native image library (sharp lives in the
 * server) and only the block walk is needed, never the pixels. Pure; stops at the first frame
 * past `atLeast` or at malformed data (counting what it read).
 */
export function gifFrameCount(bytes: Uint8Array, atLeast = Infinity): number {
  const ascii = String.fromCharCode(...bytes.subarray(0, 6));
  if (ascii !== 'GIF87a' && ascii !== 'GIF89a') return 0;
  let at = 13;
  const colourTable = (flags: number) => ((flags & 0x80) !== 0 ? 3 * (1 << ((flags & 0x07) + 1)) : 0);
  at += colourTable(bytes[10] ?? 0);
  // sub-blocks: a size byte then that many bytes, ended by a size of 0
  const skipSubBlocks = () => {
    while (at < bytes.length && bytes[at] !== 0) at += bytes[at] + 1;
    at += 1;
  };
  let frames = 0;
  while (at < bytes.length && frames < atLeast) {
    const block = bytes[at];
    if (block === 0x3b) break; // trailer
    if (block === 0x21) {
      at += 2; // introducer and label
      skipSubBlocks();
    } else if (block === 0x2c) {
      frames += 1;
      const flags = bytes[at + 9] ?? 0;
      at += 10 + colourTable(flags) + 1; // descriptor, local colour table, LZW minimum code size
      skipSubBlocks();
    } else {
      break;
    }
  }
  return frames;
}
