// Which dictionary a job made or analysed, on its row, so the api and the /jobs page link the two.
import type { Queryable } from '../../store/queryable.js';

/** Record on job `jobId` that it works on dictionary `dictionaryId`. */
export async function setJobDictionary(q: Queryable, jobId: number, dictionaryId: number): Promise<void> {
  await q.query(`UPDATE jobs SET dictionary_id = $2 WHERE id = $1`, [jobId, dictionaryId]);
}
