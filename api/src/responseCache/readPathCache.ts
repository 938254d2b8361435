// The api's read path cache, composed: which requests it may answer (OperationPolicies), the key of each, the
// versions it checks against (ReadVersionWatch), the answers (ResponseCache), and the HTTP validators it sends
// (ETag from the key and versions; Cache-Control for a proxy or CDN in front).
import { createHash } from 'node:crypto';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import { canonicalJson, OperationPolicies } from './operationPolicy.js';
import { PersistedQueryTexts, readGraphqlRequest } from './graphqlRequest.js';
import type { ReadScopes } from './readScopes.js';
import { ReadVersionWatch, type VersionSnapshot } from './readVersionWatch.js';
import { ResponseCache, type CachedAnswer, type Stamp } from './responseCache.js';
import { StoredAnswers, type StoredAnswersUse } from './storedAnswers.js';

export interface ReadPathCacheOptions {
  /** Bytes of answers held (0: no response cache; HTTP validators still sent). */
  maxBytes: number;
  /** Cache-Control max-age of public answers, seconds: how long a CDN or browser may reuse one unasked. */
  maxAgeSeconds: number;
  /** Whether to read the stored answers, and store every answer rendered (the prerender's api); default 'read'. */
  storedAnswers?: StoredAnswersUse;
}

/** A request the cache may answer: its key, and whether it was precise about what it read. */
export interface CachePlan {
  key: string;
  /** What the ETag is made of besides the versions: the same in every api process. */
  etagBase: () => string;
  precise: boolean;
  /** `public` answers may be shared; `keyed` ones (a closed atlas, or a caller who sent a valid key) may not. */
  access: 'public' | 'keyed';
}

export class ReadPathCache {
  readonly watch: ReadVersionWatch;
  readonly answers: ResponseCache;
  /** Answers rendered ahead of time, in the database (storedAnswers.ts). */
  readonly stored: StoredAnswers;
  private readonly policies: OperationPolicies;
  private readonly persisted = new PersistedQueryTexts();

  constructor(
    ds: DataSource,
    schema: GraphQLSchema,
    readonly options: ReadPathCacheOptions,
  ) {
    this.watch = new ReadVersionWatch(ds);
    this.answers = new ResponseCache(Math.max(1, options.maxBytes));
    this.policies = new OperationPolicies(schema);
    // Sorted: type-graphql may list a field's arguments in another order when a process builds the schema again.
    const build = createHash('sha256')
      .update(API_BUILD)
      .update(printSchema(lexicographicSortSchema(schema)))
      .digest('base64url');
    this.stored = new StoredAnswers(ds, build, options.storedAnswers === 'store');
  }

  /** The plan for a request, or undefined when it must go to Apollo uncached. */
  plan(method: string, body: unknown, url: URL, accept: string, access: CachePlan['access']): CachePlan | undefined {
    const request = readGraphqlRequest(method, body, url.searchParams, this.persisted);
    if (!request?.query) return undefined;
    const policy = this.policies.of(request.query, request.operationName);
    if (!policy.cache) return undefined;
    const variables = canonicalJson(request.variables);
    const media = answerMedia(accept);
    const key = `${access}\u0000${media}\u0000${policy.textId}\u0000${variables}`;
    const etagBase = () => `${access}\u0000${media}\u0000${policy.textHash}\u0000${variables}`;
    return { key, etagBase, precise: policy.precise, access };
  }

  /** The stored answer if the database still holds the versions it was stamped with. */
  lookup(plan: CachePlan, now: VersionSnapshot): CachedAnswer | undefined {
    return this.options.maxBytes > 0 ? this.answers.get(plan.key, now) : undefined;
  }

  /** Stamp an answer with the versions read before it ran (a change meanwhile makes it stale at once). */
  stamp(plan: CachePlan, reads: ReadScopes, before: VersionSnapshot): Stamp {
    if (!plan.precise || reads.everything) return { kind: 'generation', generation: before.generation };
    return { kind: 'scopes', versions: [...reads.scopes].sort().map((s) => [s, before.versions.get(s)]) };
  }

  /** The answer rendered ahead of time for this request, if it is current; held in memory from then on. */
  async lookupStored(plan: CachePlan, now: VersionSnapshot): Promise<CachedAnswer | undefined> {
    // With the cache off (ATLAS_API_CACHE_MB=0) every answer is the operation's, unless this api stores them.
    const use = this.options.storedAnswers ?? 'read';
    if (use === 'off' || (this.options.maxBytes === 0 && use !== 'store')) return undefined;
    const answer = await this.stored.lookup(this.stored.keyOf(plan.etagBase()), now);
    if (answer && this.options.maxBytes > 0) this.answers.set(plan.key, answer);
    return answer;
  }

  store(plan: CachePlan, body: Buffer, contentType: string, stamp: Stamp): CachedAnswer {
    const answer = { body, contentType, stamp, etag: etagOf(plan.etagBase(), stamp) };
    if (this.options.maxBytes > 0) this.answers.set(plan.key, answer);
    if (this.stored.writes) this.stored.save(this.stored.keyOf(plan.etagBase()), answer); // no hash on a serving api's misses
    return answer;
  }

  /** Validators for an answer: shared caches may keep public ones; keyed ones stay with their caller. */
  headers(plan: CachePlan, answer: CachedAnswer): Record<string, string> {
    return {
      etag: answer.etag,
      'cache-control':
        plan.access === 'public'
          ? `public, max-age=${this.options.maxAgeSeconds}, must-revalidate`
          : 'private, no-cache',
    };
  }
}

/**
 * What else a stored answer's bytes depend on besides its schema (hashed with it): raise it when resolvers change
 * what an unchanged schema answers, so stored answers of the older code are never served.
 */
const API_BUILD = 'atlas-api answers 1';

/**
 * The media type an answer is written in, as the key of its bytes: Apollo answers application/graphql-response+json
 * only to a client that asks for it, and application/json to one that takes it (no Accept, any type, JSON), so
 * those share answers (the web's fetch sends any type, load generators often nothing); others keep their own.
 */
function answerMedia(accept: string): string {
  if (accept.includes('application/graphql-response+json')) return accept;
  return accept === '' || /application\/json|\*\/\*|application\/\*/.test(accept) ? 'json' : accept;
}

/** Strong: the same key at the same versions is the same bytes. */
function etagOf(base: string, stamp: Stamp): string {
  const h = createHash('sha256').update(base).update('\u0000');
  if (stamp.kind === 'generation') h.update(`g${stamp.generation}`);
  else for (const [scope, version] of stamp.versions) h.update(`${scope}=${version ?? ''};`);
  return `"${h.digest('base64url').slice(0, 27)}"`;
}

/** Does If-None-Match name this ETag? */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
