/** Stable error codes of the worker. A shipped code keeps its meaning. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'ARGUMENT_INVALID'
  | 'SOURCE_NOT_FOUND'
  | 'SOURCE_MALFORMED'
  | 'SOURCE_SHAPE_MISMATCH'
  | 'SOURCE_NOT_FINITE'
  | 'PROVENANCE_MISMATCH'
  | 'OUTPUT_EXISTS'
  | 'BACKEND_UNAVAILABLE'
  | 'TRAINING_DIVERGED'
  | 'TASK_FAILED'
  | 'CHECKPOINT_INVALID'
  | 'DATABASE_UNAVAILABLE'
  | 'ANALYSIS_IN_PROGRESS';

/** An error meant for a person: the message says what failed, where, what was expected and the fix. */
export class AtlasError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AtlasError';
  }
}
