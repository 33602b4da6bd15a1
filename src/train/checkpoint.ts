// Checkpoints: runs/<run>/checkpoints/checkpoint-<step>/ with the trained tensors, the optimizer's
// moments, and trainer_state.json (step, RNG state, data position). A checkpoint is written under a
// temporary name and renamed, so a killed run never leaves a half-written one; the last K are kept.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointFormatError } from '../errors.js';
import { openSafetensors, writeSafetensors, type TensorToWrite } from '../io/safetensors.js';
import type { AdamWState } from './adamw.js';

export interface TrainerState {
  step: number;
  /** Rng.snapshot of the data-order / dropout stream. */
  rngState: number;
  /** Index of the next example in the current epoch's order, and the epoch. */
  dataPosition: number;
  epoch: number;
  [extra: string]: unknown;
}

export interface Checkpoint {
  dir: string;
  state: TrainerState;
  tensors: Map<string, Float32Array>;
  optimizer: AdamWState;
}

const PREFIX = 'checkpoint-';
const TEMP_MARK = '.tmp-';

/** Half-written checkpoints of a run killed mid-write (one trainer writes a run's checkpoints at a time). */
export async function removeLeftovers(root: string): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(PREFIX) && n.includes(TEMP_MARK))) await rm(join(root, name), { recursive: true, force: true });
}

function f32Tensors(values: ReadonlyMap<string, Float32Array>, prefix = ''): Record<string, TensorToWrite> {
  return Object.fromEntries([...values].map(([name, data]) => [prefix + name, { dtype: 'F32', shape: [data.length], data }]));
}

/** Writes checkpoint-<step> atomically (`writeTensors` puts the trained tensors, as `tensorFile`, into the directory, which is then renamed into place) and prunes to the newest `keepLast`. */
export async function saveCheckpoint(
  root: string,
  checkpoint: Pick<Checkpoint, 'state' | 'optimizer'>,
  tensorFile: string,
  writeTensors: (dir: string) => Promise<void>,
  keepLast: number,
): Promise<string> {
  await mkdir(root, { recursive: true });
  await removeLeftovers(root);
  const final = checkpointDir(root, checkpoint.state.step);
  const temp = `${final}${TEMP_MARK}${process.pid}`;
  await mkdir(temp);
  await writeTensors(temp);
  const { m, v, step } = checkpoint.optimizer;
  await writeSafetensors(join(temp, 'optimizer.safetensors'), { ...f32Tensors(m, 'exp_avg.'), ...f32Tensors(v, 'exp_avg_sq.') });
  const state = { ...checkpoint.state, tensor_file: tensorFile, optimizer_step: step };
  await writeFile(join(temp, 'trainer_state.json'), JSON.stringify(state, null, 2));
  await rm(final, { recursive: true, force: true });
  await rename(temp, final);
  await prune(root, keepLast);
  return final;
}

/** The steps of the checkpoints under `root`, oldest first. */
export async function checkpointSteps(root: string): Promise<number[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  return names
    .filter((n) => n.startsWith(PREFIX) && /^\d+$/.test(n.slice(PREFIX.length)))
    .map((n) => Number(n.slice(PREFIX.length)))
    .sort((a, b) => a - b);
}

async function prune(root: string, keepLast: number): Promise<void> {
  const steps = await checkpointSteps(root);
  for (const step of steps.slice(0, Math.max(0, steps.length - keepLast))) await rm(checkpointDir(root, step), { recursive: true, force: true });
}

async function readF32s(file: string, prefix: string): Promise<Map<string, Float32Array>> {
  const reader = await openSafetensors(file);
  try {
    const out = new Map<string, Float32Array>();
    for (const name of reader.names().filter((n) => n.startsWith(prefix))) out.set(name.slice(prefix.length), await reader.readF32(name));
    return out;
  } finally {
    await reader.close();
  }
}

export function checkpointDir(root: string, step: number): string {
  return join(root, `${PREFIX}${step}`);
}

/**
 * The newest intact checkpoint under `root`, or null when there is none. A newest one that is
 * corrupt (a disk error, a hand edit) is skipped for the one before it, reported through
 * `onSkip`; when none is intact, the newest one's error is thrown.
 */
export async function loadLatestCheckpoint(root: string, onSkip: (dir: string, error: Error) => void = () => {}): Promise<Checkpoint | null> {
  const steps = (await checkpointSteps(root)).reverse();
  let newestError: unknown;
  for (const step of steps) {
    const dir = checkpointDir(root, step);
    try {
      return await loadCheckpoint(dir);
    } catch (error) {
      if (!(error instanceof CheckpointFormatError)) throw error;
      newestError ??= error;
      onSkip(dir, error);
    }
  }
  if (newestError) throw newestError;
  return null;
}

export async function loadCheckpoint(dir: string): Promise<Checkpoint> {
  let state: TrainerState & { tensor_file?: string; optimizer_step?: number };
  try {
    state = JSON.parse(await readFile(join(dir, 'trainer_state.json'), 'utf8'));
  } catch (error) {
    throw new CheckpointFormatError(`${join(dir, 'trainer_state.json')}: unreadable (${(error as Error).message})`);
  }
  const optimizerFile = join(dir, 'optimizer.safetensors');
  return {
    dir,
    state,
    tensors: await readF32s(join(dir, state.tensor_file ?? 'adapter_model.safetensors'), ''),
    optimizer: { step: state.optimizer_step ?? state.step, m: await readF32s(optimizerFile, 'exp_avg.'), v: await readF32s(optimizerFile, 'exp_avg_sq.') },
  };
}
