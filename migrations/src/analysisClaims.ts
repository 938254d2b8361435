// One analysis of a dictionary at a time, enforced by the database: an analysis holds the dictionary's row in
// analysis_claims (owner, a fresh token per take, an expiry). Taking it is one conditional statement, so of two
// writers exactly one wins; the holder renews it while it works; the swap that publishes the rows checks the
// token inside its transaction, so a writer whose claim lapsed and was taken over cannot publish anything.
import { randomUUID } from 'node:crypto';

/** Anything with pg's or TypeORM's `query(sql, params)`. */
export interface ClaimQueryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** A taken claim: `token` fences every later statement of its holder. */
export interface AnalysisClaim {
  dictionaryId: number;
  owner: string;
  token: string;
}

/** Who holds a dictionary's claim, and until when (it lapses then unless renewed). */
export interface ClaimHolder {
  owner: string;
  expiresAt: Date;
}

function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * Take the claim on `dictionaryId` for `owner` for `leaseMs`: free, lapsed, or already held by the same owner (a
 * retried job takes its own claim back; its token changes, so the earlier attempt is fenced out). Returns the claim,
 * or the current holder when another owner holds a live one.
 */
export async function claimAnalysis(
  q: ClaimQueryable,
  dictionaryId: number,
  owner: string,
  leaseMs: number,
): Promise<{ claim: AnalysisClaim } | { heldBy: ClaimHolder }> {
  const token = randomUUID();
  const rows = rowsOf<{ owner: string; token: string; expires_at: Date }>(
    await q.query(
      `INSERT INTO analysis_claims AS c (dictionary_id, owner, token, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4::float8 / 1000))
       ON CONFLICT (dictionary_id) DO UPDATE
         SET owner = EXCLUDED.owner, token = EXCLUDED.token, claimed_at = now(), expires_at = EXCLUDED.expires_at
         WHERE c.expires_at < now() OR c.owner = EXCLUDED.owner
       RETURNING owner, token, expires_at`,
      [dictionaryId, owner, token, leaseMs],
    ),
  );
  if (rows[0]?.token === token) return { claim: { dictionaryId, owner, token } };
  const holder = await claimHolder(q, dictionaryId);
  // Released between the two statements: try again (rare; the next take decides).
  if (!holder) return claimAnalysis(q, dictionaryId, owner, leaseMs);
  return { heldBy: holder };
}

/** The live or lapsed holder of a dictionary's claim, or null when none. */
export async function claimHolder(q: ClaimQueryable, dictionaryId: number): Promise<ClaimHolder | null> {
  const rows = rowsOf<{ owner: string; expires_at: Date }>(
    await q.query(`SELECT owner, expires_at FROM analysis_claims WHERE dictionary_id = $1`, [dictionaryId]),
  );
  return rows[0] ? { owner: rows[0].owner, expiresAt: new Date(rows[0].expires_at) } : null;
}

/** Extend a held claim by `leaseMs` from now; false when it was lost (lapsed and taken, or the dictionary deleted). */
export async function renewAnalysisClaim(q: ClaimQueryable, claim: AnalysisClaim, leaseMs: number): Promise<boolean> {
  // Counted by a SELECT: TypeORM answers a bare UPDATE with [rows, count] but pg with its rows.
  const [{ n }] = rowsOf<{ n: number }>(
    await q.query(
      `WITH renewed AS (
         UPDATE analysis_claims SET expires_at = now() + make_interval(secs => $3::float8 / 1000)
          WHERE dictionary_id = $1 AND token = $2 RETURNING 1)
       SELECT count(*)::int AS n FROM renewed`,
      [claim.dictionaryId, claim.token, leaseMs],
    ),
  );
  return n === 1;
}

/** Give the claim up (only if still ours). */
export async function releaseAnalysisClaim(q: ClaimQueryable, claim: AnalysisClaim): Promise<void> {
  await q.query(`DELETE FROM analysis_claims WHERE dictionary_id = $1 AND token = $2`, [
    claim.dictionaryId,
    claim.token,
  ]);
}

/**
 * Inside a transaction: lock the claim row if `claim` still holds it, so no one can take it until the transaction
 * ends. False when the claim was lost: the caller rolls back instead of publishing.
 */
export async function lockAnalysisClaim(q: ClaimQueryable, claim: AnalysisClaim): Promise<boolean> {
  const rows = rowsOf<unknown>(
    await q.query(`SELECT 1 FROM analysis_claims WHERE dictionary_id = $1 AND token = $2 FOR UPDATE`, [
      claim.dictionaryId,
      claim.token,
    ]),
  );
  return rows.length === 1;
}

/** The claim lapsed and another writer took it (or the dictionary was deleted): this writer must not publish. */
export class AnalysisClaimLost extends Error {
  readonly code = 'ANALYSIS_CLAIM_LOST';
  constructor(claim: AnalysisClaim) {
    super(
      `the analysis of dictionary ${claim.dictionaryId} by ${claim.owner} lost its claim (it lapsed and another analysis took it, or the dictionary was deleted), so nothing of it was published; the other analysis' rows stand, or run the analysis again`,
    );
    this.name = 'AnalysisClaimLost';
  }
}
