/** Stable error codes of the database layer. A shipped code keeps its meaning. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'DATABASE_UNREACHABLE'
  | 'DATABASE_AUTH_FAILED'
  | 'DATABASE_NOT_FOUND'
  | 'VECTOR_EXTENSION_MISSING'
  | 'DATA_DIR_UNWRITABLE'
  | 'DATA_DIR_LOCKED'
  | 'PORT_IN_USE'
  | 'MIGRATION_FAILED'
  | 'EVALUATION_INVALID'
  | 'GRAPH_INVALID';

/** An error meant for a person: the message says what failed, where, and the fix. */
export class AtlasError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AtlasError';
  }

  /** The one line a CLI prints. */
  toLine(): string {
    return `${this.code}: ${this.message}`;
  }
}
