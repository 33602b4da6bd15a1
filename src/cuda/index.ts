// The CUDA path's surface for recipes/kit and the CLI: build a spec from config blocks, write the
// pre-tokenized files, hand both to runCudaStep.
export { CudaWorkerError, runCudaStep, withGpus, type CudaStepOptions, type CudaStepResult } from './launcher.js';
export { generateSpec, perDeviceBatch, trainSpec, type GeneratePlanInput, type TrainBlockLike, type TrainPlanInput } from './plan.js';
export { readExamples, writeExamples, writePrompts, type PromptRow } from './pretokenized.js';
export { CudaGenerateSpecSchema, CudaSpecSchema, CudaTrainSpecSchema, type CudaGenerateSpec, type CudaSpec, type CudaTrainSpec, type SamplingSpec } from './spec.js';
export { REQUIREMENTS, WORKER_DIR } from './worker.js';
export { chatPromptIds, cudaFineTune, cudaGenerate, type CudaFineTuneInput, type CudaFineTuneResult, type CudaGenerateInput, type CudaRunOptions } from './steps.js';
export { assertCudaReady, CudaNotReadyError, type CudaReadyOptions, type CudaTask } from './ready.js';
export { commandLine, generateCommands, type WorkerCommand } from './commands.js';
