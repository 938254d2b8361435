// The jobs pages' operations, in a plain module because both the server pages (first render) and the client
// components (polling, cancel) run them; a 'use client' module's exports are only references on the server.
import { graphql } from './gql';

graphql(`
  fragment JobFields on Job {
    id
    type
    state
    payload
    error
    attempts
    dictionaryId
    createdAt
    startedAt
    finishedAt
    progress {
      fraction
      rate
      unit
      etaSeconds
      message
    }
  }
`);

/** The newest jobs, for /jobs, and the workers alive (none while jobs wait: the page says how to start one). */
export const JOBS = graphql(`
  query Jobs {
    jobs(first: 30) {
      ...JobFields
    }
    workers {
      id
    }
  }
`);

/** One job, for /jobs/[id]. */
export const JOB = graphql(`
  query Job($id: ID!) {
    job(id: $id) {
      ...JobFields
    }
  }
`);

/** A job's newest log lines, asked separately so an api without Job.logs still serves the progress. */
export const JOB_LOGS = graphql(`
  query JobLogs($id: ID!) {
    job(id: $id) {
      logs(last: 50) {
        at
        level
        message
      }
    }
  }
`);

export const CANCEL_JOB = graphql(`
  mutation CancelJob($id: ID!) {
    cancelJob(id: $id) {
      ...JobFields
    }
  }
`);
