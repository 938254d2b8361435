// What one endpoint of the REST facade is: its method and path, and a handler from the request's context, path
// parameters and JSON body to the JSON answer (HTTP 200); failures are thrown as RestError.
import type { Context } from '../context.js';
import type { Fields } from './requestFields.js';

export interface RestRequest {
  ctx: Context;
  /** The path pattern's captures, decoded. */
  params: string[];
  /** The JSON body of a POST (an object; checked by the router). */
  body: Fields;
}

export interface RestRoute {
  method: 'GET' | 'POST';
  /** As the OpenAPI document writes it, e.g. `/api/feature/{modelId}/{layer}/{index}`. */
  path: string;
  pattern: RegExp;
  handle(request: RestRequest): Promise<unknown>;
}
