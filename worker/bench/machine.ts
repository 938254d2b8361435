// The machine line every bench prints first: figures differ between machines (AVX-512 or AVX2, shared cores), so a
// figure is read beside the machine and the load it ran under.
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

function cpuFlags(): string {
  try {
    const flags = new Set(/^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].trim().split(/\s+/));
    return ['avx2', 'avx512f'].map((f) => `${f} ${flags.has(f) ? 'yes' : 'no'}`).join(', ');
  } catch {
    return 'flags unknown';
  }
}

/** `machine: <CPU>, <n> cores (avx2 …, avx512f …), <RAM>, Node <v>, load average <1 5 15 min>`. */
export function machineLine(): string {
  const ram = `${Math.round(totalmem() / 2 ** 20)} MB`;
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  return `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores (${cpuFlags()}), ${ram} RAM, Node ${process.versions.node}, load average ${load}`;
}
