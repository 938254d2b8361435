// A child process of `npm start` (api, web, worker) that is started again when it dies, with backoff so a child
// that fails at once does not spin; each restart is printed. A child that exits with code 2 before it ever came up
// refused to start (port in use, bad configuration): that would repeat forever, so it is reported as fatal instead.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

export interface ChildSpec {
  /** How the child is named in what `npm start` prints, e.g. "worker 1". */
  name: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdio: StdioOptions;
}

/** First wait before a restart, doubled after each quick death up to the longest. */
const FIRST_BACKOFF_MS = 1000;
const LONGEST_BACKOFF_MS = 30_000;
/** A child that ran this long before dying is restarted after the first wait again. */
const HEALTHY_RUN_MS = 60_000;
/** How long a stopping child may take (a worker hands its job back) before it is killed. */
const STOP_GRACE_MS = 15_000;

export class SupervisedChild {
  private child: ChildProcess | undefined;
  private backoffMs = FIRST_BACKOFF_MS;
  private restarts = 0;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  /** Set once the caller says the child came up; a later exit with code 2 is then an ordinary death. */
  private cameUp = false;

  constructor(
    private readonly spec: ChildSpec,
    /** Called when the child refused to start (exit code 2 before it came up). */
    private readonly onRefused: (code: number) => void,
    private readonly say: (line: string) => void = (line) => console.error(line),
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** The running process (undefined between a death and its restart). */
  get process(): ChildProcess | undefined {
    return this.child;
  }

  start(): ChildProcess {
    const startedAt = Date.now();
    const child = spawn(process.execPath, this.spec.args, {
      cwd: this.spec.cwd,
      env: this.spec.env,
      stdio: this.spec.stdio,
    });
    this.child = child;
    child.once('exit', (code, signal) => {
      this.child = undefined;
      if (this.stopping) return;
      if (code === 2 && !this.cameUp) {
        this.onRefused(code);
        return;
      }
      if (Date.now() - startedAt >= HEALTHY_RUN_MS) this.backoffMs = FIRST_BACKOFF_MS;
      const wait = this.backoffMs;
      this.backoffMs = Math.min(LONGEST_BACKOFF_MS, this.backoffMs * 2);
      this.restarts++;
      this.say(
        `${this.spec.name} exited (${signal ?? `code ${code}`}); restarting it in ${wait / 1000} s (restart ${this.restarts})`,
      );
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.stopping) this.start();
      }, wait);
    });
    return child;
  }

  /** The child is up (answers, or is past its start-up checks): from now on any death is restarted. */
  markUp(): void {
    this.cameUp = true;
  }

  /** No more restarts: the child may now exit (a Ctrl-C reaches every child at once) while others are stopped. */
  retire(): void {
    this.stopping = true;
    clearTimeout(this.timer);
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves when the child is gone. */
  async stop(): Promise<void> {
    this.retire();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await gone;
    clearTimeout(kill);
  }
}
