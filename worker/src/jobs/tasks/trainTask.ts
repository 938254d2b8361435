// `train` jobs: train a dictionary on activations on the server, resuming from the last checkpoint after a crash,
// then register it. Training runs in a child process (see trainChild.ts); this side reports progress.
import { fork } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobPayload } from '@atlas/migrations';
import type { DataSource } from 'typeorm';
import { AtlasError, type ErrorCode } from '../../errors.js';
import { registerDictionary } from '../../store/dictionaryLifecycle.js';
import { JobCancelled } from '../jobProgress.js';
import { setJobDictionary } from '../queue/setJobDictionary.js';
import type { TaskHandler, TaskRun } from './taskHandler.js';

const CHILD = fileURLToPath(new URL('./trainChild.ts', import.meta.url));

type ChildMessage =
  | { kind: 'start'; steps: number; startStep: number }
  | { kind: 'step'; step: number; steps: number; tokens: number; fvu: number; l0: number }
  | { kind: 'done' }
  | { kind: 'error'; code: string; message: string };

export function createTrainTask(deps: { dataSource: DataSource; dataDir: string }): TaskHandler {
  return {
    async run(job: TaskRun) {
      const p = job.payload as JobPayload<'train'>;
      const out = join(deps.dataDir, 'dictionaries', `job-${job.id}`);
      const checkpointDir = `${out}.checkpoints`;
      if (!existsSync(out)) {
        const resume = existsSync(checkpointDir) && readdirSync(checkpointDir).length > 0;
        const archOptions: Record<string, unknown> = {};
        if (p.k !== undefined) archOptions.k = p.k;
        if (p.l1Coefficient !== undefined) archOptions.l1Coefficient = p.l1Coefficient;
        const options = {
          acts: p.acts,
          out,
          backend: 'auto',
          checkpointEvery: 200,
          checkpointDir,
          resume,
          config: {
            arch: p.arch,
            dSae: p.latents,
            archOptions,
            seed: p.seed, // unset: derived from the settings, so no two trainings share an initialisation
            ...(p.tokens && { tokens: p.tokens }),
          },
        };
        await trainInChild(options, job);
      }
      const id = await registerDictionary(deps.dataSource, out, {
        name: p.name,
        status: 'trained',
        hyperparameters: p,
      });
      await setJobDictionary(deps.dataSource, job.id, id);
    },
  };
}

function trainInChild(options: object, job: TaskRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify(options)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let failure: AtlasError | undefined;
    let reporting = Promise.resolve();
    child.on('message', (m: ChildMessage) => {
      if (m.kind === 'step')
        reporting = reporting
          .then(() =>
            job.progress.report({
              done: m.tokens,
              total: (m.tokens / m.step) * m.steps,
              unit: 'tokens',
              message: `FVU ${m.fvu.toFixed(3)}, L0 ${m.l0.toFixed(1)}`,
            }),
          )
          .catch((err: unknown) => {
            if (err instanceof JobCancelled) {
              child.kill('SIGKILL');
              reject(err);
            }
          });
      else if (m.kind === 'error') failure = new AtlasError(m.code as ErrorCode, m.message); // a code the child's AtlasError carried
    });
    child.on('exit', (code, signal) => {
      void reporting.then(() => {
        if (code === 0) resolve();
        else
          reject(failure ?? new AtlasError('TASK_FAILED', `training process ended with ${signal ?? `code ${code}`}`));
      });
    });
  });
}
