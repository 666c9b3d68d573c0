/**
 * The camera picture of the bandwidth benchmark: a Y4M clip that Chromium
 * plays as its fake camera (--use-file-for-fake-video-capture), looping.
 * Chromium's own fake camera draws a mostly still picture its encoder sends
 * at a fraction of the allowed bitrate; this one is busy on purpose (a
 * detailed texture that scrolls, fresh grain in every frame, moving blocks),
 * so every layer is sent at the bitrate it is given and the figures compare
 * what simulcast saves, not how well a still picture compresses. Written at
 * run time into a temporary directory: nothing binary lives in the repository.
 * The clip's frame rate (its header) is the rate the camera captures at.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';

export interface ClipFormat {
  width: number;
  height: number;
  framesPerSecond: number;
  seconds: number;
}

/** Grain added to every pixel of every frame, ± this much: no frame is a plain copy of the last. */
const GRAIN = 1;
/** Pixels the texture moves per frame, across and down. */
const SCROLL = { x: 2, y: 1 };
/** Detail of the texture: cell size in pixels and strength of each octave of value noise. */
const OCTAVES = [
  { cell: 48, amplitude: 90 },
  { cell: 12, amplitude: 45 },
  { cell: 4, amplitude: 10 },
];
const BLOCKS = 6;
const BLOCK_SIZE = 96;

/** xorshift32: a fast, repeatable pseudo-random sequence (the clip is the same in every run). */
function randomSource(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/**
 * A luma texture of value noise (random values on grids of several sizes,
 * blended smoothly between grid points): detail at every scale, like a
 * photographed scene, rather than the pixel noise no encoder can follow.
 */
interface Texture {
  values: Float32Array;
  width: number;
}

function makeTexture(width: number, height: number, random: () => number): Texture {
  const texture = new Float32Array(width * height).fill(16);
  for (const { cell, amplitude } of OCTAVES) {
    const columns = Math.ceil(width / cell) + 1;
    const grid = Float32Array.from({ length: columns * (Math.ceil(height / cell) + 1) }, () => random() * amplitude);
    for (let y = 0; y < height; y++) {
      const [gy, fy] = [Math.floor(y / cell), (y % cell) / cell];
      for (let x = 0; x < width; x++) {
        const [gx, fx] = [Math.floor(x / cell), (x % cell) / cell];
        const at = gy * columns + gx;
        const top = grid[at]! + (grid[at + 1]! - grid[at]!) * fx;
        const bottom = grid[at + columns]! + (grid[at + columns + 1]! - grid[at + columns]!) * fx;
        texture[y * width + x]! += top + (bottom - top) * fy;
      }
    }
  }
  return { values: texture, width };
}

function drawFrame(frame: Uint8Array, index: number, format: ClipFormat, texture: Texture, random: () => number): void {
  const { width, height } = format;
  const [dx, dy] = [index * SCROLL.x, index * SCROLL.y];
  for (let y = 0; y < height; y++) {
    const row = (y + dy) * texture.width + dx;
    for (let x = 0; x < width; x++) {
      const value = texture.values[row + x]! + (random() * 2 - 1) * GRAIN;
      frame[y * width + x] = value < 16 ? 16 : value > 235 ? 235 : value;
    }
  }
  // Blocks moving against the texture, each its own way, and a slowly turning colour wash.
  for (let block = 0; block < BLOCKS; block++) {
    const left = (block * 211 + index * (3 + block)) % (width - BLOCK_SIZE);
    const top = (block * 97 + index * (1 + block)) % (height - BLOCK_SIZE);
    const shade = block % 2 ? 225 : 30;
    for (let y = top; y < top + BLOCK_SIZE; y++) frame.fill(shade, y * width + left, y * width + left + BLOCK_SIZE);
  }
  const lumaSize = width * height;
  const [chromaWidth, chromaHeight] = [width / 2, height / 2];
  const phase = (index / (format.framesPerSecond * format.seconds)) * Math.PI;
  for (let y = 0; y < chromaHeight; y++) {
    for (let x = 0; x < chromaWidth; x++) {
      const at = y * chromaWidth + x;
      frame[lumaSize + at] = 128 + 50 * Math.sin(phase + x / 60);
      frame[lumaSize + chromaWidth * chromaHeight + at] = 128 + 50 * Math.cos(phase + y / 45);
    }
  }
}

/**
 * Writes the clip as `<dir>/camera.y4m` (4:2:0, as Chromium's Y4M reader
 * wants) and returns its path. It plays its frames forwards, then backwards:
 * Chromium loops the file, and a loop that ends where it starts never cuts
 * to another picture (a cut costs a frame as large as a key frame).
 */
export async function writeBusyClip(dir: string, format: ClipFormat): Promise<string> {
  const { width, height, framesPerSecond, seconds } = format;
  const path = join(dir, 'camera.y4m');
  const random = randomSource(20_261_125);
  const forwards = Math.round((framesPerSecond * seconds) / 2);
  const texture = makeTexture(width + forwards * SCROLL.x, height + forwards * SCROLL.y, random);
  const frame = new Uint8Array((width * height * 3) / 2);
  const file = await open(path, 'w');
  try {
    await file.write(`YUV4MPEG2 W${width} H${height} F${framesPerSecond}:1 Ip A1:1 C420jpeg\n`);
    const order = [...Array.from({ length: forwards }, (_, i) => i), ...Array.from({ length: forwards }, (_, i) => forwards - 1 - i)];
    for (const index of order) {
      drawFrame(frame, index, format, texture, random);
      await file.write('FRAME\n');
      await file.write(frame);
    }
  } finally {
    await file.close();
  }
  return path;
}
