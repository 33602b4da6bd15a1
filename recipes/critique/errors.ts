// What can be wrong with the critique pipeline's files; each message names the file (and the row or
// chunk) and says what to do about it.
import { WgmlError } from '../../src/errors.js';

/** A questions file row without the fields the pipeline needs, or a file that is not JSON/JSONL. */
export class QuestionsFileError extends WgmlError {}

/** Chunk files that cannot be merged: missing chunks, duplicated indices, mismatched parameters. */
export class ChunkMergeError extends WgmlError {}

/** A chunk file or a step's output that is missing or not what the pipeline wrote. */
export class CritiqueFileError extends WgmlError {}

/** A configured model directory that does not load. */
export class ModelLoadError extends WgmlError {}
