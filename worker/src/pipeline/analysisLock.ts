// Holding a dictionary's analysis claim (migrations/src/analysisClaims.ts) for the length of one analysis: take it
// (or wait for it, or refuse with the holder's name), renew it on a timer while the work runs, notice when it was
// lost, give it up at the end. The claim itself, and the fence on the swap, are the database's.
import { hostname } from 'node:os';
import {
  AnalysisClaimLost,
  claimAnalysis,
  releaseAnalysisClaim,
  renewAnalysisClaim,
  type AnalysisClaim,
  type ClaimHolder,
  type ClaimQueryable,
} from '@atlas/migrations';
import { AtlasError } from '../errors.js';

/** How long a claim lives without renewal: the job lease's default, so a crashed holder's claim lapses as its job does. */
export const ANALYSIS_CLAIM_LEASE_MS = 60_000;

export interface AnalysisLockOptions {
  /** Who analyses: `job 12` (a retried job takes its own claim back at once), or by default this one call. */
  owner?: string;
  leaseMs?: number;
  /** When another owner holds a live claim: refuse with ANALYSIS_IN_PROGRESS, or wait until it is free. */
  whenHeld?: 'fail' | 'wait';
  /** Called before each wait (throwing stops waiting: a cancelled job). */
  waiting?(holder: ClaimHolder): void | Promise<void>;
  /** Time between tries while waiting. */
  pollMs?: number;
}

/** A taken claim, renewed in the background until released. */
export interface HeldAnalysis {
  readonly claim: AnalysisClaim;
  /** Throws AnalysisClaimLost once a renewal found the claim gone. */
  assertHeld(): void;
  release(): Promise<void>;
}

let analyses = 0;

/** A claim owner for one analysis run by this process (`analyze` on the command line, the demo, a bench). */
export function processOwner(): string {
  return `analysis ${++analyses} of pid ${process.pid} on ${hostname()}`;
}

/** Take the analysis claim on `dictionaryId` (see AnalysisLockOptions). */
export async function takeAnalysisLock(
  q: ClaimQueryable,
  dictionaryId: number,
  o: AnalysisLockOptions = {},
): Promise<HeldAnalysis> {
  const owner = o.owner ?? processOwner();
  const leaseMs = o.leaseMs ?? ANALYSIS_CLAIM_LEASE_MS;
  for (;;) {
    const taken = await claimAnalysis(q, dictionaryId, owner, leaseMs);
    if ('claim' in taken) return hold(q, taken.claim, leaseMs);
    const { heldBy } = taken;
    if (o.whenHeld !== 'wait')
      throw new AtlasError(
        'ANALYSIS_IN_PROGRESS',
        `dictionary ${dictionaryId} is being analysed by ${heldBy.owner} (its claim runs to ${heldBy.expiresAt.toISOString()} and is renewed while it works); wait for that analysis to finish, or cancel it, then analyse again`,
      );
    await o.waiting?.(heldBy);
    await new Promise((r) => setTimeout(r, o.pollMs ?? Math.min(2000, leaseMs / 4)));
  }
}

function hold(q: ClaimQueryable, claim: AnalysisClaim, leaseMs: number): HeldAnalysis {
  let lost = false;
  let renewing: Promise<void> = Promise.resolve();
  // A third of the lease: two renewals may fail (a busy database) before the claim lapses.
  const timer = setInterval(() => {
    renewing = renewAnalysisClaim(q, claim, leaseMs).then(
      (held) => {
        if (!held) lost = true;
      },
      () => undefined, // the next renewal tries again; the fence on the swap is what guarantees safety
    );
  }, leaseMs / 3);
  timer.unref();
  return {
    claim,
    assertHeld() {
      if (lost) throw new AnalysisClaimLost(claim);
    },
    async release() {
      clearInterval(timer);
      await renewing;
      await releaseAnalysisClaim(q, claim);
    },
  };
}
