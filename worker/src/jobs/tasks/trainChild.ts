// The training half of a `train` job, in its own process: a training step blocks the event loop (onnxruntime
// runs synchronously), and the parent must keep renewing its lease and notice cancellation meanwhile.
// Input: JSON TrainRunOptions in argv[2]. Output: IPC messages {kind: 'start'|'step'|'done'|'error'}.
import { runTraining, type TrainRunOptions } from '../../engine/trainRun.js';

const options = JSON.parse(process.argv[2]) as TrainRunOptions;
// Die with the worker: a killed worker's job is resumed elsewhere from the last checkpoint.
process.on('disconnect', () => process.exit(1));
const send = (m: unknown) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
try {
  await runTraining(options, {
    start: (i) => void send({ kind: 'start', ...i }),
    step: (s, steps) => void send({ kind: 'step', step: s.step, steps, tokens: s.tokens, fvu: s.fvu, l0: s.l0 }),
  });
  await send({ kind: 'done' });
  process.exit(0);
} catch (err) {
  const e = err as { code?: string; message?: string };
  await send({ kind: 'error', code: e.code ?? 'TASK_FAILED', message: e.message ?? String(err) });
  process.exit(1);
}
